"""The OpenAPI document is the truth: schemathesis generates requests for every /api operation from
/api/openapi.json and checks each answer — never a 5xx, and every response matches its documented schema
(status code, content type, body). Bounded: FUZZ_EXAMPLES examples per operation (default 5) so the whole run
stays well under three minutes; every operation runs against a fresh test database (the `app` fixture).
Run more with e.g. `FUZZ_EXAMPLES=200 ./scripts/test tests/test_openapi_fuzz.py`.
"""
from __future__ import annotations

import os
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_schema_conformance,
                                 status_code_conformance)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
NAIVE_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")


def _strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


@schemathesis.check
def zoned_datetimes(ctx, response, case):
    """Every date-time in a JSON answer carries its time zone (RFC 3339), so a client never guesses UTC or China."""
    try:
        body = response.json()
    except ValueError:      # 204, or not JSON: content_type_conformance judges that
        return None
    naive = [s for s in _strings(body) if NAIVE_DATETIME.match(s)]
    if naive:
        raise AssertionError(f"date-time without a time zone: {naive[0]}")
    return None


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          zoned_datetimes]


@pytest.fixture
def api_schema(app, departments, staff_factory):
    """The live document of a fresh app holding one of everything (a case with an amount, a publication, a poll,
    the knowledge base), so answers have bodies to check."""
    from decimal import Decimal

    from extensions import db
    from models.complaint import Wish
    from services import complaints, faq, publications
    from services.clock import utcnow
    from tests.support.polls import make_poll
    with app.app_context():
        faq.import_dir()
        intake = complaints.Intake(kind="complaint", business_name="好又多超市", business_address="城关镇人民路88号",
                                   story="买到过期牛奶", wish=Wish.REFUND, name="张三", phone="13812345678",
                                   amount=Decimal("58.50"))
        complaints.file(openid="o_fuzz", intake_token=complaints.new_intake_token(), intake=intake, now=utcnow())
        publications.create(author="seed", now=utcnow(), kind="warning", title="预付卡警示", summary="谨慎办卡")
        db.session.commit()
    make_poll(app)
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


@pytest.fixture
def admin_headers(app, staff_factory, api_token) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(staff_factory(role='admin', department='食品安全股'), hours=2)}"}


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case, admin_headers):
    """A generated request to any /api operation gets a documented, schema-valid answer and never a 5xx."""
    case.call_and_validate(headers=admin_headers, checks=CHECKS)


def test_answers_carry_zoned_datetimes_and_numbers(api_schema, app, client, admin_headers):
    """Every list and detail answer writes date-times with their zone and a case's amount as a number (58.5)."""
    cases = client.get("/api/complaints/", headers=admin_headers).get_json()["items"]
    detail = client.get(f"/api/complaints/{cases[0]['id']}", headers=admin_headers).get_json()
    assert detail["amount"] == 58.5 and detail["received_at"].endswith("+00:00")
    for path in ("/api/auth/me", "/api/complaints/", f"/api/complaints/{cases[0]['id']}", "/api/publications/",
                 "/api/tokens/", "/api/staff/", "/api/audit/", "/api/polls/", "/api/kb/entries?per_page=3"):
        res = client.get(path, headers=admin_headers)
        assert res.status_code == 200, path
        assert not [s for s in _strings(res.get_json()) if NAIVE_DATETIME.match(s)], path

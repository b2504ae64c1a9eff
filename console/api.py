"""The /api plumbing features share: the flask-smorest Api factory, bearer security, pagination.

    from console.api import Blueprint, PageQuery, page_schema, paginate
    blp = Blueprint("complaints", __name__, description="投诉举报")

    @blp.get("/")
    @blp.arguments(PageQuery, location="query")
    @blp.response(200, page_schema(CaseSchema))
    @login_required
    def list_cases(args):
        return paginate(select(Complaint).order_by(Complaint.id.desc()), args)
"""
from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from flask_smorest import Blueprint  # noqa: F401  (re-exported for features)
from marshmallow import Schema, fields, validate
from sqlalchemy import Select, func, select

from console.errors import ConsoleApi
from extensions import db

MAX_PAGE_SIZE = 100

# marshmallow's validator messages, in the API's language (set once, before any schema is built).
validate.Length.message_min = "至少 {min} 个字符"
validate.Length.message_max = "不能超过 {max} 个字符"
validate.Length.message_all = "应为 {min} 到 {max} 个字符"
validate.Length.message_equal = "应为 {equal} 个字符"
validate.Range.message_min = "应{min_op} {{min}}"
validate.Range.message_max = "应{max_op} {{max}}"
validate.Range.message_all = "应{min_op} {{min}} 且{max_op} {{max}}"
validate.Range.message_gte, validate.Range.message_gt = "大于或等于", "大于"
validate.Range.message_lte, validate.Range.message_lt = "小于或等于", "小于"
validate.OneOf.default_message = "应为以下之一：{choices}"
validate.Regexp.default_message = "格式不正确"


class UtcDateTime(fields.DateTime):
    """A date-time that always carries its zone: stored naive UTC, written `…+00:00`, read in any zone."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def make_api(app) -> ConsoleApi:
    app.config.setdefault("API_TITLE", "消费维权公众号 工作人员 API")
    app.config.setdefault("API_VERSION", "1.0")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = ConsoleApi(spec_kwargs={"security": [{"bearerAuth": []}]})
    api.init_app(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer",
                                                       "description": "POST /api/auth/login 取得的令牌"})
    return api


class PageQuery(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


@cache
def page_schema(item: type[Schema]) -> type[Schema]:
    """`{"items": [...], "page", "per_page", "total"}` for a list of `item`."""
    return type(f"{item.__name__.removesuffix('Schema')}PageSchema", (Schema,), {
        "items": fields.List(fields.Nested(item), required=True),
        "page": fields.Integer(required=True),
        "per_page": fields.Integer(required=True),
        "total": fields.Integer(required=True),
    })


def paginate(query: Select, args: dict) -> dict:
    """Run one page of `query`; `args` holds page and per_page from PageQuery."""
    page, per_page = int(args.get("page", 1)), int(args.get("per_page", 20))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return {"items": items, "page": page, "per_page": per_page, "total": total}

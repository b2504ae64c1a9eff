"""The public article page of a publication (/articles/<id>): the 正文 followers open from the customer-service
news card or the template message, since WeChat links need a URL (news articles carry `url`, templates `url`).

No login: it shows only what was sent to followers (a publication being sent or sent); a draft or an approved one
not yet sent is 404, a withdrawn one 410 with a short notice. Mobile-first, no script, our own stylesheet."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from extensions import db
from models import Publication
from models.publication import Status
from services import disposals, sampling

bp = Blueprint("articles", __name__, static_folder="article_static", static_url_path="/static")

VISIBLE = {Status.SENDING, Status.SENT}
CSP = "default-src 'none'; style-src 'self'; img-src 'self' https: data:; base-uri 'none'; frame-ancestors 'none'"
WITHDRAWN = "该内容已撤回"


@bp.get("/<int:publication_id>")
def article(publication_id: int):
    pub = db.session.get(Publication, publication_id) if 0 < publication_id <= 2**31 - 1 else None
    if pub is None or pub.status not in VISIBLE | {Status.WITHDRAWN}:
        abort(404)
    if pub.status == Status.WITHDRAWN:
        return _headers(render_template("articles/withdrawn.html", message=WITHDRAWN), 410)
    return _headers(render_template("articles/show.html", pub=pub), 200)


SAMPLING_LIMIT = 50


@bp.get("/sampling")
def sampling_results():
    """The published 抽检结果 (newest first, `?q=` searches sample, brand, producer, place) with the 核查处置 outcome of
    a 不合格 result once it is made public — the same lines the 抽检结果 chat reply shows."""
    query = request.args.get("q", "").strip()[:50]
    found = sampling.search(query=query, limit=SAMPLING_LIMIT)
    outcomes = disposals.published_outcomes([r.id for r in found])
    return _headers(render_template("articles/sampling.html", results=found, outcomes=outcomes, query=query,
                                    verdicts=sampling.VERDICT_LABELS), 200)


def _headers(body: str, status: int):
    return body, status, {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                          "Referrer-Policy": "no-referrer", "Cache-Control": "public, max-age=300"}

"""The publications console: compose, preview, approve by someone else, schedule; the quota meter before sending."""
from __future__ import annotations

from extensions import db
from models import Publication
from services import publications
from services.clock import utcnow
from tests.support.publications import approved, follow, push, send_now

PREVIEW_GROUP = "o_staff_phone_1,o_staff_phone_2"


def test_compose_preview_approve_and_schedule(make_app, sim, staff_factory, logged_in):
    """A writer drafts and submits; a preview reaches the test group; only a colleague can approve; it is scheduled."""
    app = make_app(PUBLICATION_PREVIEW_OPENIDS=PREVIEW_GROUP)
    writer, checker = staff_factory(role="staff"), staff_factory(role="staff")
    author = logged_in(app.test_client(), writer)
    res = author.post("/console/publications/new", data={
        "kind": "warning", "title": "警惕预付卡跑路", "summary": "办卡前看清退费条款", "body": "正文",
        "tags": "预付卡", "strategy": "each", "audience": "all"})
    assert res.status_code == 302
    with app.app_context():
        pub_id = db.session.scalar(db.select(Publication.id))
    page = f"/console/publications/{pub_id}"
    assert author.post(f"{page}/submit").status_code == 302
    assert author.post(f"{page}/preview").status_code == 302
    assert [m["kind"] for m in sim.inbox("o_staff_phone_1")] == ["preview"]
    assert "需由作者以外的同事审核" in author.get(page).get_data(as_text=True)
    refused = author.post(f"{page}/approve")
    assert refused.status_code == 403 and "作者以外" in refused.get_data(as_text=True)

    colleague = logged_in(app.test_client(), checker)
    assert colleague.post(f"{page}/approve").status_code == 302
    bad = colleague.post(f"{page}/schedule", data={"at": "2001-01-01T09:00"})
    assert bad.status_code == 422 and "发送时间已过" in bad.get_data(as_text=True)
    assert colleague.post(f"{page}/schedule", data={"at": "2099-03-10T09:00"}).status_code == 302
    with app.app_context():
        pub = publications.get(pub_id)
        assert (pub.status, pub.author, pub.approver) == ("scheduled", writer.username, checker.username)
        assert pub.scheduled_at.hour == 1                   # 09:00 China time is 01:00 UTC


def test_quota_exhausted_is_shown_before_sending_and_send_refuses(app, sim, staff_factory, logged_in, api_token,
                                                                 client):
    """When the audience used its 4 mass messages this month, the page says so and the send is refused."""
    with app.app_context():
        follow(sim, "o_a", "o_b")
        for n in range(4):
            pub = approved(strategy="mass", title=f"本月第{n + 1}条群发")
            send_now(pub)
            push(app)
        fifth = approved(strategy="mass", title="第5条群发").id
    user = logged_in(client, staff_factory(role="staff"))
    page = user.get(f"/console/publications/{fifth}").get_data(as_text=True)
    assert "本月群发额度已用完" in page and 'id="quota-exhausted"' in page
    assert "<strong>0</strong> 人还能接收群发" in page
    refused = user.post(f"/console/publications/{fifth}/send")
    assert refused.status_code == 409 and "额度已用完" in refused.get_data(as_text=True)

    token = api_token(staff_factory(role="staff"))
    headers = {"Authorization": f"Bearer {token}"}
    status = client.get(f"/api/publications/{fifth}/status", headers=headers).get_json()
    assert (status["audience"], status["with_quota"]) == (2, 0)
    res = client.post(f"/api/publications/{fifth}/send", headers=headers)
    assert res.status_code == 409 and res.get_json()["error"]["code"] == "quota_exceeded"
    with app.app_context():
        assert publications.get(fifth).status == "approved"
        assert push(app) == 0
    assert len([m for m in sim.inbox("o_a") if m["kind"] == "mass"]) == 4


def test_delivery_report_shows_counts(app, sim, staff_factory, logged_in, client):
    """After a send, the publication page lists delivered and filtered counts."""
    with app.app_context():
        follow(sim, "o_a", "o_b")
        from services import audience
        audience.set_preference(openid="o_b", kinds=["warning"], subscribed=False, now=utcnow())
        db.session.commit()
        pub_id = send_now(approved(title="报表")).id
        push(app)
    html = logged_in(client, staff_factory(role="viewer")).get(f"/console/publications/{pub_id}").get_data(
        as_text=True)
    assert "已送达</td><td>1" in html and "已过滤（退订/额度/取关）</td><td>1" in html


def test_reviewer_sees_the_body_and_the_list_pages_past_200(app, staff_factory, logged_in, client):
    """The page a reviewer approves from shows the 正文 followers will read, and the list pages through every
    publication instead of stopping at 200."""
    writer = staff_factory(role="staff")
    with app.app_context():
        for n in range(205):
            publications.create(author=writer.username, now=utcnow(), kind="warning", title=f"警示{n:03d}",
                                summary="摘要", body=f"第{n}条正文：办卡前看清退费条款。")
        db.session.commit()
        first = db.session.scalar(db.select(Publication.id).where(Publication.title == "警示000"))
    user = logged_in(client, staff_factory(role="staff"))
    page = user.get(f"/console/publications/{first}").get_data(as_text=True)
    assert 'id="publication-body">第0条正文：办卡前看清退费条款。' in page
    listing = user.get("/console/publications/").get_data(as_text=True)
    assert "共 205 条" in listing and "警示204" in listing and "警示000" not in listing
    last = user.get("/console/publications/?page=7").get_data(as_text=True)
    assert "警示000" in last


def test_preview_group_is_chosen_in_the_console(app, sim, staff_factory, logged_in, client):
    """A clerk adds a colleague with a bound WeChat to 测试组 in the console and the preview reaches that WeChat;
    a colleague without a bound WeChat is refused with the reason."""
    from models.inbox import StaffWeChat
    writer, bound, unbound = (staff_factory(role="staff") for _ in range(3))
    with app.app_context():
        db.session.add(StaffWeChat(staff_id=bound.id, openid="o_bound_phone", bound_at=utcnow()))
        pub = publications.create(author=writer.username, now=utcnow(), kind="warning", title="警惕预付卡跑路",
                                  summary="办卡前看清退费条款", body="正文")
        db.session.commit()
        pub_id = pub.id
    user = logged_in(client, writer)
    refused = user.post("/console/publications/preview-group", data={"staff_ids": [str(unbound.id)]})
    assert refused.status_code == 422 and "还没有绑定自己的微信" in refused.get_data(as_text=True)
    assert user.post("/console/publications/preview-group", data={"staff_ids": [str(bound.id)]}).status_code == 302
    assert "预览给测试组（1 人）" in user.get(f"/console/publications/{pub_id}").get_data(as_text=True)
    assert user.post(f"/console/publications/{pub_id}/preview").status_code == 302
    assert [m["kind"] for m in sim.inbox("o_bound_phone")] == ["preview"]


def test_sent_publication_links_to_its_article_page(make_app, sim, staff_factory, logged_in):
    """With PUBLIC_BASE_URL set, approving a publication that has 正文 and no 详情链接 links it to /articles/<id>;
    that page shows the 正文 without a login once sent, is 404 before, and 410 after it is withdrawn."""
    app = make_app(PUBLIC_BASE_URL="https://wx.example.gov.cn/")
    writer, checker = staff_factory(role="staff"), staff_factory(role="staff")
    with app.app_context():
        pub = publications.create(author=writer.username, now=utcnow(), kind="warning", title="警惕预付卡跑路",
                                  summary="办卡前看清退费条款", body="第一段。\n第二段：<b>不要</b>一次充值太多。")
        db.session.commit()
        pub_id = pub.id
    author, colleague = logged_in(app.test_client(), writer), logged_in(app.test_client(), checker)
    page = f"/console/publications/{pub_id}"
    author.post(f"{page}/submit")
    assert colleague.post(f"{page}/approve").status_code == 302
    anonymous = app.test_client()
    assert anonymous.get(f"/articles/{pub_id}").status_code == 404          # approved, not sent yet
    with app.app_context():
        assert publications.get(pub_id).link == f"https://wx.example.gov.cn/articles/{pub_id}"
        publications.get(pub_id).status = "sent"
        db.session.commit()
    res = anonymous.get(f"/articles/{pub_id}")
    body = res.get_data(as_text=True)
    assert res.status_code == 200 and "第二段：&lt;b&gt;不要&lt;/b&gt;一次充值太多。" in body
    assert "script-src" not in res.headers["Content-Security-Policy"] and "<script" not in body
    with anonymous.get("/articles/static/article.css") as css:   # closes the streamed file
        assert css.status_code == 200
    assert colleague.post(f"{page}/withdraw").status_code == 302
    assert anonymous.get(f"/articles/{pub_id}").status_code == 410


def test_staff_read_the_kind_as_its_label_wherever_it_is_shown(app, staff_factory, logged_in, client):
    """A draft stored as `case` reads 典型案例 in the list, on its page, in the form's choice and in the audit trail."""
    writer, admin = staff_factory(role="staff"), staff_factory(role="admin")
    res = logged_in(client, writer).post("/console/publications/new", data={
        "kind": "case", "title": "装修拖延工期调解案", "summary": "调解退还部分款项", "strategy": "each", "audience": "all"})
    assert res.status_code == 302
    with app.app_context():
        pub = db.session.scalars(db.select(Publication)).one()
        assert (pub.kind, pub.kind_label) == ("case", "典型案例")
    listing = client.get("/console/publications/").get_data(as_text=True)
    page = client.get(f"/console/publications/{pub.id}").get_data(as_text=True)
    assert "<td>典型案例</td>" in listing and "<strong>典型案例</strong>" in page
    edit = client.get(f"/console/publications/{pub.id}/edit").get_data(as_text=True)
    assert '<option selected value="case">典型案例</option>' in edit
    trail = logged_in(client, admin).get("/console/audit/?action=publication.create").get_data(as_text=True)
    assert "典型案例" in trail and ">case<" not in trail

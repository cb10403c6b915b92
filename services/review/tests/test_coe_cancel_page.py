"""Issue 17: an officer page to cancel an e-COE (only the CLI did it): supervisors of the deciding bureau only, a
reason, a confirmation step with a summary, audited; the public check then says cancelled."""

from __future__ import annotations

import re

import pyotp
import pytest
import sqlalchemy as sa
from test_coe import _approve_coe

from review.adapters.accounts import create_officer
from review.adapters.tables import audit_log, coe_documents
from review.entrypoints.web import create_app
from zairyu_shared.db import transaction


@pytest.fixture
def app(rt):
    app = create_app(rt)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def web_officers(rt):
    made = {}
    with transaction(rt.session_factory) as s:
        for who, role, bureau in [
            ("web-sup", "supervisor", "tokyo"),
            ("web-exam", "examiner", "tokyo"),
            ("web-sup-osaka", "supervisor", "osaka"),
        ]:
            oid, pw, secret = create_officer(s, who, who, role, bureau)
            made[who] = {"id": oid, "password": pw, "secret": secret}
    return made


def csrf(client, path="/login"):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def sign_in(app, officers, who):
    client = app.test_client()
    p = officers[who]
    r = client.post(
        "/login",
        data={
            "csrf_token": csrf(client),
            "username": who,
            "password": p["password"],
            "totp": pyotp.TOTP(p["secret"]).now(),
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    return client


def post(client, data):
    return client.post(
        "/documents/cancel",
        data={"csrf_token": csrf(client, "/documents/cancel"), **data},
        headers={"Accept-Language": "ja"},
    )


def test_a_supervisor_cancels_an_e_coe_after_confirming_and_the_public_check_says_so(rt, app, web_officers):
    row = _approve_coe(rt)  # the embedded run's DEMO key seals it
    doc = row.document_id
    public = app.test_client()
    assert "有効 / valid until" in public.get(f"/public/coe/{doc}").get_data(as_text=True)
    sup = sign_in(app, web_officers, "web-sup")
    assert "電子在留資格認定証明書の取消し" in sup.get("/queue", headers={"Accept-Language": "ja"}).get_data(
        as_text=True
    )

    # No reason: refused, nothing cancelled.
    assert post(sup, {"document_id": doc, "reason": ""}).status_code == 422
    # With a reason: the confirmation step shows the summary and cancels nothing yet.
    step = post(sup, {"document_id": doc, "reason": "婚姻の取消し"})
    page = step.get_data(as_text=True)
    assert step.status_code == 200 and doc in page and "上記の証明書を確認し、取り消します。" in page
    assert row.valid_until.isoformat() in page and 'name="confirm"' in page
    # The confirmation sent without the box ticked: still nothing.
    assert post(sup, {"document_id": doc, "reason": "婚姻の取消し", "step": "confirm"}).status_code == 422
    with rt.engine.connect() as conn:
        assert (
            conn.execute(sa.select(coe_documents.c.cancelled_at).where(coe_documents.c.document_id == doc)).scalar()
            is None
        )

    done = post(sup, {"document_id": doc, "reason": "婚姻の取消し", "step": "confirm", "confirm": "y"})
    assert done.status_code == 302
    after = sup.get(done.headers["Location"], headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "証明書を取り消しました" in after and "取消済み" in after
    assert "取消し済み / cancelled" in public.get(f"/public/coe/{doc}").get_data(as_text=True)
    with rt.engine.connect() as conn:
        cancelled = conn.execute(sa.select(coe_documents).where(coe_documents.c.document_id == doc)).one()
        audited = conn.execute(
            sa.select(audit_log.c.action, audit_log.c.actor, audit_log.c.target).where(
                audit_log.c.action == "document.cancelled"
            )
        ).all()
    assert cancelled.cancel_reason == "婚姻の取消し"
    assert audited == [("document.cancelled", web_officers["web-sup"]["id"], doc)]
    # A second cancellation changes nothing.
    again = post(sup, {"document_id": doc, "reason": "again", "step": "confirm", "confirm": "y"})
    assert again.status_code == 422 and "すでに取り消されています" in again.get_data(as_text=True)


def test_only_a_supervisor_of_the_deciding_bureau_may_cancel(rt, app, web_officers):
    doc = _approve_coe(rt).document_id
    examiner = sign_in(app, web_officers, "web-exam")
    assert examiner.get("/documents/cancel").status_code == 403
    assert "電子在留資格認定証明書の取消し" not in examiner.get("/queue", headers={"Accept-Language": "ja"}).get_data(
        as_text=True
    )
    refused = examiner.post(
        "/documents/cancel",
        data={"csrf_token": csrf(examiner), "document_id": doc, "reason": "x", "step": "confirm", "confirm": "y"},
    )
    assert refused.status_code == 403
    osaka = sign_in(app, web_officers, "web-sup-osaka")
    other = post(osaka, {"document_id": doc, "reason": "x", "step": "confirm", "confirm": "y"})
    assert other.status_code == 422 and doc not in other.get_data(as_text=True).split("</h1>", 1)[1].split("<form")[0]
    assert app.test_client().get("/documents/cancel").status_code in (302, 401)  # signed out: sign in first
    with rt.engine.connect() as conn:
        assert (
            conn.execute(sa.select(coe_documents.c.cancelled_at).where(coe_documents.c.document_id == doc)).scalar()
            is None
        )
        assert conn.execute(sa.select(audit_log).where(audit_log.c.action == "document.cancelled")).all() == []

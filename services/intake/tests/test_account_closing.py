"""Closing an account: the sign-in, the e-mail address and the card's details go at once, with drafts and loose
files; submitted applications stay for their retention period and the person is told until when, in their
language; closing waits while an application is open; with nothing to keep the account is deleted altogether."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from intake.adapters import tables as t
from intake.bootstrap import ports
from zairyu_shared.outbox import open_body

CLOSED = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)  # fiscal 2026: 特定日 2027-04-01, kept until 2037-04-01


def _account(rt, *, status: str | None) -> tuple[str, str | None, str]:
    aid, app = str(uuid.uuid4()), None
    with rt.session_factory() as s, s.begin():
        s.execute(
            t.applicants.insert().values(
                id=aid,
                email="an@example.jp",
                email_lookup=uuid.uuid4().hex,
                language="ja",
                name="NGUYEN VAN AN",
                date_of_birth="1994-03-15",
                sex="male",
                address="東京都新宿区",
                cert_serial="9",
                cert_issuer="JPKI",
                holder_lookup=uuid.uuid4().hex,
                password_hash="argon",
                auth_subject="subj-" + aid,
                created_at=CLOSED,
            )
        )
        draft = str(uuid.uuid4())
        s.execute(
            t.drafts.insert().values(id=draft, applicant_id=aid, procedure="extension", data="{}", updated_at=CLOSED)
        )
        sha = ports(rt).store.put(b"draft scan " + aid.encode(), aid, s.connection())
        s.execute(
            t.attachments.insert().values(
                id=str(uuid.uuid4()),
                applicant_id=aid,
                draft_id=draft,
                sha256=sha,
                media_type="application/pdf",
                size=3,
                kind="other",
                created_at=CLOSED,
            )
        )
        if status:
            app = str(uuid.uuid4())
            s.execute(
                t.applications.insert().values(
                    id=app,
                    applicant_id=aid,
                    idempotency_key=app,
                    provisional_number="P-20260601-0001",
                    receipt_number="東オン-2026-000042",
                    procedure="extension",
                    status=status,
                    bureau="tokyo",
                    language="ja",
                    fee_yen=4000,
                    form=json.dumps({"a": 1}),
                    signed_content="",
                    content_sha256="0" * 64,
                    signature_cms="",
                    submitted_at=CLOSED,
                    closed_at=CLOSED,
                    updated_at=CLOSED,
                )
            )
    return aid, app, sha


def _sign_in(client, aid):
    with client.session_transaction() as sess:
        sess["applicant_id"], sess["epoch"] = aid, 0


def test_closing_keeps_the_applications_and_says_until_when_in_the_persons_language(rt, client):
    aid, app, sha = _account(rt, status="refused")
    _sign_in(client, aid)
    page = client.get("/account/close", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "法律により保存するもの" in page and "東オン-2026-000042" in page and "2037年4月1日" in page
    done = client.post("/account/close", headers={"Accept-Language": "ja"})
    assert done.status_code == 200 and "アカウントを閉じました。" in done.get_data(as_text=True)
    with rt.engine.connect() as conn:
        me = conn.execute(sa.select(t.applicants).where(t.applicants.c.id == aid)).one()
        assert conn.execute(sa.select(t.applications.c.id)).scalars().all() == [app]
        assert conn.execute(sa.select(sa.func.count()).select_from(t.drafts)).scalar_one() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(t.attachments)).scalar_one() == 0
        closed = [
            json.loads(b)
            for (b,) in conn.execute(
                sa.select(rt.outbox.c.body).where(rt.outbox.c.event_type == "applicant.account_closed")
            )
        ]
    assert (me.email, me.name, me.address, me.password_hash, me.auth_subject) == ("", "", "", None, None)
    assert me.email_lookup == f"closed-{aid}"
    assert [e["payload"]["applicant_id"] for e in closed] == [aid]
    assert not ports(rt).store.exists(sha, aid)
    # Signed out, and the old session cannot come back (the epoch moved).
    assert client.get("/account").status_code == 302
    _sign_in(client, aid)
    assert client.get("/account").status_code == 302


def test_closing_waits_while_an_application_is_open(rt, client):
    aid, app, _ = _account(rt, status="under_examination")
    _sign_in(client, aid)
    page = client.get("/account/close").get_data(as_text=True)
    assert "still open" in page and "Close my account" not in page
    assert client.post("/account/close").status_code == 302
    with rt.engine.connect() as conn:
        assert (
            conn.execute(sa.select(t.applicants.c.email).where(t.applicants.c.id == aid)).scalar_one()
            == "an@example.jp"
        )


def test_with_nothing_to_keep_the_account_is_deleted(rt, client):
    aid, _, _ = _account(rt, status=None)
    _sign_in(client, aid)
    assert "nothing is kept" in client.get("/account/close").get_data(as_text=True)
    assert client.post("/account/close").status_code == 200
    with rt.engine.connect() as conn:
        assert conn.execute(sa.select(t.applicants.c.id).where(t.applicants.c.id == aid)).first() is None


def test_the_applicant_changes_the_language_of_their_mails_directly(rt, client):
    aid, _, _ = _account(rt, status=None)
    _sign_in(client, aid)
    assert client.post("/account/language", data={"language": "ne"}).status_code == 302
    assert client.post("/account/language", data={"language": "xx"}).status_code == 302  # not one we write in
    with rt.engine.connect() as conn:
        assert conn.execute(sa.select(t.applicants.c.language).where(t.applicants.c.id == aid)).scalar_one() == "ne"
        changed = [
            json.loads(open_body(b, rt.keyring))["payload"]  # sealed under the person's key (issue 20)
            for (b,) in conn.execute(
                sa.select(rt.outbox.c.body).where(rt.outbox.c.event_type == "applicant.contact_changed")
            )
        ]
    assert changed == [{"applicant_id": aid, "email": "an@example.jp", "language": "ne"}]

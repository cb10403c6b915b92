"""Intake's retention purge under a frozen clock, on SQLite and PostgreSQL: each kind goes when its period
ends (not a day earlier), with what hangs off it, and its files leave the store once nothing refers to them."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from intake_testkit import make_runtime

from intake.adapters import tables as t
from intake.bootstrap import ports
from zairyu_shared import testing
from zairyu_shared.japan_time import JAPAN
from zairyu_shared.service_cli import main as service_main

NOW = datetime(2026, 4, 1, 0, 30, tzinfo=JAPAN)  # just after the 特定日 of fiscal 2026


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(request, tmp_path):
    if request.param == "sqlite":
        rt = make_runtime(tmp_path)
        yield rt
        rt.stop()
        return
    with testing.fresh_database("zt_intake_ret") as url:
        rt = make_runtime(tmp_path, database_url=url)
        yield rt
        rt.stop()


def _applicant(s, name: str) -> str:
    aid = str(uuid.uuid4())
    s.execute(
        t.applicants.insert().values(
            id=aid,
            email=f"{name}@example.jp",
            email_lookup=uuid.uuid4().hex,
            language="en",
            name=name.upper(),
            date_of_birth="1990-01-01",
            sex="female",
            address="東京都",
            cert_serial="1",
            cert_issuer="CA",
            holder_lookup=uuid.uuid4().hex,
            created_at=NOW - timedelta(days=4000),
        )
    )
    return aid


def _application(s, applicant: str, status: str, ended: datetime, closed: bool) -> str:
    app_id = str(uuid.uuid4())
    s.execute(
        t.applications.insert().values(
            id=app_id,
            applicant_id=applicant,
            idempotency_key=app_id,
            provisional_number=app_id[:20],
            procedure="extension",
            status=status,
            bureau="tokyo",
            language="en",
            fee_yen=4000,
            form="{}",
            signed_content="",
            content_sha256="0" * 64,
            signature_cms="",
            submitted_at=ended - timedelta(days=60),
            closed_at=ended if closed else None,
            updated_at=ended,
        )
    )
    s.execute(
        t.timeline_entries.insert().values(
            application_id=app_id, applicant_id=applicant, kind=status, occurred_at=ended
        )
    )
    s.execute(
        t.notices.insert().values(
            id=f"n-{app_id}",
            applicant_id=applicant,
            application_id=app_id,
            notice_type="decided",
            subject="s",
            body="b",
            created_at=ended,
        )
    )
    return app_id


def _attachment(s, rt, applicant: str, content: bytes, created: datetime, draft=None, application=None) -> str:
    sha = ports(rt).store.put(content, applicant, s.connection())
    s.execute(
        t.attachments.insert().values(
            id=str(uuid.uuid4()),
            applicant_id=applicant,
            draft_id=draft,
            application_id=application,
            sha256=sha,
            media_type="application/pdf",
            size=len(content),
            kind="other",
            filename="f.pdf",
            created_at=created,
        )
    )
    return sha


def _draft(s, applicant: str, updated: datetime) -> str:
    draft_id = str(uuid.uuid4())
    s.execute(
        t.drafts.insert().values(
            id=draft_id, applicant_id=applicant, procedure="extension", data=json.dumps({}), updated_at=updated
        )
    )
    return draft_id


def _signing(s, purpose: str, status: str, expires: datetime) -> str:
    code = uuid.uuid4().hex[:20]
    s.execute(
        t.signing_requests.insert().values(
            code=code,
            purpose=purpose,
            content="",
            content_sha256="0" * 64,
            description="d",
            status=status,
            created_at=expires - timedelta(minutes=10),
            expires_at=expires,
        )
    )
    return code


def _ids(rt, table, column):
    with rt.engine.connect() as conn:
        return set(conn.execute(sa.select(column)).scalars())


def test_each_kind_goes_when_its_period_ends(runtime):
    rt = runtime
    day = timedelta(days=1)
    with rt.session_factory() as s, s.begin():
        a = _applicant(s, "an")
        old_draft, new_draft = _draft(s, a, NOW - 181 * day), _draft(s, a, NOW - 179 * day)
        sha_old_draft = _attachment(s, rt, a, b"old draft scan", NOW - 200 * day, draft=old_draft)
        sha_new_draft = _attachment(s, rt, a, b"new draft scan", NOW - 200 * day, draft=new_draft)
        # Closed in fiscal 2015 (refused 2015-06-01): 特定日 2016-04-01, kept 10 years -> goes 2026-04-01.
        refused = _application(s, a, "refused", jst(2015, 6, 1), closed=True)
        sha_refused = _attachment(s, rt, a, b"refused case scan", jst(2015, 4, 2), application=refused)
        # The same upload shared with a newer case: the file stays for it.
        sha_shared = _attachment(s, rt, a, b"passport page", jst(2015, 4, 2), application=refused)
        # Card delivered on 2016-04-01 (fiscal 2016): kept until 2027-04-01.
        delivered = _application(s, a, "card_delivered", jst(2016, 4, 1, 9), closed=False)
        _attachment(s, rt, a, b"passport page", jst(2016, 3, 1), application=delivered)
        # Still under examination, however old: never purged.
        open_case = _application(s, a, "under_examination", jst(2012, 1, 1), closed=False)
        _signing(s, "register", "failed", NOW - 31 * day)  # goes
        reg_new = _signing(s, "register", "expired", NOW - 29 * day)
        reg_done = _signing(s, "register", "done", NOW - 400 * day)
        for reg_id, days, done in (("reg-old", 31, None), ("reg-done", 31, NOW - 31 * day), ("reg-new", 29, None)):
            s.execute(
                t.registrations.insert().values(
                    id=reg_id,
                    email="x@example.jp",
                    email_lookup=reg_id,
                    language="en",
                    created_at=NOW - days * day,
                    completed_at=done,
                )
            )
            s.execute(
                t.registration_links.insert().values(
                    token_hash=reg_id + "-link",
                    registration_id=reg_id,
                    created_at=NOW - days * day,
                    expires_at=NOW - days * day,
                )
            )
        s.execute(
            t.challenges.insert().values(nonce="used", purpose="login", created_at=NOW - 3 * day, used_at=NOW - 2 * day)
        )
        s.execute(t.challenges.insert().values(nonce="fresh", purpose="login", created_at=NOW - timedelta(hours=1)))

    with time_machine.travel(NOW - timedelta(hours=1), tick=False):  # 2026-03-31 23:30 in Japan
        first = rt.purge()
    assert first.counts["case_closed"] == 0 and refused in _ids(rt, t.applications, t.applications.c.id)
    assert first.counts["draft_unsubmitted"] == 1  # 181 days less an hour: past 180 days
    assert first.counts["registration_refused"] == 2 and first.counts["login_token"] == 1  # a code, a registration

    with time_machine.travel(NOW, tick=False):
        dry = rt.purge(dry_run=True)
        assert dry.counts["case_closed"] == 1
        assert refused in _ids(rt, t.applications, t.applications.c.id)
        report = rt.purge()
    assert report.counts["case_closed"] == 1 and report.counts["draft_unsubmitted"] == 0
    assert _ids(rt, t.drafts, t.drafts.c.id) == {new_draft}
    assert _ids(rt, t.applications, t.applications.c.id) == {delivered, open_case}
    assert refused not in _ids(rt, t.timeline_entries, t.timeline_entries.c.application_id)
    assert f"n-{refused}" not in _ids(rt, t.notices, t.notices.c.id)
    assert _ids(rt, t.signing_requests, t.signing_requests.c.code) == {reg_new, reg_done}
    assert _ids(rt, t.challenges, t.challenges.c.nonce) == {"fresh"}
    assert _ids(rt, t.registrations, t.registrations.c.id) == {"reg-done", "reg-new"}
    files = ports(rt).store
    assert not files.exists(sha_old_draft, a) and not files.exists(sha_refused, a)
    assert files.exists(sha_new_draft, a) and files.exists(sha_shared, a)  # another kept row of theirs names it

    with time_machine.travel(jst(2027, 4, 1, 0, 1), tick=False):
        rt.purge()
    assert _ids(rt, t.applications, t.applications.c.id) == {open_case}
    assert not ports(rt).store.exists(sha_shared, a)


def test_purge_command_dry_run(runtime, capsys, monkeypatch):
    rt = runtime
    with rt.session_factory() as s, s.begin():
        _draft(s, _applicant(s, "silva"), NOW - 365 * timedelta(days=1))
    env = {
        "DATABASE_URL": rt.settings.database_url,
        "ZAIRYU_EMBEDDED": "true",
        "ZAIRYU_DATA_KEYS": ",".join(rt.settings.data_keys),
        "ZAIRYU_INTAKE_STORE": rt.settings.store_dir,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    from intake.entrypoints.service import definition

    with time_machine.travel(NOW, tick=False):
        assert service_main(definition, ["purge", "--dry-run"]) == 0
        assert "would purge        1 draft_unsubmitted" in capsys.readouterr().out
        assert service_main(definition, ["purge"]) == 0
        assert "purged        1 draft_unsubmitted" in capsys.readouterr().out
    assert _ids(rt, t.drafts, t.drafts.c.id) == set()


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=JAPAN).astimezone(UTC)


def test_data_exports_go_thirty_days_after_the_request(runtime):
    rt = runtime
    with rt.session_factory() as s, s.begin():
        a = _applicant(s, "bo")
        for export_id, days in (("old", 31), ("new", 29)):
            s.execute(
                t.data_exports.insert().values(
                    id=export_id,
                    applicant_id=a,
                    language="en",
                    requested_at=NOW - timedelta(days=days),
                    completed_at=NOW,
                )
            )
            s.execute(
                t.data_export_parts.insert().values(
                    export_id=export_id, service="review", applicant_id=a, content="[]", received_at=NOW
                )
            )
    with time_machine.travel(NOW, tick=False):
        assert rt.purge().counts["data_export"] == 1
    assert _ids(rt, t.data_exports, t.data_exports.c.id) == {"new"}
    assert _ids(rt, t.data_export_parts, t.data_export_parts.c.export_id) == {"new"}

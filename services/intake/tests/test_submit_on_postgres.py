"""Submitting on PostgreSQL, whose statements differ from SQLite's (submission._claim_draft, submission._recorded):
the application recorded in one statement, its personal data sealed under the person's key, and two codes for one
draft signed at the same moment making one application (submitting marks the draft first and holds its row until
the commit)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from intake_testkit import fake_signature, make_runtime, outbox_events
from journey import fill_draft, register

from intake.adapters.tables import applications, attachments, timeline_entries
from intake.application import accounts, signing_requests, submission
from zairyu_shared import testing
from zairyu_shared.crypto import split_subject_token
from zairyu_shared.db import transaction


@pytest.fixture
def signed(tmp_path):
    """The runtime and ``signed(n)``: n signed codes for one draft of one applicant, (code, signature) each."""
    with testing.fresh_database("zt_intake_submit") as url:
        rt = make_runtime(tmp_path, database_url=url)
        try:
            from intake.entrypoints.web import create_app

            app = create_app(rt)
            app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
            client = app.test_client()
            applicant_id = register(client, rt)
            draft_id = fill_draft(client)

            def codes(n: int) -> list[tuple[str, bytes]]:
                out = []
                for i in range(n):
                    with transaction(rt.session_factory) as s:
                        code = submission.prepare(rt, s, accounts.get(s, applicant_id), draft_id, f"key{i}")
                    with transaction(rt.session_factory) as s:
                        content = signing_requests.content_of(signing_requests.load(s, code))
                    out.append((code, fake_signature(content, "nguyen")))
                return out

            yield rt, codes, applicant_id, draft_id
        finally:
            rt.stop()


def test_the_application_its_first_entry_and_its_attachments_in_one_statement(signed):
    rt, codes, applicant_id, draft_id = signed
    with transaction(rt.session_factory) as s:
        answer = signing_requests.redeem(rt, s, *codes(1)[0])
    assert answer["ok"]
    with rt.engine.connect() as conn:
        row = conn.execute(
            sa.select(sa.type_coerce(applications.c.form, sa.LargeBinary), applications.c.submitted_at).where(
                applications.c.id == answer["application_id"]
            )
        ).one()
        assert split_subject_token(bytes(row[0]))[0] == applicant_id  # sealed under the person's key
        entry = conn.execute(
            sa.select(timeline_entries).where(timeline_entries.c.application_id == answer["application_id"])
        ).one()
        assert (entry.applicant_id, entry.kind, entry.occurred_at) == (applicant_id, "submitted", row.submitted_at)
        moved = conn.execute(sa.select(attachments.c.application_id).where(attachments.c.draft_id == draft_id))
        assert set(moved.scalars()) == {answer["application_id"]}
    (event,) = outbox_events(rt, "application.submitted")  # the names read back, decrypted, as the officer sees them
    assert sorted(a["filename"] for a in event["payload"]["attachments"]) == ["me.jpg", "p.pdf"]


def test_two_codes_for_one_draft_signed_at_once_make_one_application(signed):
    rt, codes, _, _ = signed
    first_code, second_code = codes(2)
    first = rt.session_factory()
    answers = {"first": signing_requests.redeem(rt, first, *first_code)}  # not committed yet

    def second():
        with transaction(rt.session_factory) as s:
            answers["second"] = signing_requests.redeem(rt, s, *second_code)

    racing = threading.Thread(target=second)
    racing.start()
    waiting = sa.text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )

    def second_waits() -> int:
        # A transaction each look: PostgreSQL snapshots pg_stat_activity at a transaction's first read of it,
        # so polling in one transaction saw the second signature never arrive when the first look came before it
        # (a CI run on a loaded machine timed out while the second waited on the draft's row all along).
        with rt.engine.connect() as conn:
            return conn.execute(waiting).scalar() or 0

    testing.wait_until(second_waits, message="the second signature waiting for the first's transaction")
    first.commit()
    first.close()
    racing.join(timeout=20)
    assert answers["first"]["ok"] and answers["second"]["duplicate"] is True
    assert answers["second"]["application_id"] == answers["first"]["application_id"]
    with rt.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(applications)).scalar() == 1

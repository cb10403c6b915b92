"""Two signing codes for one draft, signed at the same moment, on PostgreSQL: one application, and the second
signature gets it as a duplicate (submitting marks the draft first and holds its row until the commit)."""

from __future__ import annotations

import threading

import sqlalchemy as sa
from intake_testkit import fake_signature, make_runtime
from journey import fill_draft, register

from intake.adapters.tables import applications
from intake.application import accounts, signing_requests, submission
from zairyu_shared import testing
from zairyu_shared.db import transaction


def test_two_codes_for_one_draft_signed_at_once_make_one_application(tmp_path):
    with testing.fresh_database("zt_intake_race") as url:
        rt = make_runtime(tmp_path, database_url=url)
        try:
            from intake.entrypoints.web import create_app

            app = create_app(rt)
            app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
            client = app.test_client()
            applicant_id = register(client, rt)
            draft_id = fill_draft(client)
            signed = []
            for key in ("first", "second"):
                with transaction(rt.session_factory) as s:
                    code = submission.prepare(rt, s, accounts.get(s, applicant_id), draft_id, key)
                with transaction(rt.session_factory) as s:
                    content = signing_requests.content_of(signing_requests.load(s, code))
                signed.append((code, fake_signature(content, "nguyen")))

            first = rt.session_factory()
            answers = {"first": signing_requests.redeem(rt, first, *signed[0])}  # not committed yet

            def second():
                with transaction(rt.session_factory) as s:
                    answers["second"] = signing_requests.redeem(rt, s, *signed[1])

            racing = threading.Thread(target=second)
            racing.start()
            waiting = sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            with rt.engine.connect() as conn:  # the second waits on the draft's row
                testing.wait_until(
                    lambda: conn.execute(waiting).scalar(),
                    message="the second signature waiting for the first's transaction",
                )
            first.commit()
            first.close()
            racing.join(timeout=20)
            assert answers["first"]["ok"] and answers["second"]["duplicate"] is True
            assert answers["second"]["application_id"] == answers["first"]["application_id"]
            with rt.engine.connect() as conn:
                assert conn.execute(sa.select(sa.func.count()).select_from(applications)).scalar() == 1
        finally:
            rt.stop()

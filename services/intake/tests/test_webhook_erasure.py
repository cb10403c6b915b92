"""An organisation's webhook deliveries about a person are under the roster entry's data key (issue 20).

A delivery waits up to 24 hours for retries, and stays after: its body (the person's roster entry id, application,
what the bureau decided or asks) is stored sealed under the entry's key, as outbox bodies are, so destroying the key
(the entry's retention ended, through the erasure ledger) leaves it unreadable in every backup. The receiver gets
the plain signed JSON; a delivery whose entry was erased meanwhile is given up, not sent.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import time_machine
from journey import sign_code
from test_organisation_filing import consenting_person, from_review, prepared_code
from test_organisation_people import make_org, sign_in
from test_organisation_webhooks import TODAY, Receiver, deliveries, name_webhook, run_worker_at

from intake.adapters.tables import applications
from intake.application import organisation_api


def test_a_delivery_about_a_person_is_sealed_under_their_roster_entry_and_goes_with_it(app, rt):
    receiver = Receiver(failures=0)
    try:
        _deliver_then_erase(app, rt, receiver)
    finally:
        receiver.close()


def _deliver_then_erase(app, rt, receiver) -> None:
    with time_machine.travel(TODAY, tick=False) as traveller:
        org = app.test_client()
        org_id, secret = make_org(org, rt)
        sign_in(org, "admin@sample.example", secret)
        org.org_id = org_id
        traveller.shift(timedelta(seconds=31))
        name_webhook(org, rt, org_id, receiver.url)
        pid, _person = consenting_person(org, app, rt, "AB00000001CD", "p1@example.jp")
        _draft, code = prepared_code(org, rt, pid, "AB00000001CD")
        application_id = sign_code(org, code, "silva").json["application_id"]
        with rt.engine.connect() as conn:
            applicant_id = conn.execute(
                sa.select(applications.c.applicant_id).where(applications.c.id == application_id)
            ).scalar()
        start = datetime.now(UTC)
        from_review(
            rt,
            "application.decided",
            {
                "application_id": application_id,
                "applicant_id": applicant_id,
                "outcome": "approved",
                "granted_status": "engineer_humanities",
                "procedure": "extension",
                "bureau": "tokyo",
                "period_of_stay": "P3Y",
                "period_of_stay_expiry": "2030-02-01",
                "card_by_mail": False,
                "fee_yen": 4000,
                "explanation": "",
                "decided_at": start.isoformat(),
            },
        )
        [stored] = deliveries(rt)
        assert stored.body.startswith(f"zk1:{pid}:")  # as a backup holds it
        for personal in (application_id, "approved", "P3Y", "2030-02-01"):
            # As the JSON would hold it, quoted: the sealed token is base64, which has no quotes, and by chance
            # held the bare letters "P3Y" once in a CI run.
            assert json.dumps(personal) not in stored.body

        assert run_worker_at(rt, traveller, start) == 1  # the receiver gets it plain
        sent = json.loads(receiver.accepted[stored.event_id][1])
        assert sent["data"]["application_id"] == application_id and sent["data"]["outcome"] == "approved"

        # A document request is queued; the roster entry's key is destroyed before it goes out.
        from_review(
            rt,
            "application.documents_requested",
            {
                "application_id": application_id,
                "applicant_id": applicant_id,
                "request_id": "req-1",
                "items": [{"code": "tax_certificate", "description": "住民税の課税証明書"}],
                "message": "",
                "deadline": "2026-12-20",
            },
        )
        pending = next(d for d in deliveries(rt) if d.delivered_at is None)
        assert pending.body.startswith(f"zk1:{pid}:") and json.dumps("tax_certificate") not in pending.body
        with rt.engine.begin() as conn:
            assert rt.keyring.erase(conn, pid)
        assert run_worker_at(rt, traveller, start + timedelta(minutes=1)) == 0
        assert len(receiver.calls) == 1  # nothing of the erased entry went out
        given_up = next(d for d in deliveries(rt) if d.event_id == pending.event_id)
        assert given_up.given_up_at is not None and "erased" in given_up.last_error
        # The API's list of deliveries still answers, without the type of what can no longer be read.
        with rt.session_factory() as s:
            listed = organisation_api.recent_deliveries(s, org_id)["deliveries"]
        assert {d["event_id"]: d["type"] for d in listed} == {stored.event_id: None, pending.event_id: None}

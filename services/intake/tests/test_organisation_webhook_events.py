"""Webhooks for more than decisions (issue 21), subscribed per event type through the API: an application the
organisation filed received (its receipt number), its card posted, delivered, held or collected, the application
closed; the organisation's approval for use lapsing soon (60, 30 and 7 days before its last day, once each, on a
frozen clock). The same HMAC, timestamp, 24-hour retry and deduplication by event id as the decision webhooks."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
import time_machine
from intake_testkit import decide_organisation_use
from journey import sign_code
from test_organisation_filing import consenting_person, from_review, prepared_code
from test_organisation_people import make_org, signed_in_org
from test_organisation_webhooks import Receiver, deliveries, run_worker_at, webhooks_token

from intake.adapters.organisation_tables import organisations
from intake.adapters.tables import applications
from intake.application import organisation_api
from intake.domain import webhooks
from zairyu_shared.db import transaction

TODAY = datetime(2026, 12, 6, 3, tzinfo=UTC)


def from_card_delivery(rt, event_type, payload):
    """An event from card-delivery, handled by intake's consumer in this thread."""
    from intake.application.inbound import on_application_event
    from zairyu_shared.events import new_event

    event = new_event(event_type, payload, source="card-delivery", correlation_id=payload["application_id"])
    with transaction(rt.session_factory) as session:
        on_application_event(rt, session, event)


def put(client, path, token, body):
    return client.put(path, json=body, headers={"Authorization": f"Bearer {token}"})


def test_the_organisation_chooses_its_event_types_and_hears_only_those(app, rt):
    receiver = Receiver(failures=0)
    try:
        with time_machine.travel(TODAY, tick=False) as traveller:
            org = signed_in_org(app, rt)
            org_id = org.org_id
            traveller.shift(timedelta(seconds=31))
            token = webhooks_token(rt, org_id)
            # An unknown type, or none, is refused and names nothing.
            assert (
                put(org, "/org/api/v1/webhook", token, {"url": receiver.url, "events": ["card.lost"]}).status_code
                == 422
            )
            assert put(org, "/org/api/v1/webhook", token, {"url": receiver.url, "events": []}).status_code == 422
            assert put(org, "/org/api/v1/webhook/events", token, {"events": ["card.dispatched"]}).status_code == 404
            chosen = ["application.received", "card.dispatched"]
            named = put(org, "/org/api/v1/webhook", token, {"url": receiver.url, "events": chosen})
            assert named.status_code == 200
            hook_secret = named.json["secret"]
            seen = org.get("/org/api/v1/webhook", headers={"Authorization": f"Bearer {token}"}).json
            assert seen["events"] == chosen
            pid, _person = consenting_person(org, app, rt, "AB00000001CD", "p1@example.jp")
            _draft, code = prepared_code(org, rt, pid, "AB00000001CD")
            app_id = sign_code(org, code, "silva").json["application_id"]
            with rt.engine.connect() as conn:
                owner = conn.execute(sa.select(applications.c.applicant_id)).scalar()
            common = {"application_id": app_id, "applicant_id": owner}
            at = datetime.now(UTC)
            from_review(
                rt,
                "application.received",
                {
                    **common,
                    "receipt_number": "東オン-2026-000123",
                    "bureau": "tokyo",
                    "office": None,
                    "procedure": "extension",
                    "received_at": at.isoformat(),
                },
            )
            from_review(
                rt,
                "application.documents_requested",  # not chosen: not queued
                {
                    **common,
                    "request_id": "req-1",
                    "items": [{"code": "tax_certificate", "description": "x"}],
                    "message": "",
                    "deadline": "2026-12-20",
                },
            )
            assert [json.loads(organisation_api._opened(d.body))["type"] for d in deliveries(rt)] == [
                "application.received"
            ]
            # Changing the types keeps the address and the secret.
            kinds = ["card.dispatched", "document.returned", "card.returned", "card.collected"]
            changed = put(org, "/org/api/v1/webhook/events", token, {"events": kinds})
            assert changed.status_code == 200 and changed.json["events"] == kinds
            from_card_delivery(
                rt,
                "card.dispatched",
                {
                    **common,
                    "delivery_id": "7c7d3a4e-0000-4000-8000-000000000001",
                    "occurred_at": at.isoformat(),
                    "tracking_number": "1234-5678-9012",
                },
            )
            from_review(
                rt,
                "application.received",  # no longer chosen (another event id): not queued again
                {
                    **common,
                    "receipt_number": "東オン-2026-000124",
                    "bureau": "tokyo",
                    "office": None,
                    "procedure": "extension",
                    "received_at": at.isoformat(),
                },
            )
            # The employer hears that the post brought the card back, and why, as a code (not the slip's words).
            from_card_delivery(
                rt,
                "card.returned",
                {
                    **common,
                    "delivery_id": "7c7d3a4e-0000-4000-8000-000000000001",
                    "occurred_at": at.isoformat(),
                    "reason": "転居先不明",
                    "reason_code": "moved_no_forwarding_address",
                },
            )
            # A paper COE posted to the organisation that came back: heard as the document's, with the code
            from_card_delivery(
                rt,
                "document.returned",
                {
                    **common,
                    "delivery_id": "7c7d3a4e-0000-4000-8000-000000000002",
                    "occurred_at": at.isoformat(),
                    "kind": "coe",
                    "reason": "あて所に尋ねあたりません",
                    "reason_code": "addressee_not_found",
                },
            )
            assert run_worker_at(rt, traveller, at) == 4
            bodies = {json.loads(b)["type"]: (h, b) for h, b in receiver.accepted.values()}
            assert set(bodies) == {"application.received", "card.dispatched", "card.returned", "document.returned"}
            returned = json.loads(bodies["card.returned"][1])["data"]
            assert returned["reason_code"] == "moved_no_forwarding_address" and "reason" not in returned
            document = json.loads(bodies["document.returned"][1])["data"]
            assert (document["kind"], document["reason_code"]) == ("coe", "addressee_not_found")
            assert "reason" not in document
            headers, body = bodies["card.dispatched"]
            sent_at = datetime.fromtimestamp(int(headers["X-Zairyu-Timestamp"]), UTC)
            assert webhooks.verify(hook_secret, headers["X-Zairyu-Signature"], body, sent_at)
            data = json.loads(body)["data"]
            assert data == {
                "application_id": app_id,
                "draft_id": _draft,
                "person_id": pid,
                "tracking_number": "1234-5678-9012",
                "occurred_at": at.isoformat(),
            }
            received = json.loads(bodies["application.received"][1])["data"]
            assert (
                received["receipt_number"] == "東オン-2026-000123"
                and owner not in bodies["application.received"][1].decode()
            )
            # The API document names the types, and the generated client's operation exists.
            spec = org.get("/org/api/v1/openapi.json").json
            assert spec["paths"]["/org/api/v1/webhook/events"]["put"]["operationId"] == "set_webhook_events"
            assert "card.held_at_counter" in json.dumps(spec["components"]["schemas"]["WebhookIn"])
    finally:
        receiver.close()


def test_an_endpoint_named_without_a_list_gets_the_decisions_as_before(app, rt):
    with time_machine.travel(TODAY, tick=False):
        client = app.test_client()
        org_id, _secret = make_org(client, rt, approved=False)
        token = webhooks_token(rt, org_id)
        assert put(client, "/org/api/v1/webhook", token, {"url": "http://agent.example/h"}).status_code == 200
        with transaction(rt.session_factory) as session:
            assert organisation_api.subscribed(session, org_id) == list(webhooks.DEFAULT_EVENTS)
        decide_organisation_use(rt, org_id)
        assert [json.loads(d.body)["type"] for d in deliveries(rt)] == ["organisation.use_decided"]


def test_the_approval_lapsing_is_told_60_30_and_7_days_before_once_each(app, rt):
    receiver = Receiver(failures=0)
    try:
        with time_machine.travel(TODAY, tick=False) as traveller:
            client = app.test_client()
            org_id, _secret = make_org(client, rt, approved=False)
            decide_organisation_use(rt, org_id, start=date(2026, 4, 1), until=date(2027, 3, 31))
            token = webhooks_token(rt, org_id)
            put(
                client, "/org/api/v1/webhook", token, {"url": receiver.url, "events": ["organisation.approval_lapsing"]}
            )
            sent = []

            def day(d: date) -> int:  # the worker's pass at noon in Japan that day
                delivered = run_worker_at(rt, traveller, datetime(d.year, d.month, d.day, 3, tzinfo=UTC))
                sent.extend(
                    json.loads(b)["data"]["days_left"] for _h, b in list(receiver.accepted.values())[len(sent) :]
                )
                return delivered

            assert day(date(2027, 1, 29)) == 0  # 61 days before: nothing
            assert day(date(2027, 1, 30)) == 1  # 60 days
            assert day(date(2027, 1, 31)) == 0  # once
            assert day(date(2027, 3, 1)) == 1  # 30 days
            assert day(date(2027, 3, 24)) == 1 and day(date(2027, 3, 25)) == 0  # 7 days, once
            assert sent == [60, 30, 7]
            bodies = [json.loads(b) for _h, b in receiver.accepted.values()]
            assert {b["type"] for b in bodies} == {"organisation.approval_lapsing"}
            assert bodies[0]["data"]["approved_until"] == "2027-03-31" and bodies[0]["data"]["renew_url"].endswith(
                "/org/"
            )
            assert len({b["id"] for b in bodies}) == 3
            # Renewed (the periodic report): the warnings start again for the new last day; after it ends, none.
            with transaction(rt.session_factory) as session:
                session.execute(
                    organisations.update().where(organisations.c.id == org_id).values(approved_until=date(2028, 3, 31))
                )
            assert day(date(2028, 1, 31)) == 1 and sent[-1] == 60
            assert day(date(2028, 4, 1)) == 0
    finally:
        receiver.close()


def test_lapsing_due_sends_only_the_nearest_threshold_reached():
    until = date(2027, 3, 31)
    assert webhooks.lapsing_due(until, date(2027, 1, 29), set()) is None
    assert webhooks.lapsing_due(until, date(2027, 3, 20), set()) == 30  # decided late: the 30-day one, not the 60
    assert webhooks.lapsing_due(until, date(2027, 3, 20), {30}) is None
    assert webhooks.lapsing_due(until, date(2027, 3, 31), {60, 30}) == 7
    assert webhooks.lapsing_due(until, date(2027, 4, 1), set()) is None
    assert webhooks.lapsing_event_id("o", until, 30) == webhooks.lapsing_event_id("o", until, 30)
    assert webhooks.lapsing_event_id("o", until, 30) != webhooks.lapsing_event_id("o", until, 7)


def test_an_application_filed_on_a_consent_document_is_heard_until_the_consent_ends(app, rt):
    from test_organisation_consent_documents import filed_on_document, record, row_of
    from test_organisation_filing import codes_on, sign_batch

    with time_machine.travel(TODAY, tick=False) as traveller:
        org = signed_in_org(app, rt)
        org_id = org.org_id
        traveller.shift(timedelta(seconds=31))
        token = webhooks_token(rt, org_id)
        put(org, "/org/api/v1/webhook", token, {"url": "http://agent.example/h", "events": ["application.received"]})
        pid, draft = filed_on_document(org, rt)
        [code] = codes_on(org.get(sign_batch(org, [draft]).headers["Location"]).data)
        app_id = sign_code(org, code, "silva").json["application_id"]
        held = row_of(rt, pid).held_applicant_id
        received = {
            "application_id": app_id,
            "applicant_id": held,
            "bureau": "tokyo",
            "office": None,
            "procedure": "extension",
            "received_at": TODAY.isoformat(),
        }
        from_review(rt, "application.received", {**received, "receipt_number": "東オン-2026-000200"})
        assert len(deliveries(rt)) == 1
        assert org.post(f"/org/people/{pid}/consent-document/withdraw").status_code == 302
        from_review(rt, "application.received", {**received, "receipt_number": "東オン-2026-000201"})
        assert len(deliveries(rt)) == 1
        assert record(org, pid).status_code == 302  # a new document: heard again
        from_review(rt, "application.received", {**received, "receipt_number": "東オン-2026-000202"})
        assert len(deliveries(rt)) == 2

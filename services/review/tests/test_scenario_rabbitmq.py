"""Through real RabbitMQ + PostgreSQL: verified -> received -> documents requested -> answered ->
approval proposed -> confirmed -> application.decided on the bus."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from kombu import Connection, Exchange, Queue
from review_testkit import intake_event, make_runtime, verified_event

from review.adapters.accounts import create_officer
from review.adapters.tables import cases
from review.application import casework
from review.domain.case import Proposal
from review.domain.roles import Officer, Role
from zairyu_shared import testing
from zairyu_shared.bus import KombuPublisher
from zairyu_shared.db import transaction
from zairyu_shared.events.registry import spec_for


@pytest.fixture
def live(tmp_path):
    with testing.fresh_database("zt_review") as db, testing.fresh_vhost("zt-review") as amqp:
        rt = make_runtime(db, amqp)
        rt.declare()
        with Connection(amqp) as conn:  # a test queue that hears everything review publishes
            Queue(
                "review-test-tap",
                Exchange("review.events", type="topic", durable=True),
                routing_key="#",
                durable=False,
                auto_delete=False,
            )(conn.default_channel).declare()
        rt.start_background()
        publisher = KombuPublisher(amqp)
        yield rt, publisher
        publisher.close()
        rt.stop()


def send(publisher, event):
    class Message:
        event_id, event_type, correlation_id, body = event.id, event.type, event.correlation_id, event.to_json()
        exchange = spec_for(event.type, event.version).exchange

    confirmed, failed = publisher.publish_batch([Message])
    assert confirmed == {event.id}, failed


def tapped(rt, seen):
    with Connection(rt.settings.amqp_url) as conn:
        channel = conn.channel()
        while (message := channel.basic_get("review-test-tap", no_ack=True)) is not None:
            body = json.loads(message.body)
            seen.setdefault(body["type"], []).append(body["payload"])
    return seen


def case_row(rt, app):
    with rt.engine.connect() as conn:
        return conn.execute(sa.select(cases).where(cases.c.application_id == app)).first()


def test_verified_application_through_to_decision(live):
    rt, publisher = live
    with transaction(rt.session_factory) as s:
        ex, _, _ = create_officer(s, "ex", "Examiner", "examiner", "osaka", password="pw")
        sv, _, _ = create_officer(s, "sv", "Supervisor", "supervisor", "osaka", password="pw")
    examiner, supervisor = Officer(ex, Role.EXAMINER, "osaka"), Officer(sv, Role.SUPERVISOR, "osaka")

    event = verified_event(bureau="osaka", bundled=["reentry"])
    app, applicant = event.payload["application_id"], event.payload["applicant_id"]
    send(publisher, event)
    row = testing.wait_until(lambda: case_row(rt, app), message="the case received")
    assert row.bureau == "osaka" and row.status == "received" and row.receipt_number.startswith("阪オン-")

    with transaction(rt.session_factory) as s:
        casework.claim(rt, s, examiner, app)
    with transaction(rt.session_factory) as s:
        request_id = casework.request_documents(
            rt,
            s,
            examiner,
            app,
            [{"code": "employment", "description": "employment contract"}],
            "Please upload your contract",
            date.today() + timedelta(days=14),
        )
    send(
        publisher,
        intake_event(
            "application.documents_submitted",
            {
                "application_id": app,
                "applicant_id": applicant,
                "request_id": request_id,
                "message": "attached",
                "attachments": [
                    {"sha256": "b" * 64, "media_type": "application/pdf", "size": 2048, "kind": "employment"}
                ],
                "submitted_at": "2026-01-12T09:00:00+09:00",
            },
            app,
        ),
    )
    testing.wait_until(lambda: case_row(rt, app).status == "documents_answered", message="documents answered")

    with transaction(rt.session_factory) as s:
        casework.resume_examination(rt, s, examiner, app)
    with transaction(rt.session_factory) as s:
        casework.propose(rt, s, examiner, app, Proposal("approved", ex, "engineer_humanities", "3 years"))
    with transaction(rt.session_factory) as s:
        casework.confirm(rt, s, supervisor, app)

    seen: dict = {}
    testing.wait_until(lambda: "application.decided" in tapped(rt, seen), message="application.decided on the bus")
    assert [p["receipt_number"] for p in seen["application.received"]] == [row.receipt_number]
    assert seen["application.examination_started"][0]["application_id"] == app
    assert seen["application.documents_requested"][0]["request_id"] == request_id
    decided = seen["application.decided"][0]
    assert (decided["application_id"], decided["outcome"], decided["bureau"]) == (app, "approved", "osaka")
    assert decided["fee_yen"] == 5500 + 3500 and decided["card_by_mail"] is True
    assert decided["delivery"]["old_card_number"] == "AB12345678CD"
    assert decided["delivery"]["certificate_address"] == "東京都新宿区西新宿1-1-1"
    assert case_row(rt, app).status == "approved"

"""Approved -> envelope -> issued -> dispatched -> delivered, through real RabbitMQ and PostgreSQL,
with the applicant's notices produced by notify and received by a real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from card_delivery_testkit import decision_payload, sign_in
from kombu import Connection, Exchange
from platform_harness import Inbox, platform, publish

from zairyu_shared.events import new_event
from zairyu_shared.testing import free_port, wait_until

# After the dispatch: (mailroom posts, notices expected in all, words only that ending's notices carry)
ENDINGS = {
    "delivered": ([("delivered", {})], 6, ("được giao",)),
    # returned by the post, kept at the counter: the applicant is told to come, then gets a receipt. The clerk
    # copies the return slip's words; the Vietnamese mail gives the reason in Vietnamese (card.returned v2).
    "returned_then_collected": (
        [("return", {"reason": "あて所に尋ねあたりません"}), ("counter", {}), ("hand-over", {})],
        8,
        ("hộ chiếu", "Lý do bưu điện đưa ra: Không tìm thấy người nhận tại địa chỉ này."),
    ),
}


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_card_journey_to_the_door_produces_every_notice_once(ending):
    steps, expected, words = ENDINGS[ending]
    inbox, port = Inbox(), free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    env = {"ZAIRYU_SMTP_HOST": "127.0.0.1", "ZAIRYU_SMTP_PORT": str(port), "ZAIRYU_NOTIFY_SEND_RATE": "0"}
    try:
        with platform(env, services=("card-delivery", "notify")) as plat:
            applicant = "app-nguyen"
            decision = decision_payload("app-card-1")
            decision["applicant_id"] = applicant
            publish(
                plat.amqp_url,
                "intake.events",
                new_event(
                    "applicant.registered",
                    {
                        "applicant_id": applicant,
                        "email": "nguyen@example.jp",
                        "language": "vi",
                        "display_name": "Nguyen Van An",
                    },
                    source="intake",
                    correlation_id=applicant,
                ),
            )
            publish(
                plat.amqp_url,
                "review.events",
                new_event(
                    "application.received",
                    {
                        "application_id": "app-card-1",
                        "applicant_id": applicant,
                        "receipt_number": "TKY-2026-000042",
                        "bureau": decision["bureau"],
                        "procedure": decision["procedure"],
                        "received_at": datetime.now(UTC),
                    },
                    source="review",
                    correlation_id="app-card-1",
                ),
            )
            publish(
                plat.amqp_url,
                "review.events",
                new_event("application.decided", decision, source="review", correlation_id="app-card-1"),
            )
            delivery = plat.runtimes["card-delivery"]

            def opened():
                with delivery.engine.connect() as db:
                    return db.execute(
                        sa.text("SELECT delivery_id FROM delivery_cases WHERE application_id = :a"), {"a": "app-card-1"}
                    ).scalar()

            delivery_id = wait_until(opened, timeout=60, message="the delivery case opened from the decision")
            mailroom = sign_in(plat.client("card-delivery"), delivery)
            url = f"/mailroom/cases/{delivery_id}"
            fee = str(decision["fee_yen"])
            assert (
                mailroom.post(f"{url}/envelope", {"fee_yen": fee, "old_card_number": "AB12345678CD"}).status_code == 302
            )
            # issuing cancels the old card number at once: the officer ticks that they checked the summary
            assert mailroom.post(f"{url}/issue", {"confirm": "y"}).status_code == 302
            assert mailroom.post(f"{url}/dispatch", {"tracking_number": "1234-5678-9012"}).status_code == 302
            for step, form in steps:
                assert mailroom.post(f"{url}/{step}", form).status_code == 302, step

            # received, decision, envelope received, card issued, dispatched, then the ending's own
            wait_until(lambda: len(inbox.mails) >= expected, timeout=90, message=f"{expected} mails")
            ids = [m["Message-ID"] for m in inbox.mails]
            assert len(ids) == len(set(ids)) == expected, ids
            assert all(m["To"] == "nguyen@example.jp" and m["Content-Language"] == "vi" for m in inbox.mails)
            bodies = "\n".join(m.get_body(("plain",)).get_content() for m in inbox.mails)
            assert "TKY-2026-000042" in bodies and "123456789012" in bodies.replace("-", "")
            assert all(w in bodies for w in words), bodies
            assert "尋ね" not in bodies  # the slip's Japanese words are not what the applicant reads
    finally:
        smtp.stop()


def test_a_paper_employment_certificate_is_posted_only_after_its_fee_slip_and_every_mail_speaks_of_it():
    """The certificate on paper went out on approval with its fee (¥1,600) never collected. Now the mailroom
    waits for the envelope (stamped fee slip, return envelope, no card), and the applicant's mails, in
    Vietnamese, speak of the certificate, never of a card."""
    inbox, port = Inbox(), free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    env = {"ZAIRYU_SMTP_HOST": "127.0.0.1", "ZAIRYU_SMTP_PORT": str(port), "ZAIRYU_NOTIFY_SEND_RATE": "0"}
    app_id, applicant = "app-cert-1", "app-tran"
    try:
        with platform(env, services=("card-delivery", "notify")) as plat:
            decision = {
                **decision_payload(app_id, procedure="employment_certificate", old_card=None, fee_yen=1600),
                "applicant_id": applicant,
                "delivery_method": "post",
                "card_by_mail": False,
            }
            registered = {"applicant_id": applicant, "email": "tran@example.jp", "language": "vi"}
            publish(
                plat.amqp_url,
                "intake.events",
                new_event(
                    "applicant.registered",
                    {**registered, "display_name": "Tran Thi Binh"},
                    source="intake",
                    correlation_id=applicant,
                ),
            )
            received = {
                "application_id": app_id,
                "applicant_id": applicant,
                "receipt_number": "TKY-2026-000043",
                "bureau": "tokyo",
                "procedure": "employment_certificate",
                "received_at": datetime.now(UTC),
            }
            publish(
                plat.amqp_url,
                "review.events",
                new_event("application.received", received, source="review", correlation_id=app_id),
            )
            publish(
                plat.amqp_url,
                "review.events",
                new_event("application.decided", decision, source="review", correlation_id=app_id),
            )
            delivery = plat.runtimes["card-delivery"]

            def state():
                with delivery.engine.connect() as db:
                    return db.execute(
                        sa.text("SELECT delivery_id, state FROM delivery_cases WHERE application_id = :a"),
                        {"a": app_id},
                    ).first()

            delivery_id, opened_in = wait_until(state, timeout=60, message="the delivery case opened")
            assert opened_in == "awaiting_envelope"
            mailroom = sign_in(plat.client("card-delivery"), delivery)
            url = f"/mailroom/cases/{delivery_id}"
            assert mailroom.post(f"{url}/dispatch", {"tracking_number": "1234-5678-9012"}).status_code == 409
            assert mailroom.post(f"{url}/envelope", {"fee_yen": "1600"}).status_code == 302
            assert state()[1] == "document_ready"
            assert mailroom.post(f"{url}/dispatch", {"tracking_number": "1234-5678-9012"}).status_code == 302

            # received, decision, envelope received, certificate dispatched
            wait_until(lambda: len(inbox.mails) >= 4, timeout=90, message="4 mails")
            assert all(m["To"] == "tran@example.jp" and m["Content-Language"] == "vi" for m in inbox.mails)
            bodies = "\n".join(m.get_body(("plain",)).get_content() for m in inbox.mails)
            assert "phiếu nộp lệ phí" in bodies and "phong bì trả lời" in bodies  # the approval's next step
            assert "Giấy chứng nhận được phép làm việc sẽ được gửi qua bưu điện" in bodies  # envelope received
            assert "thẻ lưu trú mới" not in bodies.lower() and "123456789012" in bodies.replace("-", "")
    finally:
        smtp.stop()


def test_a_counter_choice_is_collected_there_and_published():
    """card_by_mail false: the case waits for the visit; collecting it publishes card.collected on RabbitMQ."""
    from kombu import Queue

    with platform(services=("card-delivery",)) as plat:
        decision = decision_payload("app-counter-1", card_by_mail=False)
        with Connection(plat.amqp_url) as conn:
            probe = Queue(
                "e2e-probe-collected",
                Exchange("card-delivery.events", type="topic", durable=True),
                routing_key="card.collected",
                auto_delete=False,
                durable=False,
            )
            probe(conn.default_channel).declare()
            publish(
                plat.amqp_url,
                "review.events",
                new_event("application.decided", decision, source="review", correlation_id="app-counter-1"),
            )
            delivery = plat.runtimes["card-delivery"]

            def waiting():
                with delivery.engine.connect() as db:
                    return db.execute(
                        sa.text(
                            "SELECT delivery_id FROM delivery_cases WHERE application_id = :a "
                            "AND state = 'awaiting_visit'"
                        ),
                        {"a": "app-counter-1"},
                    ).scalar()

            delivery_id = wait_until(waiting, timeout=60, message="a case awaiting the applicant's visit")
            mailroom = sign_in(plat.client("card-delivery"), delivery)
            url = f"/mailroom/cases/{delivery_id}"
            fee = str(decision["fee_yen"])
            assert (
                mailroom.post(f"{url}/collect", {"fee_yen": fee, "old_card_number": "AB12345678CD"}).status_code == 302
            )
            queue = probe(conn.default_channel)
            message = wait_until(lambda: queue.get(no_ack=True), timeout=60, message="card.collected on the bus")
            body = message.decode()
            assert body["type"] == "card.collected" and body["correlation_id"] == "app-counter-1"
            assert body["payload"]["old_card_number"] == "AB12345678CD" and body["payload"]["card_number"]
            queue.delete()

"""The fee paid online reaches the mailroom: intake on real PostgreSQL takes the DEMO provider's
notification over HTTP (the embedded run's provider), publishes fee.paid through its outbox to RabbitMQ, and card-delivery's case
then expects no revenue stamps."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from card_delivery_testkit import decision_payload, sign_in
from platform_harness import platform, publish

from zairyu_shared.db import transaction
from zairyu_shared.events import new_event
from zairyu_shared.testing import wait_until

API = {"X-Zairyu-Api": "1"}


def _applicant_with_application(rt, applicant_id, application_id):
    """An applicant and their application under examination, as submission and review left them."""
    from intake.adapters.tables import applicants, applications

    now = datetime.now(UTC)
    with transaction(rt.session_factory) as db:
        db.execute(
            applicants.insert().values(
                id=applicant_id,
                email="an@example.jp",
                email_lookup=uuid.uuid4().hex,
                language="en",
                name="NGUYEN VAN AN",
                date_of_birth="1994-03-15",
                sex="male",
                address="東京都新宿区西新宿2-8-1",
                cert_serial="01",
                cert_issuer="CN=test",
                holder_lookup=uuid.uuid4().hex,
                email_verified_at=now,
                created_at=now,
            )
        )
        db.execute(
            applications.insert().values(
                id=application_id,
                applicant_id=applicant_id,
                idempotency_key="k",
                provisional_number="P-E2E-0001",
                receipt_number="TKY-2026-000777",
                procedure="extension",
                status="under_examination",
                bureau="tokyo",
                language="en",
                fee_yen=0,
                form="{}",
                signed_content="e30=",
                content_sha256="0" * 64,
                signature_cms="x",
                submitted_at=now,
                received_at=now,
                updated_at=now,
            )
        )


def test_fee_paid_online_reaches_the_mailroom_through_rabbitmq():
    # The DEMO provider exists only in the embedded run (issue 15): both services run embedded here, on the
    # real PostgreSQL and RabbitMQ (tests/attacks/test_payment_demo_real_mode.py is the real mode).
    with platform(services=("intake", "card-delivery"), extra_env={"ZAIRYU_EMBEDDED": "true"}) as plat:
        intake, cards = plat.runtimes["intake"], plat.runtimes["card-delivery"]
        app_id, applicant_id = str(uuid.uuid4()), str(uuid.uuid4())
        _applicant_with_application(intake, applicant_id, app_id)
        decision = decision_payload(app_id)
        decision["applicant_id"] = applicant_id
        publish(
            plat.amqp_url,
            "review.events",
            new_event("application.decided", decision, source="review", correlation_id=app_id),
        )

        def delivery_id():
            with cards.engine.connect() as db:
                return db.execute(
                    sa.text("SELECT delivery_id FROM delivery_cases WHERE application_id = :a"), {"a": app_id}
                ).scalar()

        def status():
            with intake.engine.connect() as db:
                return db.execute(
                    sa.text("SELECT status, fee_yen FROM applications WHERE id = :a"), {"a": app_id}
                ).one()

        case_id = wait_until(delivery_id, timeout=60, message="the delivery case opened")
        wait_until(lambda: tuple(status()) == ("approved", 5500), timeout=60, message="intake saw the approval")

        # The applicant, signed in (a session as the login would leave it), pays through the API and the demo page.
        client = plat.client("intake")
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        with client.session_transaction() as s:
            s.update(applicant_id=applicant_id, epoch=0)
        started = client.post(
            f"/api/v1/applications/{app_id}/payments", json={"idempotency_key": str(uuid.uuid4())}, headers=API
        )
        assert started.status_code == 201, started.get_json()
        checkout = "/" + started.get_json()["checkout_url"].split("://", 1)[1].split("/", 1)[1]
        page = client.get(checkout).get_data(as_text=True)
        assert "DEMO payment — no money moves" in page
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        assert (
            client.post(checkout, data={"csrf_token": token, "card_number": "4242 4242 4242 4242"}).status_code == 302
        )
        # the notification travels over HTTP to intake's webhook (the real server), then fee.paid over RabbitMQ
        wait_until(
            lambda: client.get(f"/api/v1/applications/{app_id}/payment").get_json()["paid"] is not None,
            timeout=30,
            message="intake took the provider's notification",
        )

        def recorded():
            with cards.engine.connect() as db:
                return db.execute(
                    sa.text(
                        "SELECT fee_paid_online_yen, fee_payment_reference FROM delivery_cases WHERE delivery_id = :d"
                    ),
                    {"d": case_id},
                ).one()

        paid = wait_until(lambda: recorded()[0] == 5500 and recorded(), timeout=60, message="fee.paid reached the case")
        reference = client.get(f"/api/v1/applications/{app_id}/payment").get_json()["paid"]["payment_reference"]
        assert paid[1] == reference

        mailroom = sign_in(plat.client("card-delivery"), cards)
        url = f"/mailroom/cases/{case_id}"
        html = mailroom.get(url).get_data(as_text=True)
        assert "fee paid online ¥5,500" in html and 'name="fee_yen"' not in html
        assert mailroom.post(f"{url}/envelope", {"old_card_number": "AB12345678CD"}).status_code == 302
        with cards.engine.connect() as db:
            assert (
                db.execute(sa.text("SELECT state FROM delivery_cases WHERE delivery_id = :d"), {"d": case_id}).scalar()
                == "envelope_received"
            )

"""Issue 15, findings 1 and 10: paying a real fee with the DEMO provider's public test card, and the webhook's 500.

The attack was: with the real mode's settings, open `/demo-psp/checkout/...`, pay with 4242 4242 4242 4242,
intake publishes `fee.paid`, and card-delivery stops expecting revenue stamps. Each link is closed here,
in the real mode (no ZAIRYU_EMBEDDED, RabbitMQ and PostgreSQL): intake's settings refuse the DEMO provider,
its checkout and its notifications do not exist, and card-delivery refuses a `fee.paid` that says `demo`
(dead-lettered, the case still expects stamps). The embedded demo keeps all of it.
"""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa
from attack_support import DATA_KEY
from card_delivery_testkit import decision_payload
from platform_harness import platform, publish

from zairyu_shared.events import new_event
from zairyu_shared.testing import wait_until

REAL = {
    "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/x",
    "AMQP_URL": "amqp://guest:guest@127.0.0.1/x",
    "ZAIRYU_SECRET_KEY": "k" * 48,
    "ZAIRYU_DATA_KEYS": DATA_KEY,
    "ZAIRYU_PAYMENT_SECRET": "p" * 48,
    "ZAIRYU_RATELIMIT_STORAGE": "redis://127.0.0.1:6379/0",
}
TEST_CARD_BODY = json.dumps(
    {
        "id": "evt_attack",
        "type": "checkout.succeeded",
        "created": 0,
        "data": {"session_id": "cs_demo_x", "merchant_reference": "x", "amount": 5500, "currency": "JPY"},
    }
).encode()


def test_real_mode_settings_refuse_the_demo_provider_and_default_to_none():
    from intake.settings import IntakeSettings
    from zairyu_shared.config import ConfigError, load

    with pytest.raises(ConfigError) as refused:
        load(IntakeSettings, {**REAL, "ZAIRYU_PAYMENT_PROVIDER": "demo"})
    assert any(
        p.startswith("ZAIRYU_PAYMENT_PROVIDER=demo is only for the embedded run") for p in refused.value.problems
    )
    assert load(IntakeSettings, REAL).payment_provider == "none"
    assert load(IntakeSettings, {**REAL, "ZAIRYU_EMBEDDED": "true"}).payment_provider == "demo"  # the demo keeps it


def test_applicant_cannot_pay_with_the_test_card_in_the_real_mode_and_a_forged_fee_paid_pays_nothing():
    """The whole path on RabbitMQ and PostgreSQL, intake and card-delivery configured as the real mode runs them."""
    from intake.adapters import payment_provider
    from intake.application import paying

    # The real mode's rate limits count in Redis, under keys of this run only.
    limits = {
        "ZAIRYU_RATELIMIT_STORAGE": "redis://127.0.0.1:6379/0",
        "ZAIRYU_RATELIMIT_PREFIX": f"zt-{uuid.uuid4().hex[:12]}",
    }
    with platform(services=("intake", "card-delivery"), extra_env=limits) as plat:
        intake, cards = plat.runtimes["intake"], plat.runtimes["card-delivery"]
        assert not intake.settings.embedded and not cards.settings.embedded
        app = plat.apps["intake"]
        assert paying.provider(intake) is None
        assert not [r.rule for r in app.url_map.iter_rules() if "demo" in r.rule], "the DEMO checkout is reachable"
        client = plat.client("intake")
        assert client.get("/demo-psp/checkout/cs_demo_anything").status_code == 404
        assert client.post(
            "/demo-psp/checkout/cs_demo_anything", data={"card_number": "4242424242424242"}
        ).status_code in (400, 404)
        # A notification signed with the configured secret (as the demo would sign it) is no payment either.
        hook = client.post(
            "/payments/webhook",
            data=TEST_CARD_BODY,
            content_type="application/json",
            headers={"Zairyu-Signature": payment_provider.sign("p" * 48, TEST_CARD_BODY)},
        )
        assert hook.status_code == 400

        # card-delivery: an approved case, then a fee.paid from the demo provider on the bus (forged, or
        # from a misconfigured intake): the case still expects revenue stamps; the event is dead-lettered.
        app_id = str(uuid.uuid4())
        publish(
            plat.amqp_url,
            "review.events",
            new_event("application.decided", decision_payload(app_id), source="review", correlation_id=app_id),
        )

        def case():
            with cards.engine.connect() as db:
                return db.execute(
                    sa.text("SELECT delivery_id, fee_paid_online_yen FROM delivery_cases WHERE application_id = :a"),
                    {"a": app_id},
                ).first()

        wait_until(case, timeout=60, message="the delivery case opened")
        publish(
            plat.amqp_url,
            "intake.events",
            new_event(
                "fee.paid",
                {
                    "application_id": app_id,
                    "applicant_id": f"applicant-{app_id}",
                    "payment_id": str(uuid.uuid4()),
                    "amount_yen": 5500,
                    "paid_at": "2026-12-01T00:00:00+00:00",
                    "payment_reference": "DEMO-ATTACK",
                    "method": "card",
                    "provider": "demo",
                },
                source="intake",
                correlation_id=app_id,
            ),
        )
        wait_until(
            lambda: _dead_letters(plat.amqp_url, "card-delivery.on_fee_paid.dlq") == 1,
            timeout=60,
            message="the demo fee.paid dead-lettered",
        )
        assert case()[1] is None, "a DEMO payment counted as the fee in the real mode"


@pytest.mark.parametrize("header", ["t=1,v1=\xe9", "t=1,v1=" + "\xff" * 64, "t=\xb2,v1=00", "t=1,v1=\u00a0"])
def test_payment_webhook_answers_400_not_500_to_a_non_ascii_signature(service_apps, header):
    """Finding 10: hmac.compare_digest raised TypeError on non-ASCII text, so the webhook answered 500."""
    app = service_apps("intake")  # the embedded demo, where the webhook has a provider to ask
    answer = app.test_client().post(
        "/payments/webhook", data=TEST_CARD_BODY, content_type="application/json", headers={"Zairyu-Signature": header}
    )
    assert answer.status_code == 400 and answer.get_json() == {"error": "bad_notification"}


def _dead_letters(amqp_url, queue) -> int:
    import pika

    conn = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        return conn.channel().queue_declare(queue, passive=True).method.message_count
    finally:
        conn.close()

"""intake's fee.paid: the case records it (even when it overtakes the decision) and the envelope
check then expects no revenue stamps; stamps for a paid case are flagged, never silently accepted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from card_delivery_testkit import decision_payload

from card_delivery.adapters.tables import early_fee_payments
from card_delivery.application.opening import application_decided as on_application_decided
from card_delivery.application.payments import fee_paid as on_fee_paid
from card_delivery.domain.case import DeliveryCase, EnvelopeRejected, State
from zairyu_shared.db import transaction
from zairyu_shared.events import new_event

PAID_AT = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


def fee_paid(application_id="app-1", amount=5500, reference="DEMO-ABC123", provider="demo"):
    return new_event(
        "fee.paid",
        {
            "application_id": application_id,
            "applicant_id": f"applicant-{application_id}",
            "payment_id": "pay-1",
            "amount_yen": amount,
            "paid_at": PAID_AT,
            "payment_reference": reference,
            "method": "card",
            "provider": provider,
        },
        source="intake",
        correlation_id=application_id,
    )


def consume(runtime, handler, event):
    with transaction(runtime.session_factory) as session:
        handler(runtime, session, event)


def decided(runtime, **kw):
    payload = decision_payload(**kw)
    consume(
        runtime,
        on_application_decided,
        new_event("application.decided", payload, source="review", correlation_id=payload["application_id"]),
    )


def the_case(runtime, application_id="app-1"):
    from card_delivery.adapters import repository

    with runtime.session_factory() as session:
        return repository.find_by_application(session, application_id)


def history(runtime, case):
    from card_delivery.adapters import repository

    with runtime.session_factory() as session:
        return repository.history(session, case.delivery_id)


@pytest.mark.parametrize("order", ["decision first", "payment first"])
def test_the_payment_reaches_the_case_in_either_order_once(runtime, order):
    if order == "decision first":
        decided(runtime)
        consume(runtime, on_fee_paid, fee_paid())
    else:
        consume(runtime, on_fee_paid, fee_paid())
        assert the_case(runtime) is None  # held, not lost
        decided(runtime)
    consume(runtime, on_fee_paid, fee_paid())  # redelivered: no second effect
    case = the_case(runtime)
    assert (case.fee_paid_online_yen, case.fee_payment_reference, case.fee_paid_online_at) == (
        5500,
        "DEMO-ABC123",
        PAID_AT,
    )
    assert [h["action"] for h in history(runtime, case)].count("record_online_payment") == 1
    with runtime.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(early_fee_payments)).scalar() == 0


def test_a_payment_reaches_the_counter_case_too(runtime):
    consume(runtime, on_fee_paid, fee_paid("app-2"))
    consume(runtime, on_fee_paid, fee_paid("app-2"))
    decided(runtime, application_id="app-2", card_by_mail=False)
    case = the_case(runtime, "app-2")
    assert case.state is State.AWAITING_VISIT and case.paid_online  # no stamps expected at the counter either
    with runtime.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(early_fee_payments)).scalar() == 0


def _open(**kw):
    case, _ = DeliveryCase.open(
        delivery_id="d",
        application_id="a",
        applicant_id="p",
        procedure="extension",
        fee_yen=5500,
        approved_at=PAID_AT,
        name="N",
        postal_code=None,
        mailing_address="東京都新宿区西新宿2-8-1",
        certificate_address="東京都新宿区西新宿2-8-1",
        old_card_number="AB12345678CD",
    )
    return case


def test_envelope_check_for_a_case_paid_online():
    now = PAID_AT + timedelta(days=2)
    paid, change = _open().record_online_payment(amount_yen=5500, reference="R1", paid_at=PAID_AT, now=now)
    assert change.from_state == change.to_state == State.AWAITING_ENVELOPE
    done, _ = paid.receive_envelope(fee_paid_yen=None, old_card_number="AB12345678CD", now=now)
    assert done.state is State.ENVELOPE_RECEIVED and done.fee_paid_yen == 0
    for kw in (dict(stamps_enclosed=True), dict(fee_paid_yen=5500)):
        with pytest.raises(EnvelopeRejected) as err:
            paid.receive_envelope(old_card_number="AB12345678CD", now=now, **{"fee_paid_yen": None, **kw})
        assert "paid online" in err.value.problems[0] and "return them" in err.value.problems[0]
    short, _ = _open().record_online_payment(amount_yen=500, reference="R2", paid_at=PAID_AT, now=now)
    with pytest.raises(EnvelopeRejected, match="differs from the fee due"):
        short.receive_envelope(fee_paid_yen=None, old_card_number="AB12345678CD", now=now)
    with pytest.raises(EnvelopeRejected, match="stamps on the fee slip is missing"):
        _open().receive_envelope(fee_paid_yen=None, old_card_number="AB12345678CD", now=now)
    assert paid.record_online_payment(amount_yen=5500, reference="R9", paid_at=now, now=now) == (paid, None)


def test_mailroom_shows_the_online_payment_and_asks_no_stamp_amount(runtime, mailroom):
    decided(runtime)
    url = f"/mailroom/cases/{the_case(runtime).delivery_id}"
    assert 'name="fee_yen"' in mailroom.get(url).get_data(as_text=True)
    consume(runtime, on_fee_paid, fee_paid())
    page = mailroom.get(url).get_data(as_text=True)
    assert "fee paid online ¥5,500" in page and "DEMO-ABC123" in page
    assert 'name="fee_yen"' not in page and 'name="stamps_enclosed"' in page
    flagged = mailroom.post(f"{url}/envelope", {"old_card_number": "AB12345678CD", "stamps_enclosed": "y"})
    assert flagged.status_code == 422 and "return them to the applicant" in flagged.get_data(as_text=True)
    assert the_case(runtime).state is State.AWAITING_ENVELOPE
    assert mailroom.post(f"{url}/envelope", {"old_card_number": "AB12345678CD"}).status_code == 302
    assert the_case(runtime).state is State.ENVELOPE_RECEIVED
    ja = mailroom.get(url, headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "オンラインで納付済み" in ja


def test_paid_online_after_stamps_were_accepted_is_noted_for_a_refund(runtime, mailroom):
    decided(runtime)
    url = f"/mailroom/cases/{the_case(runtime).delivery_id}"
    assert mailroom.post(f"{url}/envelope", {"fee_yen": "5500", "old_card_number": "AB12345678CD"}).status_code == 302
    consume(runtime, on_fee_paid, fee_paid())
    notes = [h["note"] for h in history(runtime, the_case(runtime)) if h["action"] == "record_online_payment"]
    assert len(notes) == 1 and "refund" in notes[0]


def _real_mode_runtime(tmp_path):
    """card-delivery as the real mode configures it (not embedded); nothing here talks to the broker."""
    from card_delivery_testkit import DATA_KEY

    from card_delivery.entrypoints.service import definition
    from zairyu_shared.runtime import Runtime

    rt = Runtime.from_env(
        definition,
        environ={"ZAIRYU_RATELIMIT_STORAGE": "redis://127.0.0.1:6379/0"},
        database_url=f"sqlite:///{tmp_path}/real.db",
        amqp_url="amqp://guest:guest@127.0.0.1:5672/%2F",
        embedded=False,
        data_keys=(DATA_KEY,),
        secret_key="t" * 40,
    )
    rt.migrate()
    return rt


@pytest.mark.parametrize("order", ["decision first", "payment first"])
def test_outside_the_embedded_run_a_demo_payment_pays_nothing(tmp_path, order):
    """Issue 15, finding 1: the DEMO checkout takes a public test card, so its fee.paid is no payment."""
    from card_delivery.application.payments import DemoPaymentRefused

    rt = _real_mode_runtime(tmp_path)
    if order == "decision first":
        decided(rt)
    with pytest.raises(DemoPaymentRefused):  # the consumer retries, then dead-letters it for an operator
        consume(rt, on_fee_paid, fee_paid())
    if order == "payment first":
        decided(rt)
    case = the_case(rt)
    assert not case.paid_online and case.fee_paid_online_yen is None  # the envelope must carry stamps
    with rt.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(early_fee_payments)).scalar() == 0
    # a real provider's notice is a payment there
    consume(rt, on_fee_paid, fee_paid(reference="PSP-77", provider="acquirer"))
    assert the_case(rt).fee_paid_online_yen == 5500


def test_the_embedded_demo_still_takes_its_own_payments(runtime):
    assert runtime.settings.embedded
    decided(runtime)
    consume(runtime, on_fee_paid, fee_paid())
    assert the_case(runtime).fee_paid_online_yen == 5500

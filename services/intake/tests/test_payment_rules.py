"""The payment's rules without I/O: its states, when a fee may be paid, the notification signature."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.adapters import demo_psp
from intake.adapters import payment_provider as pp
from intake.domain.payment import ALLOWED, IllegalTransition, Payment, PaymentRefused, State, check_payable

NOW = datetime(2026, 3, 5, tzinfo=UTC)


def fresh(**kw):
    return Payment.start(
        id="p-1", application_id="a-1", applicant_id="x-1", amount_yen=5500, idempotency_key="k" * 36, now=NOW, **kw
    )


def in_state(state: State) -> Payment:
    p = fresh()
    if state is State.CREATED:
        return p
    if state is State.CANCELLED:
        return p.cancel(NOW)
    p = p.open_checkout("cs_1", NOW)
    return {
        State.PENDING: p,
        State.PAID: p.confirm(amount_yen=5500, reference="R", method="card", paid_at=NOW, now=NOW),
        State.FAILED: p.fail("card_declined", NOW),
    }[state]


MOVES = {
    State.PENDING: lambda p: p.open_checkout("cs_2", NOW),
    State.PAID: lambda p: p.confirm(amount_yen=5500, reference="R", method="card", paid_at=NOW, now=NOW),
    State.FAILED: lambda p: p.fail("x", NOW),
    State.CANCELLED: lambda p: p.cancel(NOW),
}


@pytest.mark.parametrize("start", list(State))
@pytest.mark.parametrize("to", [State.PENDING, State.PAID, State.FAILED, State.CANCELLED])
def test_every_transition_outside_the_table_is_refused(start, to):
    p = in_state(start)
    if to in ALLOWED[start]:
        assert MOVES[to](p).state is to
    else:
        with pytest.raises(IllegalTransition):
            MOVES[to](p)


def test_paid_records_the_capture_and_only_for_the_amount_asked():
    p = in_state(State.PENDING)
    with pytest.raises(ValueError, match="captured"):
        p.confirm(amount_yen=550, reference="R", method="card", paid_at=NOW, now=NOW)
    with pytest.raises(ValueError):
        p.confirm(amount_yen=5500, reference="R", method="bitcoin", paid_at=NOW, now=NOW)
    done = in_state(State.PAID)
    assert (done.provider_reference, done.method, done.paid_at, done.final) == ("R", "card", NOW, True)


@pytest.mark.parametrize("amount", [0, -1, 5500.0, True, "5500"])
def test_amounts_are_positive_whole_yen(amount):
    with pytest.raises(ValueError):
        Payment.start(
            id="p", application_id="a", applicant_id="x", amount_yen=amount, idempotency_key="k" * 20, now=NOW
        )


@pytest.mark.parametrize(
    "status, fee, paid, envelope, expected",
    [
        ("approved", 5500, False, False, 5500),
        ("refused", 0, False, False, "payment.refused"),
        ("withdrawn", 5500, False, False, "payment.withdrawn"),
        ("withdrawal_requested", 5500, False, False, "payment.withdrawn"),
        ("under_examination", 5500, False, False, "payment.not_decided"),
        ("received", 5500, False, False, "payment.not_decided"),
        ("approved", 0, False, False, "payment.no_fee"),
        ("approved", 5500, True, False, "payment.already_paid"),
        ("approved", 5500, False, True, "payment.paid_by_stamps"),
        ("card_issued", 5500, False, False, "payment.paid_by_stamps"),
    ],
)
def test_only_an_approved_unpaid_application_with_a_fee_is_payable(status, fee, paid, envelope, expected):
    if isinstance(expected, int):
        assert check_payable(status, fee, already_paid=paid, envelope_received=envelope) == expected
    else:
        with pytest.raises(PaymentRefused) as err:
            check_payable(status, fee, already_paid=paid, envelope_received=envelope)
        assert err.value.key == expected


BODY = json.dumps(
    {
        "id": "evt_1",
        "type": "checkout.succeeded",
        "created": 1_700_000_000,
        "data": {
            "session_id": "cs_demo_x",
            "merchant_reference": "p-1",
            "amount": 5500,
            "currency": "JPY",
            "method": "card",
            "psp_reference": "DEMO-1",
        },
    }
).encode()


def test_signature_binds_body_secret_and_time():
    header = pp.sign("s" * 32, BODY, 1_700_000_000)
    pp.verify_signature("s" * 32, BODY, header, 300, now=1_700_000_100)
    for body, secret, now, hdr in [
        (BODY + b" ", "s" * 32, 1_700_000_100, header),
        (BODY, "t" * 32, 1_700_000_100, header),
        (BODY, "s" * 32, 1_700_000_301, header),
        (BODY, "s" * 32, 1_699_999_699, header),
        (BODY, "s" * 32, 1_700_000_000, header.replace("t=1700000000", "t=1700000001")),
        (BODY, "s" * 32, 1_700_000_000, "v1=abc"),
        (BODY, "s" * 32, 1_700_000_000, None),
    ]:
        with pytest.raises(pp.BadNotification):
            pp.verify_signature(secret, body, hdr, 300, now=now)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["data"].update(currency="USD"),
        lambda d: d["data"].update(amount="5500"),
        lambda d: d.update(type="checkout.refunded"),
        lambda d: d["data"].pop("session_id"),
        lambda d: d.pop("id"),
    ],
)
def test_malformed_notifications_are_refused(mutate):
    doc = json.loads(BODY)
    mutate(doc)
    with pytest.raises(pp.BadNotification):
        pp.parse(json.dumps(doc).encode())
    assert pp.parse(BODY).amount_yen == 5500


@pytest.mark.parametrize(
    "number, outcome",
    [("4242 4242 4242 4242", ("succeeded", None)), ("4000-0000-0000-0002", ("failed", "card_declined"))],
)
def test_demo_test_cards(number, outcome):
    assert demo_psp.card_outcome(number) == outcome


@pytest.mark.parametrize(
    "number, key",
    [
        ("4111 1111 1111 1111", "demo_psp.not_a_test_card"),
        ("abcd", "demo_psp.not_a_card_number"),
        ("", "demo_psp.not_a_card_number"),
        ("４２４２４２４２４２４２４２４２", "demo_psp.not_a_card_number"),
    ],
)
def test_demo_refuses_other_numbers(number, key):
    with pytest.raises(ValueError, match=key):
        demo_psp.card_outcome(number)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FFF, exclude_categories=("Cs",))))
def test_any_signature_header_is_either_valid_or_a_bad_notification(header):
    """Issue 15, finding 10: a non-ASCII v1 made hmac.compare_digest raise TypeError, the webhook a 500."""
    body = b'{"id":"evt_1"}'
    for candidate in (header, f"t=1,v1={header}", f"t={header},v1=00"):
        try:
            pp.verify_signature("s" * 40, body, candidate, tolerance=300, now=1)
        except pp.BadNotification:
            pass
    valid = pp.sign("s" * 40, body, timestamp=1)
    pp.verify_signature("s" * 40, body, valid, tolerance=300, now=1)  # the real one still passes

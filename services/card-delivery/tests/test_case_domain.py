"""The delivery case, pure: every transition, its guards, and every illegal neighbour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from card_delivery.domain.address import addresses_match, normalise_address
from card_delivery.domain.card_number import is_card_number, normalise, random_card_number
from card_delivery.domain.case import ALLOWED, DeliveryCase, EnvelopeRejected, IllegalTransition, InvalidInput, State
from card_delivery.domain.tracking import normalise_tracking

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
ADDRESS = "東京都新宿区西新宿2-8-1"


def new_case(certificate=ADDRESS, old="AB12345678CD", procedure="extension", fee=5500, at_counter=False):
    case, changes = DeliveryCase.open(
        delivery_id="d-1",
        application_id="a-1",
        applicant_id="p-1",
        procedure=procedure,
        fee_yen=fee,
        approved_at=T0,
        name="NGUYEN VAN AN",
        postal_code="163-8001",
        mailing_address=ADDRESS,
        certificate_address=certificate,
        old_card_number=old,
        at_counter=at_counter,
    )
    return case, changes


def at(hours):
    return T0 + timedelta(hours=hours)


# Each action with arguments that pass its guards; used to walk states and probe neighbours.
ACTIONS = {
    "receive_envelope": dict(fee_paid_yen=5500, old_card_number="AB12345678CD"),
    "issue_card": dict(card_number="ZX98765432QW"),
    "resolve_address": dict(decision="mail_registered"),
    "dispatch": dict(tracking_number="1234-5678-9012"),
    "record_delivery": {},
    "record_return": dict(reason="addressee unknown"),
    "hand_to_counter": {},
    "hand_over": {},
    "record_postage_shortfall": dict(shortfall_yen=110),
    "collect_at_counter": dict(card_number="ZX98765432QW", fee_paid_yen=5500, old_card_number="AB12345678CD"),
}


def case_in(state: State) -> DeliveryCase:
    """A case brought to ``state`` through legal transitions only."""
    flagged = state is State.ADDRESS_FLAGGED
    counter = state in (State.AWAITING_VISIT, State.COLLECTED)
    if state is State.DOCUMENT_READY:
        return new_case(procedure="coe", fee=0, old=None)[0]
    case, _ = new_case(certificate="大阪府大阪市北区梅田1-1" if flagged else ADDRESS, at_counter=counter)
    path = {
        State.AWAITING_ENVELOPE: [],
        State.ENVELOPE_RECEIVED: ["receive_envelope"],
        State.CARD_ISSUED: ["receive_envelope", "issue_card"],
        State.ADDRESS_FLAGGED: ["receive_envelope", "issue_card"],
        State.DISPATCHED: ["receive_envelope", "issue_card", "dispatch"],
        State.DELIVERED: ["receive_envelope", "issue_card", "dispatch", "record_delivery"],
        State.RETURNED: ["receive_envelope", "issue_card", "dispatch", "record_return"],
        State.COUNTER_PICKUP: ["receive_envelope", "issue_card", "dispatch", "record_return", "hand_to_counter"],
        State.AWAITING_VISIT: [],
        State.COLLECTED: ["collect_at_counter"],
        State.POSTAGE_SHORTFALL: ["record_postage_shortfall"],
    }[state]
    for i, action in enumerate(path):
        case, _change = getattr(case, action)(now=at(i + 1), **ACTIONS[action])
    assert case.state is state
    return case


def test_happy_path_publishes_one_event_per_step():
    case, changes = new_case()
    assert changes == [] and case.state is State.AWAITING_ENVELOPE and case.state_since == T0
    case, c1 = case.receive_envelope(fee_paid_yen=5500, old_card_number="ab 1234 5678 cd", now=at(1))
    case, c2 = case.issue_card(card_number="ZX98765432QW", now=at(2))
    case, c3 = case.dispatch(tracking_number="１２３４-５６７８-９０１２", now=at(3))
    case, c4 = case.record_delivery(now=at(4))
    assert [c.event_type for c in (c1, c2, c3, c4)] == [
        "card.envelope_received",
        "card.issued",
        "card.dispatched",
        "card.delivered",
    ]
    assert c2.event_fields == {"card_number": "ZX98765432QW", "old_card_number": "AB12345678CD"}
    assert c3.event_fields == {"tracking_number": "123456789012"}
    assert case.state is State.DELIVERED and case.state_since == at(4)
    assert (case.fee_paid_yen, case.card_number, case.tracking_number, case.dispatch_count) == (
        5500,
        "ZX98765432QW",
        "123456789012",
        1,
    )


def test_returned_card_can_be_dispatched_again_or_kept_at_the_counter():
    case = case_in(State.RETURNED)
    assert case.return_reason == "addressee unknown"
    again, change = case.dispatch(tracking_number="999988887777", now=at(9))
    assert again.state is State.DISPATCHED and again.dispatch_count == 2 and again.return_reason is None
    assert change.event_type == "card.dispatched" and change.from_state is State.RETURNED
    counter, change = case.hand_to_counter(now=at(9))
    assert counter.state is State.COUNTER_PICKUP and change.event_type == "card.held_at_counter"
    assert change.event_fields == {"reason": "returned"}  # the applicant is told to come for it


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("action", list(ALLOWED))
def test_every_action_from_every_state_is_legal_exactly_where_the_table_says(state, action):
    case = case_in(state)
    if state in ALLOWED[action]:
        updated, change = getattr(case, action)(now=at(20), **ACTIONS[action])
        assert change.from_state is state and updated.state is change.to_state and updated.state_since == at(20)
    else:
        with pytest.raises(IllegalTransition) as info:
            getattr(case, action)(now=at(20), **ACTIONS[action])
        assert info.value.state is state and info.value.action == action


def test_terminal_states_allow_nothing():
    for state in (State.DELIVERED, State.COLLECTED):
        assert not [a for a, states in ALLOWED.items() if state in states]


def test_the_counter_chosen_case_waits_for_the_visit_then_issues_and_hands_over_at_once():
    case, changes = new_case(certificate="大阪府大阪市北区梅田1-1", at_counter=True)
    # nothing is mailed, so differing addresses hold nothing and announce nothing
    assert changes == [] and case.state is State.AWAITING_VISIT and not case.address_mismatch
    with pytest.raises(EnvelopeRejected) as refused:
        case.collect_at_counter(
            card_number="ZX98765432QW", fee_paid_yen=4000, old_card_number="AB12345678CE", now=at(1)
        )
    assert refused.value.problems == [
        "fee paid ¥4,000 differs from the fee due ¥5,500",
        "the old card number does not match the card on record",
    ]
    with pytest.raises(InvalidInput):
        case.collect_at_counter(
            card_number="AB12345678CD", fee_paid_yen=5500, old_card_number="AB12345678CD", now=at(1)
        )
    done, change = case.collect_at_counter(
        card_number="zx 9876 5432 qw".upper().replace(" ", ""),
        fee_paid_yen=5500,
        old_card_number="ab 1234 5678 cd",
        now=at(2),
    )
    assert done.state is State.COLLECTED and done.card_number == "ZX98765432QW" and done.fee_paid_yen == 5500
    assert (change.event_type, change.event_fields) == (
        "card.collected",
        {"card_number": "ZX98765432QW", "old_card_number": "AB12345678CD"},
    )


def test_a_card_kept_at_the_counter_is_handed_over():
    case = case_in(State.COUNTER_PICKUP)
    done, change = case.hand_over(now=at(30))
    assert done.state is State.COLLECTED and change.event_type == "card.collected"
    assert change.event_fields == {"card_number": "ZX98765432QW", "old_card_number": "AB12345678CD"}


@pytest.mark.parametrize(
    "fee,old,problems",
    [
        (6000, "AB12345678CD", ["fee paid ¥6,000 differs from the fee due ¥5,500"]),
        (5500, "AB12345678CE", ["the old card number does not match the card on record"]),
        (5500, "", ["the old card number is missing"]),
        (
            0,
            "XX00000000XX",
            ["fee paid ¥0 differs from the fee due ¥5,500", "the old card number does not match the card on record"],
        ),
    ],
)
def test_envelope_is_rejected_with_every_problem_and_the_case_does_not_move(fee, old, problems):
    case, _ = new_case()
    with pytest.raises(EnvelopeRejected) as info:
        case.receive_envelope(fee_paid_yen=fee, old_card_number=old, now=at(1))
    assert info.value.problems == problems
    assert case.state is State.AWAITING_ENVELOPE


def test_acquisition_has_no_old_card_and_rejects_one_being_entered():
    case, _ = new_case(old=None, procedure="acquisition")
    with pytest.raises(EnvelopeRejected, match="no old card is on record"):
        case.receive_envelope(fee_paid_yen=5500, old_card_number="AB12345678CD", now=at(1))
    received, _ = case.receive_envelope(fee_paid_yen=5500, old_card_number="", now=at(1))
    issued, change = received.issue_card(card_number="ZX98765432QW", now=at(2))
    assert change.event_fields["old_card_number"] is None


def test_only_procedures_that_issue_a_card_or_a_paper_document_open_a_case():
    with pytest.raises(InvalidInput):
        new_case(procedure="activity_outside_status")
    with pytest.raises(InvalidInput):  # a paper COE is posted, never kept at the counter
        new_case(procedure="coe", at_counter=True)


def test_issue_refuses_a_malformed_number_and_the_old_number():
    case = case_in(State.ENVELOPE_RECEIVED)
    for bad in ("AB1234567CD", "ab12345678cd", "A112345678CD", "AB12345678C1", "AB12345678CD"):
        with pytest.raises(InvalidInput):
            case.issue_card(card_number=bad, now=at(5))


@pytest.mark.parametrize("raw", ["", "12345", "1234-5678-90AB", "12345678901234"])
def test_dispatch_refuses_what_is_not_a_tracking_number(raw):
    with pytest.raises(InvalidInput):
        case_in(State.CARD_ISSUED).dispatch(tracking_number=raw, now=at(5))


# -- the address rule -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "registered,certificate",
    [
        ("東京都新宿区西新宿2-8-1", "東京都新宿区西新宿２－８－１"),  # full-width digits and dash
        ("東京都新宿区西新宿2-8-1", "東京都新宿区西新宿2ー8ー1"),  # prolonged sound mark as dash
        ("東京都新宿区西新宿2-8-1 ハイツ101", "東京都新宿区西新宿2‐8‐1　ﾊｲﾂ101"),  # half-width kana, ideographic space
        ("1-2-3 Nishi-Shinjuku, Tokyo", "1-2-3 NISHI-SHINJUKU,  TOKYO"),
    ],
)
def test_addresses_equal_after_nfkc_normalisation_match(registered, certificate):
    assert addresses_match(registered, certificate)


@pytest.mark.parametrize(
    "registered,certificate",
    [
        ("東京都新宿区西新宿2-8-1", "東京都新宿区西新宿2-8-2"),
        ("東京都新宿区西新宿2-8-1", "大阪府大阪市北区梅田1-1"),
        ("東京都新宿区西新宿2-8-1 ハイツ101", "東京都新宿区西新宿2-8-1"),
    ],
)
def test_different_addresses_do_not_match(registered, certificate):
    assert not addresses_match(registered, certificate)


def test_katakana_long_vowel_inside_words_is_kept():
    assert normalise_address("メゾンコーポ") != normalise_address("メゾンコ-ポ")


def test_mismatch_is_announced_at_opening_and_holds_the_card_instead_of_mailing():
    case, changes = new_case(certificate="大阪府大阪市北区梅田1-1")
    assert case.address_mismatch and case.address_on_hold
    assert [c.event_type for c in changes] == ["card.address_mismatch"]
    assert ADDRESS not in changes[0].event_fields["detail"]  # no address in the event
    received, _ = case.receive_envelope(fee_paid_yen=5500, old_card_number="AB12345678CD", now=at(1))
    flagged, change = received.issue_card(card_number="ZX98765432QW", now=at(2))
    assert flagged.state is State.ADDRESS_FLAGGED and change.event_type == "card.issued"
    with pytest.raises(IllegalTransition):
        flagged.dispatch(tracking_number="123456789012", now=at(3))


@pytest.mark.parametrize(
    "decision,state,address",
    [
        ("mail_registered", State.CARD_ISSUED, ADDRESS),
        ("mail_certificate", State.CARD_ISSUED, "大阪府大阪市北区梅田1-1"),
        ("counter_pickup", State.COUNTER_PICKUP, ADDRESS),
    ],
)
def test_officer_decision_clears_the_flag(decision, state, address):
    flagged = case_in(State.ADDRESS_FLAGGED)
    decided, change = flagged.resolve_address(decision=decision, now=at(5))
    assert decided.state is state and decided.mailing_address == address and not decided.address_on_hold
    if state is State.COUNTER_PICKUP:  # the applicant waiting for a tracking number is told to come instead
        assert (change.event_type, change.event_fields) == ("card.held_at_counter", {"reason": "address_unconfirmed"})
    else:
        assert change.event_type is None
    if state is State.CARD_ISSUED:
        dispatched, _ = decided.dispatch(tracking_number="123456789012", now=at(6))
        assert dispatched.state is State.DISPATCHED
    with pytest.raises(InvalidInput):
        flagged.resolve_address(decision="shred it", now=at(5))


def test_matching_addresses_go_straight_to_issued():
    case = case_in(State.CARD_ISSUED)
    assert not case.address_mismatch


# -- card numbers, tracking numbers, deadlines -----------------------------------------------
def test_random_card_numbers_have_the_official_shape_and_vary():
    numbers = {random_card_number() for _ in range(2000)}
    assert all(is_card_number(n) for n in numbers)
    assert len(numbers) == 2000
    assert len({n[:2] for n in numbers}) > 200  # letters really drawn


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("ab12345678cd", "AB12345678CD"),
        ("AB 1234 5678 CD", "AB12345678CD"),
        ("ＡＢ１２３４５６７８ＣＤ", "AB12345678CD"),
    ],
)
def test_card_numbers_as_typed_are_normalised(raw, expected):
    assert normalise(raw) == expected and is_card_number(normalise(raw))


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("A123456789012A", "123456789012"),
        (" 1234-5678-9012 ", "123456789012"),
        ("12345678901", "12345678901"),
        ("D1234D", None),
        ("", None),
    ],
)
def test_scanned_tracking_numbers(raw, expected):
    assert normalise_tracking(raw) == expected


def test_a_free_paper_document_case_is_posted_without_any_card_step():
    """Issue 17: a COE by post (no fee); no envelope, no card number, no old card cancelled."""
    case, changes = new_case(procedure="coe", fee=0, old=None, certificate="大阪府大阪市北区梅田1-1")
    assert changes == [] and case.state is State.DOCUMENT_READY and case.is_document
    assert case.kind == "coe" and not case.address_mismatch
    for action in ("receive_envelope", "issue_card", "collect_at_counter"):
        with pytest.raises(IllegalTransition):
            getattr(case, action)(now=at(1), **ACTIONS[action])
    case, posted = case.dispatch(tracking_number="1234-5678-9012", now=at(1))
    assert posted.event_type == "document.dispatched"
    assert posted.event_fields == {"kind": "coe", "tracking_number": "123456789012"}
    returned, back = case.record_return(reason="宛所に尋ねあたりません", now=at(2))
    # told as a document's return (card.returned would tell of a card; until 2026-12-07 nothing was told at all)
    assert back.event_type == "document.returned"
    assert back.event_fields == {
        "kind": "coe",
        "reason": "宛所に尋ねあたりません",
        "reason_code": "addressee_not_found",
    }
    with pytest.raises(IllegalTransition):
        returned.hand_to_counter(now=at(3))
    again, _ = returned.dispatch(tracking_number="1234-5678-9013", now=at(3))
    assert again.dispatch_count == 2 and again.card_number is None
    delivered, told = again.record_delivery(now=at(4))
    assert delivered.state is State.DELIVERED
    assert (told.event_type, told.event_fields) == ("document.delivered", {"kind": "coe"})


def test_a_paper_employment_certificate_is_posted_only_once_its_fee_has_come():
    """The certificate costs ¥1,600 filed online (residence-procedures.md item 7), paid with revenue stamps on
    the fee slip sent with the return envelope (item 6). Its case was ready to post on approval, so the
    certificate went out with the fee never collected."""
    case, changes = new_case(procedure="employment_certificate", fee=1600, old=None)
    assert changes == [] and case.state is State.AWAITING_ENVELOPE and case.is_document
    for action in ("dispatch", "issue_card", "collect_at_counter"):
        with pytest.raises(IllegalTransition):
            getattr(case, action)(now=at(1), **ACTIONS[action])
    with pytest.raises(EnvelopeRejected, match="differs from the fee due ¥1,600"):
        case.receive_envelope(fee_paid_yen=1200, old_card_number=None, now=at(1))  # the fee before 2025-04
    with pytest.raises(EnvelopeRejected, match="no old card is on record"):
        case.receive_envelope(fee_paid_yen=1600, old_card_number="AB12345678CD", now=at(1))
    short, asked = case.record_postage_shortfall(shortfall_yen=110, now=at(1))
    assert short.state is State.POSTAGE_SHORTFALL and asked.event_fields == {"shortfall_yen": 110}
    ready, received = short.receive_envelope(fee_paid_yen=1600, old_card_number=None, now=at(2))
    assert ready.state is State.DOCUMENT_READY and received.event_type == "card.envelope_received"
    assert ready.fee_paid_yen == 1600 and ready.card_number is None
    posted, change = ready.dispatch(tracking_number="1234-5678-9012", now=at(3))
    assert posted.state is State.DISPATCHED and change.event_type == "document.dispatched"


def test_a_paper_employment_certificate_paid_online_waits_only_for_the_return_envelope():
    case, _ = new_case(procedure="employment_certificate", fee=1600, old=None)
    case, _ = case.record_online_payment(amount_yen=1600, reference="pay-1", paid_at=at(1), now=at(1))
    assert case.state is State.AWAITING_ENVELOPE  # the return envelope is still to come
    with pytest.raises(EnvelopeRejected, match="carries revenue stamps"):
        case.receive_envelope(fee_paid_yen=None, old_card_number=None, stamps_enclosed=True, now=at(2))
    ready, _ = case.receive_envelope(fee_paid_yen=None, old_card_number=None, now=at(2))
    assert ready.state is State.DOCUMENT_READY and ready.fee_paid_yen == 0

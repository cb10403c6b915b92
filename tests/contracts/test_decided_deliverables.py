"""application.decided v2: what the approval delivers and how; v1 events still load."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from zairyu_shared import deliverables
from zairyu_shared.events import ContractError, new_event, parse_message


def _decided(**extra) -> dict:
    payload = {
        "application_id": "app-1",
        "applicant_id": "acc-1",
        "outcome": "approved",
        "procedure": "coe",
        "bundled": [],
        "bureau": "tokyo",
        "fee_yen": 0,
        "card_by_mail": True,
        "decided_at": datetime(2026, 12, 1, 3, tzinfo=UTC),
    }
    payload.update(extra)
    return payload


def test_a_new_decision_is_v5_and_carries_the_method_and_the_specified_card():
    event = parse_message(
        new_event(
            "application.decided", _decided(delivery_method="email"), source="review", correlation_id="app-1"
        ).to_json()
    )
    assert event.version == 5  # v3 (coded status and period, test_bureau_words.py) + the receipt number + birth date
    assert event.data["delivery_method"] == "email" and event.data["specified_card"] is False
    assert event.data["outside_activity"] is None


def test_a_v1_decision_still_loads_without_the_new_fields():
    event = parse_message(
        new_event(
            "application.decided", _decided(procedure="extension"), source="review", correlation_id="app-1", version=1
        ).to_json()
    )
    assert event.version == 1 and "delivery_method" not in event.data
    with pytest.raises(ContractError):  # v1 stays strict: the new fields are v2's
        new_event(
            "application.decided", _decided(delivery_method="post"), source="review", correlation_id="a", version=1
        )


@pytest.mark.parametrize(
    "bad",
    [
        {"delivery_method": "fax"},
        {"outside_activity": {"hours_per_week": 29, "activity": "cafe"}},
        {"outside_activity": {"hours_per_week": 20}},
    ],
)
def test_v2_refuses_what_the_law_does_not_give(bad):
    with pytest.raises(ContractError):
        new_event("application.decided", _decided(procedure="extension", **bad), source="review", correlation_id="a")


@pytest.mark.parametrize(
    "procedure,card,methods",
    [
        ("extension", True, ("post", "counter")),
        ("change", True, ("post", "counter")),
        ("acquisition", True, ("post", "counter")),
        ("coe", False, ("email", "post")),
        ("employment_certificate", False, ("pdf", "post")),
    ],
)
def test_each_procedure_delivers_its_own_thing(procedure, card, methods):
    assert deliverables.issues_card(procedure) is card
    assert deliverables.METHODS[deliverables.deliverable(procedure)] == methods
    assert deliverables.method_for(procedure, "counter") == ("counter" if card else methods[0])


def test_the_specified_card_is_offered_from_2026_06_14_for_card_procedures_only():
    from datetime import date

    assert not deliverables.specified_card_offered("extension", date(2026, 6, 13))
    assert deliverables.specified_card_offered("extension", date(2026, 6, 14))
    assert not deliverables.specified_card_offered("coe", date(2026, 12, 1))

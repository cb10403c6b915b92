"""fee.paid: intake's word that the approval fee was paid online (card-delivery, notify and review act on it:
review seals the certificate of authorised employment once its fee is paid)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from zairyu_shared.events import ContractError, new_event, parse_message
from zairyu_shared.events.registry import spec_for

PAYLOAD = {
    "application_id": "app-1",
    "applicant_id": "a-1",
    "payment_id": "pay-1",
    "amount_yen": 5500,
    "paid_at": datetime(2026, 3, 5, 1, 0, tzinfo=UTC),
    "payment_reference": "DEMO-3F9A0C1B2D4E",
    "method": "card",
    "provider": "demo",
}


def test_round_trip_and_catalogue_entry():
    event = new_event("fee.paid", PAYLOAD, source="intake", correlation_id="app-1")
    back = parse_message(event.to_json().encode())
    assert back == event and back.data["amount_yen"] == 5500 and back.data["paid_at"] == PAYLOAD["paid_at"]
    spec = spec_for("fee.paid", 1)
    assert (spec.producer, set(spec.consumers), spec.exchange) == (
        "intake",
        {"card-delivery", "notify", "review"},
        "intake.events",
    )


@pytest.mark.parametrize(
    "change",
    [
        {"amount_yen": 0},
        {"amount_yen": -5500},
        {"amount_yen": 5500.5},
        {"amount_yen": "5500"},
        {"paid_at": "2026-03-05T01:00:00"},  # no zone: ambiguous
        {"method": "cash"},
        {"payment_reference": ""},
        {"provider": ""},
        {"card_number": "4242424242424242"},  # never card data (nor any field the schema does not know)
    ],
)
def test_breaches_are_refused_before_the_outbox(change):
    with pytest.raises(ContractError):
        new_event("fee.paid", {**PAYLOAD, **change}, source="intake", correlation_id="app-1")


@pytest.mark.parametrize(
    "field",
    [
        "application_id",
        "applicant_id",
        "payment_id",
        "amount_yen",
        "paid_at",
        "payment_reference",
        "method",
        "provider",
    ],
)
def test_every_field_is_required_on_the_wire(field):
    body = new_event("fee.paid", PAYLOAD, source="intake", correlation_id="app-1").to_dict()
    body["payload"].pop(field)
    with pytest.raises(ContractError) as err:
        parse_message(json.dumps(body))
    assert err.value.reason == "invalid_payload"


def test_only_intake_publishes_it():
    with pytest.raises(ContractError) as err:
        new_event("fee.paid", PAYLOAD, source="card-delivery", correlation_id="app-1")
    assert err.value.reason == "wrong_producer"

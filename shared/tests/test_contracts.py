import json

import pytest

from zairyu_shared.events import ContractError, new_event, parse_message
from zairyu_shared.events.registry import all_specs


def registered(**over):
    payload = {"applicant_id": "a-1", "email": "nguyen@example.jp", "language": "vi", "display_name": "Nguyen"}
    payload.update(over)
    return new_event("applicant.registered", payload, source="intake", correlation_id="a-1")


def test_round_trip_keeps_every_envelope_field():
    event = registered()
    back = parse_message(event.to_json().encode())
    assert back == event
    assert back.correlation_id == "a-1" and back.version == 1 and back.source == "intake"


def test_a_parsed_events_data_is_the_schemas_load_once_and_a_fresh_copy_each_time():
    event = new_event(
        "application.closed",
        {
            "application_id": "x-1",
            "applicant_id": "a-1",
            "reason": "withdrawn",
            "closed_at": "2026-11-26T03:00:00+00:00",
        },
        source="review",
        correlation_id="x-1",
    )
    back = parse_message(event.to_json())
    first = back.data
    assert first == event.data and first["closed_at"].year == 2026  # loaded into Python types
    first["reason"] = "changed by a handler"
    assert back.data["reason"] == "withdrawn"  # one handler's change does not leak into the next's


@pytest.mark.parametrize(
    "mutate, reason",
    [
        (lambda d: d.update(extra=1), "invalid_envelope"),
        (lambda d: d["payload"].update(individual_number="123456789012"), "invalid_payload"),
        (lambda d: d.update(version=2), "unknown_event"),
        (lambda d: d.update(type="applicant.vanished"), "unknown_event"),
        (lambda d: d["payload"].pop("email"), "invalid_payload"),
        (lambda d: d["payload"].update(language="xx"), "invalid_payload"),
        (lambda d: d.update(version="1"), "invalid_envelope"),
        (lambda d: d.pop("correlation_id"), "invalid_envelope"),
    ],
)
def test_contract_breaches_are_rejected_with_a_reason(mutate, reason):
    body = registered().to_dict()
    mutate(body)
    with pytest.raises(ContractError) as err:
        parse_message(json.dumps(body))
    assert err.value.reason == reason


@pytest.mark.parametrize(
    "raw, reason", [(b"\xff\xfe", "not_utf8"), (b"{not json", "not_json"), (b"[1,2]", "not_an_object")]
)
def test_garbage_is_rejected(raw, reason):
    with pytest.raises(ContractError) as err:
        parse_message(raw)
    assert err.value.reason == reason


def test_a_service_cannot_publish_another_services_event():
    with pytest.raises(ContractError) as err:
        new_event(
            "applicant.registered",
            {"applicant_id": "a", "email": "a@b.jp", "language": "en", "display_name": "A"},
            source="review",
            correlation_id="a",
        )
    assert err.value.reason == "wrong_producer"


def test_invalid_payload_is_refused_before_it_reaches_the_outbox():
    with pytest.raises(ContractError):
        registered(email="not-an-address")


def test_every_event_has_a_producer_exchange_consumers_and_a_description():
    specs = all_specs()
    assert len(specs) >= 20
    for spec in specs:
        assert spec.exchange == f"{spec.producer}.events"
        assert spec.consumers, spec.type
        assert spec.description, spec.type
        assert spec.producer not in spec.consumers, spec.type


def test_event_catalogue_document_is_generated_from_the_schemas():
    from pathlib import Path

    from zairyu_shared.events.docs import render

    doc = Path(__file__).resolve().parents[2] / "docs" / "events.md"
    assert doc.read_text(encoding="utf-8") == render(), "docs/events.md is stale: run `make docs`"


def _received(**over):
    payload = {
        "application_id": "app-1",
        "applicant_id": "a-1",
        "receipt_number": "TKY-2026-000001",
        "bureau": "tokyo",
        "procedure": "extension",
        "received_at": "2026-04-01T09:00:00+09:00",
        **over,
    }
    return new_event("application.received", payload, source="review", correlation_id="app-1")


def test_application_received_office_is_optional_and_a_code():
    assert _received().payload.get("office") is None  # producers from before offices stay valid
    assert parse_message(_received(office="yokohama").to_json().encode()).payload["office"] == "yokohama"
    assert _received(office=None).payload["office"] is None
    for bad in ("Yokohama Office", "", "x" * 41, 7):
        with pytest.raises(ContractError):
            _received(office=bad)


def test_application_transferred_names_bureau_and_office_or_none():
    def transferred(**over):
        payload = {
            "application_id": "app-1",
            "applicant_id": "a-1",
            "bureau": "tokyo",
            "office": "saitama",
            "transferred_at": "2026-04-02T09:00:00+09:00",
            **over,
        }
        return new_event("application.transferred", payload, source="review", correlation_id="app-1")

    assert parse_message(transferred().to_json().encode()).payload["office"] == "saitama"
    assert transferred(office=None).payload["office"] is None  # back to the bureau itself
    for over in ({"bureau": "atlantis"}, {"transferred_at": "2026-04-02T09:00:00"}):
        with pytest.raises(ContractError):
            transferred(**over)
    body = transferred().to_dict()
    body["payload"].pop("office")  # required: a missing office must not read as "the bureau"
    with pytest.raises(ContractError):
        parse_message(json.dumps(body))
    with pytest.raises(ContractError):
        new_event("application.transferred", transferred().payload, source="intake", correlation_id="app-1")

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


def _submitted(version=3, **over):
    """application.submitted as signing receives it: made by intake, parsed (validated) on receipt."""
    payload = {
        "application_id": "app-1",
        "applicant_id": "a-1",
        "provisional_number": "P-2026-000123",
        "procedure": "extension",
        "status_of_residence": "engineer_specialist_humanities_international",
        "nationality": "VN",
        "bureau": "tokyo",
        "language": "en",
        "submitted_at": "2026-04-01T09:00:00+09:00",
        "signed_content_b64": "e30=",
        "content_sha256": "0" * 64,
        "signature_cms_b64": "MA==",
        "expected_holder": {"name": "NGUYEN VAN A", "date_of_birth": "1990-01-01", "sex": "1", "address": "Tokyo"},
        **over,
    }
    made = new_event("application.submitted", payload, source="intake", correlation_id="app-1", version=version)
    return parse_message(made.to_json())


def _verified(received, **over):
    payload = {
        "application_id": "app-1",
        "applicant_id": "a-1",
        "evidence": {"certificate_serial": "1A", "issuer": "CN=test", "validation_time": "2026-04-01T00:00:00+00:00"},
        "submission": received.payload,
        **over,
    }
    return new_event(
        "signature.verified", payload, source="signing", correlation_id="app-1", echoes={"submission": received}
    )


def test_an_echoed_submission_is_not_validated_again_on_make_and_the_rest_is():
    """signature.verified echoes the application.submitted payload signing parsed: new_event does not load it a
    second time (``echoes``), but the ids, the evidence and the contract's own checks still are."""
    received = _submitted()
    assert _verified(received).payload["submission"] == received.payload
    for over in ({"application_id": ""}, {"evidence": {"issuer": "CN=test"}}, {"extra": 1}):
        with pytest.raises(ContractError, match="invalid_payload"):
            _verified(received, **over)
    staff = _submitted(
        signature_cms_b64=None,
        expected_holder=None,
        filer={"role": "employer_staff"},
        authentication={
            "method": "organisation_staff",
            "organisation_staff": {
                "staff_id": "s-1",
                "organisation_id": "o-1",
                "approval": {
                    "bureau": "tokyo",
                    "decided_at": "2026-01-01T00:00:00+00:00",
                    "approved_from": "2026-01-01",
                    "approved_until": "2028-12-31",
                },
                "signed_in_at": "2026-04-01T00:00:00+00:00",
                "step_up_at": "2026-04-01T00:00:00+00:00",
                "channel": "web",
            },
        },
    )
    with pytest.raises(ContractError, match="without a card signature"):  # the check across fields still runs
        _verified(staff)


def test_what_is_not_exactly_a_parsed_payload_of_the_nested_contract_is_validated_on_make():
    received = _submitted()
    with pytest.raises(ContractError):  # a changed copy is not what was validated on receipt
        _verified(received, submission={**received.payload, "bureau": "atlantis"})
    made = new_event("application.submitted", _submitted().payload, source="intake", correlation_id="app-1")
    made.payload["bureau"] = "atlantis"
    with pytest.raises(ContractError):  # an event made here, never parsed
        _verified(made, submission=made.payload)
    older = _submitted(version=1)
    older.payload["bureau"] = "atlantis"
    with pytest.raises(ContractError):  # v1 was validated on receipt, the contract nests v3: loaded again
        _verified(older)


def test_a_consumer_refuses_a_signature_verified_whose_echoed_submission_breaks_its_contract():
    """What new_event takes as validated is validated again where it crosses the boundary: on receipt."""
    received = _submitted()
    received.payload["bureau"] = "atlantis"  # changed after receipt: the producer's promise broken
    made = _verified(received)  # taken as validated on make...
    with pytest.raises(ContractError) as err:  # ...and refused by the consumer
        parse_message(made.to_json())
    assert err.value.reason == "invalid_payload" and "submission" in str(err.value.detail)
    body = _verified(_submitted()).to_dict()
    body["payload"]["submission"]["procedure"] = "naturalisation"  # or changed on the way
    with pytest.raises(ContractError, match="invalid_payload"):
        parse_message(json.dumps(body))

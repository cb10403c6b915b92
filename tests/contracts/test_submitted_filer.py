"""application.submitted: the optional ``filer`` (proxy filing) keeps older payloads valid."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, date, datetime

import pytest

from zairyu_shared.events import ContractError, new_event, parse_message

CONTENT = b'{"format":"zairyu-application/1"}'


def _payload(**extra) -> dict:
    payload = {
        "application_id": "app-1",
        "applicant_id": "acc-1",
        "provisional_number": "P-20261125-0000001-3",
        "procedure": "extension",
        "bundled": [],
        "status_of_residence": "engineer_humanities",
        "nationality": "Viet Nam",
        "bureau": "tokyo",
        "language": "ja",
        "submitted_at": datetime(2026, 11, 25, 1, tzinfo=UTC),
        "signed_content_b64": base64.b64encode(CONTENT).decode(),
        "content_sha256": hashlib.sha256(CONTENT).hexdigest(),
        "signature_cms_b64": "AA==",
        "expected_holder": {
            "name": "SATO HANAKO",
            "date_of_birth": "1970-01-01",
            "sex": "female",
            "address": "東京都港区",
        },
    }
    payload.update(extra)
    return payload


def test_an_old_submission_without_filer_still_loads_and_means_self_filing():
    event = parse_message(
        new_event("application.submitted", _payload(), source="intake", correlation_id="app-1").to_json()
    )
    assert event.data["filer"] is None
    assert "filer" not in event.payload  # nothing added on the wire for self filing


def test_a_proxy_submission_carries_the_filer_and_the_applicant_it_filed_for():
    filer = {
        "role": "licensed_agent",
        "name": "SATO HANAKO",
        "organisation_name": "佐藤行政書士事務所",
        "organisation_number": "AB12345",
        "agent_qualification": "gyoseishoshi",
        "applicant_name": "TRAN THI BINH",
        "applicant_date_of_birth": "1995-05-05",
    }
    event = parse_message(
        new_event("application.submitted", _payload(filer=filer), source="intake", correlation_id="app-1").to_json()
    )
    data = event.data["filer"]
    assert data["role"] == "licensed_agent" and data["organisation_name"] == "佐藤行政書士事務所"
    assert data["organisation_number"] == "AB12345" and data["applicant_date_of_birth"] == date(1995, 5, 5)
    assert data["relationship"] is None  # optional parts default
    minimal = parse_message(
        new_event(
            "application.submitted", _payload(filer={"role": "relative"}), source="intake", correlation_id="app-1"
        ).to_json()
    )
    assert minimal.data["filer"]["role"] == "relative"


@pytest.mark.parametrize(
    "filer",
    [{"role": "self"}, {"role": "neighbour"}, {"organisation_name": "X"}, {"role": "relative", "shoe_size": 42}],
)
def test_a_filer_must_have_a_proxy_role_and_nothing_unknown(filer):
    with pytest.raises(ContractError):
        new_event("application.submitted", _payload(filer=filer), source="intake", correlation_id="app-1")


def test_signature_verified_echoes_the_filer_to_review():
    submission = new_event(
        "application.submitted",
        _payload(
            filer={"role": "employer_staff", "organisation_name": "Example KK", "organisation_number": "7000012050002"}
        ),
        source="intake",
        correlation_id="app-1",
    ).payload
    verified = new_event(
        "signature.verified",
        {
            "application_id": "app-1",
            "applicant_id": "acc-1",
            "submission": submission,
            "evidence": {"certificate_serial": "1", "issuer": "CN=x", "validation_time": "2026-11-25T01:00:00+00:00"},
        },
        source="signing",
        correlation_id="app-1",
    )
    assert parse_message(verified.to_json()).data["submission"]["filer"]["organisation_number"] == "7000012050002"

"""A submission without a card signature (application.submitted v3, issue 21): signing accepts it only as an approved
organisation's staff filing consistent with the submitted bytes (``attestation.accepted``, never
``signature.verified``), and rejects a private person's unsigned application (``unsigned``) and an attestation that
does not match its bytes or its times (``attestation_invalid``)."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import json
import uuid

import pytest
import sqlalchemy as sa

from signing.adapters import verdict_keys
from signing.adapters.tables import verdicts
from signing.application import verifying
from signing.bootstrap import ports
from signing.domain import attestation
from signing.entrypoints.service import definition
from zairyu_shared.db import transaction
from zairyu_shared.events import ContractError, new_event, parse_message
from zairyu_shared.testing import service_runtime, staged_events

NOW = dt.datetime(2026, 12, 6, 3, 0, 5, tzinfo=dt.UTC)  # 12:00 in Japan


def staff_submission(*, role: str | None = "employer_staff", **changes) -> dict:
    """What intake sends for a staff filing without a card: the bytes carry the filer and the same session."""
    application_id, applicant_id = str(uuid.uuid4()), str(uuid.uuid4())
    auth = {
        "method": "organisation_staff",
        "organisation_staff": {
            "staff_id": "staff-1",
            "organisation_id": "org-1",
            "approval": {
                "bureau": "tokyo",
                "decided_at": "2026-01-05T01:00:00+00:00",
                "approved_from": "2026-01-05",
                "approved_until": "2027-01-04",
            },
            "signed_in_at": (NOW - dt.timedelta(minutes=20)).isoformat(),
            "step_up_at": (NOW - dt.timedelta(seconds=5)).isoformat(),
            "channel": "web",
        },
    }
    written_auth = changes.pop("written_auth", auth)
    filer = (
        {"role": role, "organisation_id": "org-1", "staff_id": changes.pop("written_staff", "staff-1")}
        if role
        else None
    )
    doc = {"format": "zairyu-application/1", "application_id": application_id, "applicant_id": applicant_id}
    doc.update({"form": {"period": "3 years"}, "authentication": written_auth})
    if filer:
        doc["filer"] = filer
    content = json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()
    payload = {
        "application_id": application_id,
        "applicant_id": applicant_id,
        "provisional_number": "P-2026-000123",
        "procedure": "extension",
        "status_of_residence": "engineer_humanities",
        "nationality": "VN",
        "bureau": "tokyo",
        "language": changes.pop("language", "vi"),
        "submitted_at": NOW.isoformat(),
        "signed_content_b64": base64.b64encode(content).decode(),
        "content_sha256": hashlib.sha256(content).hexdigest(),
        "signature_cms_b64": None,
        "expected_holder": None,
        "authentication": copy.deepcopy(auth),
    }
    if role:
        payload["filer"] = {
            "role": role,
            "organisation_name": "株式会社サンプル",
            "organisation_number": "7123456789012",
        }
    for key, value in changes.items():
        if key in auth["organisation_staff"]:
            payload["authentication"]["organisation_staff"][key] = value
        else:
            payload[key] = value
    return payload


def loaded(payload: dict) -> dict:
    return parse_message(
        new_event("application.submitted", payload, source="intake", correlation_id=payload["application_id"]).to_json()
    ).data


def judge(payload: dict) -> attestation.Judgement:
    return attestation.judge(loaded(payload), base64.b64decode(payload["signed_content_b64"]))


def test_an_organisations_staff_filing_consistent_with_its_bytes_is_accepted():
    found = judge(staff_submission())
    assert found.accepted and found.reason is None
    assert found.checks == list(attestation.CHECKS)
    for role in ("licensed_agent", "support_organisation", "supervising_organisation"):
        assert judge(staff_submission(role=role)).accepted, role


@pytest.mark.parametrize("role", [None, "relative", "legal_representative"])
def test_a_private_persons_application_without_a_signature_is_refused_as_unsigned(role):
    found = judge(staff_submission(role=role))
    assert not found.accepted and found.reason == attestation.UNSIGNED


def test_the_event_is_held_to_the_submitted_bytes():
    other = staff_submission()
    assert judge({**other, "content_sha256": "0" * 64}).reason == attestation.CONTENT_MISMATCH
    # The bytes name another staff member than the session in the event.
    assert judge(staff_submission(written_staff="staff-2")).reason == attestation.ATTESTATION_INVALID
    # The session written in the bytes says another step-up time (the event was changed after intake wrote them).
    changed = staff_submission()
    later = (NOW - dt.timedelta(seconds=1)).isoformat()
    changed["authentication"]["organisation_staff"]["step_up_at"] = later
    found = judge(changed)
    assert found.reason == attestation.ATTESTATION_INVALID and "step_up_at" in found.detail
    # Bytes without any session at all.
    assert judge(staff_submission(written_auth=None)).reason == attestation.ATTESTATION_INVALID


def test_the_times_must_make_sense():
    stale = staff_submission(step_up_at=(NOW - dt.timedelta(minutes=11)).isoformat())
    stale_bytes = json.loads(base64.b64decode(stale["signed_content_b64"]))
    stale_bytes["authentication"] = stale["authentication"]
    content = json.dumps(stale_bytes, sort_keys=True).encode()
    stale.update(
        signed_content_b64=base64.b64encode(content).decode(), content_sha256=hashlib.sha256(content).hexdigest()
    )
    found = judge(stale)
    assert found.reason == attestation.ATTESTATION_INVALID and "too long" in found.detail
    # Outside the approval's period (Japan's date of the submission): the year ended the day before.
    lapsed = staff_submission()
    doc = json.loads(base64.b64decode(lapsed["signed_content_b64"]))
    for holder in (doc["authentication"], lapsed["authentication"]):
        holder["organisation_staff"]["approval"]["approved_until"] = "2026-12-05"
    content = json.dumps(doc, sort_keys=True).encode()
    lapsed.update(
        signed_content_b64=base64.b64encode(content).decode(), content_sha256=hashlib.sha256(content).hexdigest()
    )
    assert judge(lapsed).detail == "submitted outside the organisation's approval period"


def test_the_contract_keeps_one_way_of_authenticating():
    payload = staff_submission()
    with pytest.raises(ContractError):  # an attested submission carrying a signature
        loaded({**payload, "signature_cms_b64": "AA=="})
    with pytest.raises(ContractError):  # a staff session without who and when
        loaded({**payload, "authentication": {"method": "organisation_staff"}})
    with pytest.raises(ContractError):  # a card submission without its signature
        loaded({**payload, "authentication": {"method": "card_signature"}})
    with pytest.raises(ContractError):  # nor without any authentication (v1/v2 shape): the signature is required
        loaded({**payload, "authentication": None})
    with pytest.raises(ContractError):  # no Individual Number, nor anything else unknown, in the staff session
        loaded(
            {
                **payload,
                "authentication": {
                    "method": "organisation_staff",
                    "organisation_staff": {**payload["authentication"]["organisation_staff"], "individual_number": "1"},
                },
            }
        )
    # An unsigned submission is never "verified": signature.verified v3 refuses it.
    with pytest.raises(ContractError):
        new_event(
            "signature.verified",
            {
                "application_id": payload["application_id"],
                "applicant_id": payload["applicant_id"],
                "evidence": {"certificate_serial": "", "issuer": "", "validation_time": NOW.isoformat()},
                "submission": payload,
            },
            source="signing",
            correlation_id=payload["application_id"],
        )
    # And attestation.accepted only carries an organisation's filing.
    private = staff_submission(role="relative")
    with pytest.raises(ContractError):
        new_event(
            "attestation.accepted",
            {
                "application_id": private["application_id"],
                "applicant_id": private["applicant_id"],
                "checked_at": NOW.isoformat(),
                "checks": list(attestation.CHECKS),
                "submission": private,
            },
            source="signing",
            correlation_id=private["application_id"],
        )


class _NoVerifier:
    def __call__(self):
        raise AssertionError("an unsigned submission must never reach the signature verifier")


@pytest.fixture
def rt(tmp_path):
    from zairyu_shared.crypto import new_key

    runtime = service_runtime(definition, database_url=f"sqlite:///{tmp_path}/signing.db", data_keys=(new_key(),))
    ports(runtime).build_verification = _NoVerifier()
    return runtime


def consume(rt, payload: dict):
    event = parse_message(
        new_event("application.submitted", payload, source="intake", correlation_id=payload["application_id"]).to_json()
    )
    with transaction(rt.session_factory) as session:
        verifying.on_application_submitted(rt, session, event)
    return event


def test_the_consumer_accepts_a_staff_filing_as_an_attestation_with_its_record(rt):
    payload = staff_submission()
    event = consume(rt, payload)
    [accepted] = staged_events(rt, "attestation.accepted")
    assert staged_events(rt, "signature.verified") == [] and staged_events(rt, "signature.rejected") == []
    assert accepted["payload"]["submission"] == event.payload  # exactly as received
    assert accepted["payload"]["checks"] == list(attestation.CHECKS)
    assert accepted["causation_id"] == event.id
    with rt.engine.connect() as conn:
        row = conn.execute(sa.select(verdicts)).one()
    assert row.verdict == "attested" and row.holder is None
    assert json.loads(row.sealed_evidence)["staff_id"] == "staff-1"  # sealed under its retention day's key
    assert row.evidence is None and row.data_key == verdict_keys.subject_for(row.created_at)


def test_the_consumer_rejects_a_private_persons_unsigned_application_in_their_language(rt):
    consume(rt, staff_submission(role=None, language="vi"))
    [rejected] = staged_events(rt, "signature.rejected")
    assert staged_events(rt, "attestation.accepted") == []
    assert rejected["payload"]["reason"] == "unsigned"
    assert rejected["payload"]["message"].startswith("Hồ sơ này không có chữ ký")
    with rt.engine.connect() as conn:
        assert conn.execute(sa.select(verdicts.c.verdict, verdicts.c.reason)).one() == ("rejected", "unsigned")

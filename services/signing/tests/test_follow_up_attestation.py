"""A correction request or withdrawal the filing organisation's staff send without a card (issue 21): signing judges
the staff session written in the request's bytes (signing.domain.attestation.judge_follow_up), for review, through
POST /internal/v1/attestations/follow-up."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from service_support import make_runtime

from signing.domain import attestation
from signing.entrypoints.web import create_app

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)


def _auth(step_up_at=NOW - timedelta(seconds=5), staff_id="staff-9"):
    return {
        "method": "organisation_staff",
        "organisation_staff": {
            "staff_id": staff_id,
            "organisation_id": "org-3",
            "approval": {
                "bureau": "tokyo",
                "decided_at": "2026-01-05T01:00:00+00:00",
                "approved_from": "2026-01-05",
                "approved_until": "2027-01-04",
            },
            "signed_in_at": (NOW - timedelta(minutes=30)).isoformat(),
            "step_up_at": step_up_at.isoformat(),
            "channel": "web",
        },
    }


def _bytes(auth, **over):
    doc = {
        "format": "zairyu-withdrawal/1",
        "application_id": "app-1",
        "applicant_id": "person-1",
        "requested_by": {"role": "organisation_staff", "organisation_id": "org-3", "staff_id": "staff-9"},
        "authentication": auth,
        "message": "going home",
    }
    doc.update(over)
    return json.dumps(doc, sort_keys=True).encode()


def _loaded(auth, requested_at=NOW):
    from zairyu_shared.events.contracts import Authentication

    return {
        "application_id": "app-1",
        "applicant_id": "person-1",
        "requested_at": requested_at,
        "authentication": Authentication().load(auth),
    }


def test_the_staff_sessions_request_is_accepted():
    auth = _auth()
    judgement = attestation.judge_follow_up(_loaded(auth), _bytes(auth))
    assert judgement.accepted and attestation.follow_up_checks(judgement)


@pytest.mark.parametrize(
    "change, detail",
    [
        ({"application_id": "app-2"}, "another application"),
        (
            {"requested_by": {"role": "organisation_staff", "organisation_id": "org-8", "staff_id": "staff-9"}},
            "requester",
        ),
        ({"requested_by": {"role": "applicant"}}, "requester"),
        ({"authentication": _auth(staff_id="staff-1")}, "staff_id"),
    ],
)
def test_bytes_that_say_someone_else_asked_are_refused(change, detail):
    auth = _auth()
    judgement = attestation.judge_follow_up(_loaded(auth), _bytes(auth, **change))
    assert not judgement.accepted and judgement.reason == attestation.ATTESTATION_INVALID
    assert detail in judgement.detail


def test_an_old_step_up_or_a_day_outside_the_approval_is_refused():
    stale = _auth(step_up_at=NOW - timedelta(minutes=11))
    assert "too long" in attestation.judge_follow_up(_loaded(stale), _bytes(stale)).detail
    auth = _auth()
    late = NOW.replace(year=2027, month=2)
    moved = _auth(step_up_at=late - timedelta(seconds=5))
    moved["organisation_staff"]["signed_in_at"] = (late - timedelta(minutes=1)).isoformat()
    judgement = attestation.judge_follow_up(_loaded(moved, late), _bytes(moved))
    assert "approval period" in judgement.detail
    assert not attestation.judge_follow_up({**_loaded(auth), "authentication": None}, _bytes(auth)).accepted


def test_the_internal_api_answers_review(test_pki, tmp_path):
    rt = make_runtime(test_pki, f"sqlite:///{tmp_path}/signing.db", f"memory://{tmp_path.name}")
    rt.migrate()
    try:
        client = create_app(rt).test_client()
        auth = _auth()
        body = {
            "content_b64": base64.b64encode(_bytes(auth)).decode(),
            "application_id": "app-1",
            "applicant_id": "person-1",
            "requested_at": NOW.isoformat(),
            "authentication": auth,
            "language": "ja",
        }
        answer = client.post("/internal/v1/attestations/follow-up", json=body).get_json()
        assert answer["verdict"] == "valid" and "session_in_request_bytes" in answer["checks"]
        other = client.post("/internal/v1/attestations/follow-up", json={**body, "application_id": "app-2"})
        refused = other.get_json()
        assert refused["verdict"] == "invalid" and refused["reason"] == "attestation_invalid" and refused["message"]
        assert client.post("/internal/v1/attestations/follow-up", json={"content_b64": "x"}).status_code == 400
    finally:
        rt.stop()

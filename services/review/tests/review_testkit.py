"""Builders shared by the review tests (events as the other services send them)."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import tempfile
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flask.testing import FlaskClient

from review.bootstrap import ports
from review.entrypoints.service import definition
from zairyu_shared.crypto import new_key
from zairyu_shared.events import new_event
from zairyu_shared.runtime import Runtime
from zairyu_shared.testing import service_runtime, staged_events

DATA_KEY = new_key()


def make_runtime(database_url: str, amqp_url: str, migrate: bool = True, **kw) -> Runtime:
    # The embedded run's DEMO e-COE key, kept out of the work tree.
    kw.setdefault("coe_demo_key_file", str(Path(tempfile.gettempdir()) / "zairyu-review-tests" / "coe-demo-key.pem"))
    kw.setdefault(
        "access_log_demo_key_file", str(Path(tempfile.gettempdir()) / "zairyu-review-tests" / "access-log-demo-key.pem")
    )
    rt = service_runtime(
        definition,
        migrate=migrate,
        database_url=database_url,
        amqp_url=amqp_url,
        data_keys=(DATA_KEY,),
        secret_key="t" * 32,
        handler_attempts=2,
        **kw,
    )
    ports(rt).signing = FakeSigning()
    return rt


def staged(rt, event_type):
    """The payloads of the ``event_type`` events staged in the outbox, oldest first."""
    return [event["payload"] for event in staged_events(rt, event_type)]


class FakeSigning:
    """Signing's verification API at the port boundary: answers what the test sets, records requests."""

    def __init__(self, verdict="valid", reason=None):
        self.verdict, self.reason, self.calls = verdict, reason, []

    def verify_cms(self, content_b64, signature_b64, expected_holder, language="en"):
        self.calls.append(
            {
                "content_b64": content_b64,
                "signature_b64": signature_b64,
                "expected_holder": expected_holder,
                "language": language,
            }
        )
        return {"verdict": self.verdict, "reason": self.reason, "message": self.reason or "ok", "evidence": {}}

    def attest_follow_up(self, content_b64, request, language="en"):
        self.calls.append({"attest": request, "content_b64": content_b64, "language": language})
        checks = ["session_in_request_bytes"] if self.verdict == "valid" else []
        return {"verdict": self.verdict, "reason": self.reason, "message": self.reason or "ok", "checks": checks}


HOLDER = {"name": "NGUYEN VAN A", "date_of_birth": "1995-04-01", "sex": "M", "address": "東京都新宿区西新宿1-1-1"}
# The shape intake signs (services/intake/intake/domain/canonical.py, "zairyu-application/1").
FORM = {
    "format": "zairyu-application/1",
    "kind": "application",
    "procedure": "extension",
    "bundled": [],
    "applicant": {**HOLDER, "address": "東京都新宿区西新宿1-1-1 アパート101"},
    "form": {
        "nationality": "Viet Nam",
        "occupation": "engineer",
        "card_number": "AB12345678CD",
        "current_status": "engineer_humanities",
        "period_expiry": "2027-01-31",
    },
    "attachments": [],
}


def organisation_filer(name: str | None = "SATO HANAKO") -> dict:
    """application.submitted's ``filer`` for an employer's staff member filing for TRAN THI BINH (the organisation's
    name and corporate number; ``name``: the staff member's, None when not given)."""
    return {
        "role": "employer_staff",
        "name": name,
        "organisation_name": "株式会社サンプル",
        "organisation_number": "7123456789012",
        "agent_qualification": None,
        "relationship": None,
        "applicant_name": "TRAN THI BINH",
        "applicant_date_of_birth": "1995-05-05",
    }


def staff_authentication(channel: str = "web", organisation_id: str = "org-3", staff_id: str = "staff-7") -> dict:
    """An organisation staff member's session as intake writes it when they send without a card (the
    ``authentication`` of application.submitted v3 and of a follow-up): signed in 20 minutes ago, the step-up code
    3 seconds ago, within the organisation's approval."""
    now = datetime.now(UTC)
    return {
        "method": "organisation_staff",
        "organisation_staff": {
            "staff_id": staff_id,
            "organisation_id": organisation_id,
            "approval": {
                "bureau": "tokyo",
                "decided_at": "2026-01-05T01:00:00+00:00",
                "approved_from": "2026-01-05",
                "approved_until": "2027-01-04",
            },
            "signed_in_at": (now - timedelta(minutes=20)).isoformat(),
            "step_up_at": (now - timedelta(seconds=3)).isoformat(),
            "channel": channel,
        },
    }


def verified_event(
    bureau="tokyo",
    applicant_id=None,
    application_id=None,
    procedure="extension",
    nationality="Viet Nam",
    bundled=(),
    form=None,
    filer=None,
    card_by_mail=True,
    routing=None,
):
    application_id = application_id or str(uuid.uuid4())
    applicant_id = applicant_id or str(uuid.uuid4())
    content = json.dumps(form or FORM, ensure_ascii=False, sort_keys=True).encode()
    submission = {
        "application_id": application_id,
        "applicant_id": applicant_id,
        "provisional_number": "P-" + application_id[:8],
        "procedure": procedure,
        "bundled": list(bundled),
        "status_of_residence": "engineer_humanities",
        "nationality": nationality,
        "bureau": bureau,
        "language": "en",
        "submitted_at": datetime.now(UTC),
        "period_of_stay_expiry": date(2027, 1, 31),
        "card_by_mail": card_by_mail,
        "signed_content_b64": base64.b64encode(content).decode(),
        "content_sha256": hashlib.sha256(content).hexdigest(),
        "signature_cms_b64": base64.b64encode(b"cms").decode(),
        "attachments": [
            {
                "sha256": hashlib.sha256(b"%PDF-1.4 demo").hexdigest(),
                "media_type": "application/pdf",
                "size": 13,
                "kind": "passport",
                "filename": "passport.pdf",
            }
        ],
        "expected_holder": HOLDER,
    }
    if filer:  # filed on the applicant's behalf (application.submitted's optional filer)
        submission["filer"] = filer
    if routing:  # intake's routing decision (application.submitted v2)
        submission["routing"] = routing
    evidence = {
        "certificate_serial": "1234",
        "issuer": "CN=JPKI Sign CA (test)",
        "holder": HOLDER,
        "validation_time": datetime.now(UTC),
        "revocation_source": "crl",
        "revocation_age_seconds": 3600.0,
        "soft_fail": False,
    }
    return new_event(
        "signature.verified",
        {
            "application_id": application_id,
            "applicant_id": applicant_id,
            "evidence": evidence,
            "submission": submission,
        },
        source="signing",
        correlation_id=application_id,
    )


def staff_attested_event(filer=None, *, signed=None, channel="api", checks=("filer_is_organisation",)):
    """signing's attestation.accepted for what an organisation's staff filed without a card: the submission as intake
    sent it (no signature, no holder to expect), with the staff session (staff_authentication) in the event and in
    the bytes, which hold ``signed`` besides (FORM when not given)."""
    submission = copy.deepcopy(verified_event(filer=filer).payload["submission"])
    auth = staff_authentication(channel=channel)
    content = json.dumps({**(signed or FORM), "authentication": auth}, ensure_ascii=False, sort_keys=True).encode()
    submission.update(
        signature_cms_b64=None,
        expected_holder=None,
        authentication=auth,
        signed_content_b64=base64.b64encode(content).decode(),
        content_sha256=hashlib.sha256(content).hexdigest(),
    )
    return new_event(
        "attestation.accepted",
        {
            "application_id": submission["application_id"],
            "applicant_id": submission["applicant_id"],
            "checked_at": datetime.now(UTC).isoformat(),
            "checks": list(checks),
            "submission": submission,
        },
        source="signing",
        correlation_id=submission["application_id"],
    )


def intake_event(event_type, payload, application_id):
    # A correction or withdrawal without ``requested_by`` is a v1 one (the applicant's, as intake sent before v2).
    follow_up = event_type in ("application.correction_requested", "application.withdrawn")
    version = 1 if follow_up and "requested_by" not in payload else None
    return new_event(event_type, payload, source="intake", correlation_id=application_id, version=version)


class PurposefulClient(FlaskClient):
    """A test client whose officer has already said why they open each file (issue 22: no read without a
    purpose): GETs of a case, its attachments or the API's case carry ``purpose`` (default examination) unless
    the URL names one or ``client.purpose`` is None. Tests of the purpose rule itself set it to None."""

    purpose: str | None = "examination"

    def open(self, *args, **kwargs):
        path = args[0] if args and isinstance(args[0], str) else kwargs.get("path")
        if (
            self.purpose
            and isinstance(path, str)
            and _CASE_READ.match(path.split("?")[0])
            and "purpose=" not in path
            and kwargs.get("method", "GET") == "GET"
        ):
            path += ("&" if "?" in path else "?") + f"purpose={self.purpose}"
            args = (path,) + tuple(args[1:]) if args else args
            if not args:
                kwargs["path"] = path
        return super().open(*args, **kwargs)


_CASE_READ = re.compile(r"^(/api/v1)?/cases/[^/]+(/attachments/[0-9a-f]{64})?$")

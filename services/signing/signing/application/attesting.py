"""A submission without a card signature (application.submitted v3, ``authentication.method`` organisation_staff):
accepted as an approved organisation's staff filing, or rejected, and said so on the bus (issue 21).

Nothing is verified cryptographically and nothing pretends to be: an accepted one becomes ``attestation.accepted``
(never ``signature.verified``, whose contract refuses an unsigned submission), with the checks it passed; a refused
one ``signature.rejected`` with its reason (``unsigned``: a private person's application without a signature;
``attestation_invalid``: the staff session in the event is not the one in the submitted bytes, or out of time).
The rules are ``signing.domain.attestation``; intake checked the staff member, the approval and the consent.
Like a verification, a row in ``verdicts`` and the event are written in the inbox transaction.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging

from signing.adapters import verdict_keys
from signing.domain import attestation, verdict_report

log = logging.getLogger(__name__)


def is_staff_attested(data: dict) -> bool:
    return (data.get("authentication") or {}).get("method") == "organisation_staff"


def on_unsigned_submission(runtime, session, event) -> None:
    data = event.data
    try:
        content = base64.b64decode(data["signed_content_b64"], validate=True)
    except (binascii.Error, ValueError):
        judgement = attestation.Judgement(False, attestation.MALFORMED, "base64 does not decode")
    else:
        judgement = attestation.judge(data, content)
    staff = data["authentication"]["organisation_staff"]
    application_id, applicant_id = data["application_id"], data["applicant_id"]
    at = dt.datetime.now(dt.UTC)
    evidence = {
        "method": "organisation_staff",
        "staff_id": staff["staff_id"],
        "organisation_id": staff["organisation_id"],
        "checks": judgement.checks,
        "detail": judgement.detail,
        "checked_at": at.isoformat(),
    }
    verdict_keys.store(  # evidence (the staff member) sealed under its retention day's key (issue 20)
        session,
        event_id=event.id,
        application_id=application_id,
        applicant_id=applicant_id,
        verdict="attested" if judgement.accepted else "rejected",
        reason=judgement.reason,
        evidence=evidence,
        holder=None,  # no certificate, no holder attributes
        created_at=at,
    )
    if judgement.accepted:
        runtime.emit(
            session,
            "attestation.accepted",
            {
                "application_id": application_id,
                "applicant_id": applicant_id,
                "checked_at": at,
                "checks": judgement.checks,
                "submission": event.payload,  # exactly as received (its JSON form)
            },
            correlation_id=application_id,
            causation_id=event.id,
            echoes={"submission": event},  # validated against its contract on receipt: not loaded a second time
        )
    else:
        assert judgement.reason is not None
        runtime.emit(
            session,
            "signature.rejected",
            {
                "application_id": application_id,
                "applicant_id": applicant_id,
                "reason": judgement.reason,
                "message": verdict_report.message(judgement.reason, data["language"]),
                "evidence": evidence,
                "language": data["language"],
            },
            correlation_id=application_id,
            causation_id=event.id,
        )
    log.info(
        "unsigned submission %s",
        "attested" if judgement.accepted else "rejected",
        extra={"application_id": application_id, "reason": judgement.reason},
    )

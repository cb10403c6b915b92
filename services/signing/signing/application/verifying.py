"""Verifying a submitted application's signature, and saying so on the bus.

``application.submitted`` -> ``signature.verified`` (evidence + the submission echoed) or
``signature.rejected`` (reason code, message in the applicant's language, evidence), staged in the
outbox in the inbox transaction together with a row in ``verdicts``. A broken trust
configuration raises (retried, then dead-lettered and replayable); it never rejects an applicant.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import logging

from signing.adapters import metrics, verdict_keys
from signing.adapters.verifier_factory import VerificationService
from signing.application import attesting
from signing.bootstrap import ports
from signing.domain import verdict_report
from signing.domain.holder_attributes import ApplicantRecord
from signing.domain.verdict import Reason, Verdict
from zairyu_shared.db import after_commit

log = logging.getLogger(__name__)


def judge_submission(service: VerificationService, data: dict) -> Verdict:
    """The verdict on one submission (``data``: the application.submitted payload, loaded)."""
    try:
        content = base64.b64decode(data["signed_content_b64"], validate=True)
        cms_der = base64.b64decode(data["signature_cms_b64"], validate=True)
    except (binascii.Error, ValueError) as exc:
        return verdict_report.boundary_rejection(Reason.MALFORMED.value, f"base64 does not decode: {exc}")
    actual = hashlib.sha256(content).hexdigest()
    if not hmac.compare_digest(actual, data["content_sha256"]):
        return verdict_report.boundary_rejection(
            Reason.CONTENT_MISMATCH.value,
            f"signed content hashes to {actual}, the submission says {data['content_sha256']}",
        )
    holder = data["expected_holder"]
    record = ApplicantRecord(
        name=holder["name"], date_of_birth=holder["date_of_birth"], sex=holder["sex"], address=holder["address"]
    )
    # Judged at submission time (intake's clock, not the signer's signing-time claim): a
    # certificate revoked after the applicant submitted does not undo the submission.
    return service.verifier.verify_cms(
        content, cms_der, expected_holder=record, at=data["submitted_at"], profile=service.sign_profile
    )


def on_application_submitted(runtime, session, event) -> None:
    data = event.data
    if attesting.is_staff_attested(data):  # no card signature: an organisation's staff filing, or rejected
        attesting.on_unsigned_submission(runtime, session, event)
        return
    service = ports(runtime).verification()
    verdict = judge_submission(service, data)
    evidence = verdict_report.evidence(verdict)
    holder = evidence.pop("holder", None)
    application_id, applicant_id = data["application_id"], data["applicant_id"]
    verdict_keys.store(  # evidence and holder sealed under the key of the day its retention ends (issue 20)
        session,
        event_id=event.id,
        application_id=application_id,
        applicant_id=applicant_id,
        verdict="verified" if verdict.valid else "rejected",
        reason=verdict.reason.value if verdict.reason else None,
        evidence=evidence,
        holder=holder,
        created_at=dt.datetime.now(dt.UTC),
    )
    if verdict.valid:
        runtime.emit(
            session,
            "signature.verified",
            {
                "application_id": application_id,
                "applicant_id": applicant_id,
                "evidence": verdict_report.event_evidence(evidence, holder),
                "submission": event.payload,  # exactly as received (its JSON form)
            },
            correlation_id=application_id,
            causation_id=event.id,
            echoes={"submission": event},  # validated against its contract on receipt: not loaded a second time
        )
    else:
        assert verdict.reason is not None  # an invalid verdict always says why
        runtime.emit(
            session,
            "signature.rejected",
            {
                "application_id": application_id,
                "applicant_id": applicant_id,
                "reason": verdict.reason.value,
                "message": verdict_report.message(verdict.reason.value, data["language"]),
                "evidence": evidence,  # no holder attributes: the rejection goes to intake and notify
                "language": data["language"],
            },
            correlation_id=application_id,
            causation_id=event.id,
        )
    log.info(
        "signature %s",
        "verified" if verdict.valid else "rejected",
        extra={"application_id": application_id, "reason": verdict.reason.value if verdict.reason else None},
    )
    # Count only what commits: a rolled-back attempt is retried and would count twice.
    # (The CRL gauges are set when the CRL index scans its directory: verifier_factory.build.)
    after_commit(
        session, lambda: metrics.count_verdict(verdict.valid, verdict.reason.value if verdict.reason else None)
    )

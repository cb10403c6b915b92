"""A submission WITHOUT a card signature: accepted only as an approved organisation's staff filing (issue 21).

Sources:
- ISA lets the staff of an organisation whose application for use (利用申出) the bureau covering its address
  approved file online with the user ID (認証ID) and password the approval gave them, while the foreign national,
  a legal representative or a relative files with their My Number Card and JPKI: ISA's leaflet
  「令和4年3月以降のオンラインによる在留手続について」 (moj.go.jp/isa/content/001368775.pdf: staff of receiving
  organisations, lawyers and gyoseishoshi, public-interest corporations and registered support organisations
  "認証IDでオンライン申請"; the foreign national "マイナンバーカードと公的個人認証"), the Q&A
  (moj.go.jp/isa/applications/online/online-QA.html, Q1-1, Q1-3) and the application-for-use page
  (moj.go.jp/isa/applications/guide/online-riyoumoushide.html: use lasts one year from the day the password is
  set, renewed by the periodic report). Here staff sign in with password + TOTP and enter a fresh TOTP code at
  submission (our choice, stricter than ISA's ID and password).
- So a submission without a signature is accepted only when its filer is an organisation (the filer roles an
  organisation files as: ``ORGANISATION_FILER_ROLES``); a private person's (self, relative, legal representative)
  is rejected as unsigned, whatever it claims.

Signing verifies nothing cryptographic here and says so (``attestation.accepted``, never ``signature.verified``).
Intake is the authority on the staff member, the organisation's approval and the person's consent, and checked
them at submission. What signing checks is that the submission is consistent: its bytes hash as stated, the staff
session in the event is the one written in the submitted bytes (which name the organisation as filer, with the
staff member), the step-up came after the sign-in and shortly before the submission, and the submission falls
inside the approval's period.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

# intake's domain/organisations.FILER_ROLE_BY_KIND, as the contract names them (zairyu_shared's
# ORGANISATION_FILER_ROLES): employer/school/public-interest corporation staff, agents, support and supervising
# organisations. Never "relative" or "legal_representative", who file as private persons with their card.
ORGANISATION_FILER_ROLES = frozenset(
    {"employer_staff", "licensed_agent", "support_organisation", "supervising_organisation"}
)
# The TOTP step-up is entered on the page that submits; intake records the submission in the same request, so a
# few seconds separate them. Ten minutes leaves room for a slow batch and clocks, and no more: our choice.
STEP_UP_WINDOW = timedelta(minutes=10)
JST_OFFSET = timedelta(hours=9)  # the approval's period is in Japan's dates (no DST in Japan)

UNSIGNED = "unsigned"
ATTESTATION_INVALID = "attestation_invalid"
CONTENT_MISMATCH = "content_mismatch"
MALFORMED = "malformed"

# The checks an accepted attestation passed, in the order they are made (attestation.accepted ``checks``).
CHECKS = (
    "filer_is_organisation",
    "content_sha256",
    "session_in_submitted_bytes",
    "step_up_after_sign_in",
    "step_up_fresh",
    "within_approval_period",
)


@dataclass(frozen=True)
class Judgement:
    accepted: bool
    reason: str | None = None
    detail: str = ""

    @property
    def checks(self) -> list[str]:
        return list(CHECKS) if self.accepted else []


def _refused(reason: str, detail: str) -> Judgement:
    return Judgement(False, reason, detail)


def _instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else None
    return None


def _day(value: Any) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _same_session(written: Any, sent: dict[str, Any]) -> str | None:
    """Why the staff session written in the bytes is not the one in the event (None: the same)."""
    if not isinstance(written, dict) or written.get("method") != "organisation_staff":
        return "the submitted bytes do not say they were filed by an organisation's staff session"
    mine, theirs = written.get("organisation_staff") or {}, sent["organisation_staff"]
    for key in ("staff_id", "organisation_id", "channel"):
        if mine.get(key) != theirs[key]:
            return f"{key} differs between the event and the submitted bytes"
    for key in ("signed_in_at", "step_up_at"):
        if _instant(mine.get(key)) != theirs[key]:
            return f"{key} differs between the event and the submitted bytes"
    approval, sent_approval = mine.get("approval") or {}, theirs["approval"]
    if (
        approval.get("bureau") != sent_approval["bureau"]
        or _instant(approval.get("decided_at")) != sent_approval["decided_at"]
    ):
        return "the approval differs between the event and the submitted bytes"
    for key in ("approved_from", "approved_until"):
        if _day(approval.get(key)) != sent_approval[key]:
            return "the approval's period differs between the event and the submitted bytes"
    return None


def judge(data: dict[str, Any], content: bytes) -> Judgement:
    """The judgement on one unsigned submission. ``data``: the application.submitted v3 payload as loaded (dates
    and times parsed), with ``authentication.method`` "organisation_staff"; ``content``: the bytes it carries."""
    filer = data.get("filer") or {}
    if filer.get("role") not in ORGANISATION_FILER_ROLES:
        return _refused(UNSIGNED, "no card signature, and the filer is not an organisation")
    if not hmac.compare_digest(hashlib.sha256(content).hexdigest(), data["content_sha256"]):
        return _refused(CONTENT_MISMATCH, "the submitted bytes do not hash to content_sha256")
    try:
        doc = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _refused(MALFORMED, "the submitted bytes are not a JSON document")
    if not isinstance(doc, dict):
        return _refused(MALFORMED, "the submitted bytes are not a JSON object")
    auth = data["authentication"]
    staff = auth["organisation_staff"]
    written = doc.get("filer")
    written_filer: dict[str, Any] = written if isinstance(written, dict) else {}
    if (
        written_filer.get("role") != filer["role"]
        or written_filer.get("organisation_id") != staff["organisation_id"]
        or written_filer.get("staff_id") != staff["staff_id"]
    ):
        return _refused(ATTESTATION_INVALID, "the submitted bytes name another filer, organisation or staff member")
    if doc.get("application_id") != data["application_id"] or doc.get("applicant_id") != data["applicant_id"]:
        return _refused(ATTESTATION_INVALID, "the submitted bytes are another application's")
    differs = _same_session(doc.get("authentication"), auth)
    if differs:
        return _refused(ATTESTATION_INVALID, differs)
    submitted_at: datetime = data["submitted_at"]
    if not staff["signed_in_at"] <= staff["step_up_at"] <= submitted_at:
        return _refused(ATTESTATION_INVALID, "the step-up does not fall between the sign-in and the submission")
    if submitted_at - staff["step_up_at"] > STEP_UP_WINDOW:
        return _refused(ATTESTATION_INVALID, "the step-up code was entered too long before the submission")
    japan_day = (submitted_at.astimezone(UTC) + JST_OFFSET).date()
    approval = staff["approval"]
    if not approval["approved_from"] <= japan_day <= approval["approved_until"]:
        return _refused(ATTESTATION_INVALID, "submitted outside the organisation's approval period")
    return Judgement(True)


# -- a correction request or a withdrawal without a card (the filing organisation's staff, issue 21) -------------
# Who may ask is review's rule (review.domain.follow_up, with its sources); intake checked the member, the
# organisation's approval and that it filed the application. What signing checks, as for a filing: the request's
# bytes say they are this staff session's request for this application, the step-up came after the sign-in and
# shortly before the request, within the approval's period.
FOLLOW_UP_CHECKS = (
    "content_sha256",
    "session_in_request_bytes",
    "step_up_after_sign_in",
    "step_up_fresh",
    "within_approval_period",
)


def judge_follow_up(data: dict[str, Any], content: bytes) -> Judgement:
    """The judgement on one request without a card. ``data``: application_id, applicant_id, requested_at (aware),
    authentication (the contract's Authentication as loaded: organisation_staff); ``content``: the request's bytes."""
    auth = data.get("authentication") or {}
    staff = auth.get("organisation_staff")
    if auth.get("method") != "organisation_staff" or not staff:
        return _refused(UNSIGNED, "no card signature, and no organisation staff session")
    try:
        doc = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _refused(MALFORMED, "the request's bytes are not a JSON document")
    if not isinstance(doc, dict):
        return _refused(MALFORMED, "the request's bytes are not a JSON object")
    if doc.get("application_id") != data["application_id"] or doc.get("applicant_id") != data["applicant_id"]:
        return _refused(ATTESTATION_INVALID, "the request's bytes are about another application")
    by = doc.get("requested_by")
    by = by if isinstance(by, dict) else {}
    if (
        by.get("role") != "organisation_staff"
        or by.get("staff_id") != staff["staff_id"]
        or by.get("organisation_id") != staff["organisation_id"]
    ):
        return _refused(ATTESTATION_INVALID, "the request's bytes name another requester")
    differs = _same_session(doc.get("authentication"), auth)
    if differs:
        return _refused(ATTESTATION_INVALID, differs.replace("submitted bytes", "request's bytes"))
    requested_at: datetime = data["requested_at"]
    if not staff["signed_in_at"] <= staff["step_up_at"] <= requested_at:
        return _refused(ATTESTATION_INVALID, "the step-up does not fall between the sign-in and the request")
    if requested_at - staff["step_up_at"] > STEP_UP_WINDOW:
        return _refused(ATTESTATION_INVALID, "the step-up code was entered too long before the request")
    japan_day = (requested_at.astimezone(UTC) + JST_OFFSET).date()
    approval = staff["approval"]
    if not approval["approved_from"] <= japan_day <= approval["approved_until"]:
        return _refused(ATTESTATION_INVALID, "requested outside the organisation's approval period")
    return Judgement(True)


def follow_up_checks(judgement: Judgement) -> list[str]:
    return list(FOLLOW_UP_CHECKS) if judgement.accepted else []

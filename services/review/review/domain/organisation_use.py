"""Organisations' applications for use (利用申出, issue 21): the bureau's four-eyes decision and its period.

Sources: residence-procedures.md, "Who applies": organisational users file only after the bureau covering
the organisation's address approves its application for use; the approval lasts one year and a periodic
report (定期報告) renews it. The decision is made like a case's: an examiner (or supervisor) proposes, a
supervisor who is another person confirms (case.check_confirmation, case.check_two_people).
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from typing import Any

from .case import FourEyesViolation
from .roles import Officer, Role

APPROVAL_YEARS = 1  # residence-procedures.md, "Who applies": the approval lasts one year


class UseStatus(str, Enum):
    PENDING = "pending"
    PROPOSED = "proposed"
    APPROVED = "approved"
    REFUSED = "refused"


OUTCOMES = ("approved", "refused")


class IllegalUseStep(Exception):
    pass


@dataclass(frozen=True)
class UseProposal:
    outcome: str
    proposed_by: str
    reason: str | None


def propose(status: UseStatus, officer: Officer, outcome: str, reason: str | None) -> UseProposal:
    """An examiner or supervisor proposes; a refusal states its reason (the organisation reads it)."""
    if status is not UseStatus.PENDING:
        raise IllegalUseStep(f"cannot propose on a {status.value} application for use")
    if officer.role not in (Role.EXAMINER, Role.SUPERVISOR):
        raise FourEyesViolation(f"{officer.role.value} cannot propose")
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    if outcome == "refused" and not (reason or "").strip():
        raise ValueError("a refusal states its reason")
    return UseProposal(outcome, officer.id, (reason or "").strip() or None)


def confirm(status: UseStatus, confirmer: Officer, proposal: UseProposal) -> UseStatus:
    """Only a supervisor who did not propose confirms (the caller also checks they are another person)."""
    if status is not UseStatus.PROPOSED:
        raise IllegalUseStep(f"cannot confirm a {status.value} application for use")
    if confirmer.role is not Role.SUPERVISOR:
        raise FourEyesViolation(f"{confirmer.role.value} cannot confirm a decision")
    if confirmer.id == proposal.proposed_by:
        raise FourEyesViolation("nobody confirms their own proposal")
    return UseStatus.APPROVED if proposal.outcome == "approved" else UseStatus.REFUSED


def approval_period(start: date) -> tuple[date, date]:
    """One year from ``start`` (Japan's date of the confirmation), both days included: 2026-12-07 ..
    2027-12-06; from 29 February, to 28 February of the next year (Civil Code art. 143: the day before
    the anniversary; a missing anniversary day ends the period at the month's end). ISA counts the year "from the day
    the password is set" (online-riyoumoushide.html), which in its system follows the approval; here the
    administrator's password is set when the organisation applies, before the approval, so the first day it can file,
    the confirmation's, is the day its year starts."""
    year = start.year + APPROVAL_YEARS
    anniversary = date(year, start.month, min(start.day, calendar.monthrange(year, start.month)[1]))
    if anniversary.day != start.day:  # no such day that year: the period ends on the month's last day
        return start, anniversary
    return start, anniversary - timedelta(days=1)


def renewal_start(today: date, running_until: date | None) -> date:
    """A renewal confirmed while the approval still runs continues it the day after its last day; otherwise
    (first approval, or lapsed) the new year starts on the day of the confirmation."""
    if running_until is not None and running_until >= today:
        return running_until + timedelta(days=1)
    return today


# -- finding an organisation's applications among the bureau's cases ---------------------------------------------
# A case's filer (role, names, the organisation's number) is personal data of the case and travels encrypted under
# the applicant's own key, so SQL cannot search it. The index is a keyed hash of the filing organisation's number
# (its corporate number, or a licensed agent's registration number), kept in clear beside the case:
# - it names the filer, never the applicant: the applicant's erasure leaves nothing of theirs readable in it;
# - a corporate number is public (the NTA publishes every corporation's number, name and address: 法人番号公表サイト),
#   but an agent's office may be one 行政書士 or lawyer, a natural person, whose registration number would then be
#   their personal data: hashed with a key the database does not hold (ZAIRYU_REVIEW_HASH_KEY), the column reveals
#   neither, and a short enumerable number cannot be recovered from it without that key;
# - equal numbers give equal hashes, so the bureau's lists are one indexed query, complete however many cases
#   there are (the earlier scan read only the newest 2,000 cases filed on someone's behalf).
def filer_lookup(key: str, number: str | None) -> str | None:
    """The keyed hash indexing a case by its filing organisation's number (None: no organisation filed)."""
    cleaned = (number or "").strip().upper()
    if not cleaned:
        return None
    return hmac.new(key.encode(), b"filer-organisation\x1f" + cleaned.encode(), hashlib.sha256).hexdigest()


NO_ORGANISATION = "-"  # filer_lookup of a case filed by someone who is no organisation (a relative, a representative)


def filer_index_value(key: str, filer: dict[str, Any] | None) -> str | None:
    """What cases.filer_lookup holds for a case with this filer: None for the applicant's own filing."""
    if not filer:
        return None
    return filer_lookup(key, filer.get("organisation_number")) or NO_ORGANISATION

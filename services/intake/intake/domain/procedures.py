"""The seven procedures and the rules that decide whether one can be filed online today.

``check`` returns message keys (never prose; a ``Refusal`` may name the date from which the person may
file), so the web layer explains each rule in the applicant's language. It gathers the rules of one
module per concern:
- statuses.py: excluded statuses (Diplomat, Temporary Visitor, Designated Activities for departure), a
  status's first day (Employment for Skill Development from 2027-04-01), Designated Activities notices
  outside ISA's online scope;
- timing.py: change up to the expiry, extension from 3 months before (periods of 6 months or more;
  earlier with a special reason, flagged for the examiner), acquisition within 30 days;
- filers.py: who may file which procedure (ISA's table), and the applicant's own standing;
- here: re-entry and activity-outside-status permits only travel with a change, extension or
  acquisition (residence-procedures.md, "The seven procedures", rows 6-7); permanent residence is not
  online; a change within the same status exists where the permission names the employer or the
  activity (Specified Skilled Worker, Highly Skilled Professional (i), Designated Activities:
  residence-procedures.md, row 2); for other statuses a new employer is notified, not applied for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from . import filers, statuses, timing
from .refusal import Refusal
from .timing import ACQUISITION_DAYS, acquisition_deadline, window  # noqa: F401  (public names kept here)

MAIN = ("coe", "change", "extension", "acquisition", "employment_certificate")
BUNDLED_ONLY = ("reentry", "activity_outside_status")
ALL = MAIN + BUNDLED_ONLY
BUNDLE_HOSTS = ("change", "extension", "acquisition")
NUMBERS = {
    "coe": 1,
    "change": 2,
    "extension": 3,
    "acquisition": 4,
    "employment_certificate": 5,
    "reentry": 6,
    "activity_outside_status": 7,
}
NAMES_JA = {
    "coe": "在留資格認定証明書交付申請",
    "change": "在留資格変更許可申請",
    "extension": "在留期間更新許可申請",
    "acquisition": "在留資格取得許可申請",
    "employment_certificate": "就労資格証明書交付申請",
    "reentry": "再入国許可申請",
    "activity_outside_status": "資格外活動許可申請",
}
WINDOW_MONTHS = timing.EXTENSION_WINDOW_MONTHS
# Statuses whose permission names the employer or the activity: a change within the status exists.
SAME_STATUS_CHANGE = ("ssw_1", "ssw_2", "hsp_1a", "hsp_1b", "hsp_1c", "designated_activities")


@dataclass(frozen=True)
class Request:
    """What the applicant wants to file, as far as eligibility is concerned."""

    procedure: str
    bundled: tuple[str, ...] = ()
    current_status: str | None = None
    desired_status: str | None = None
    period_expiry: date | None = None
    event_date: date | None = None
    filer_role: str = filers.SELF  # who files: the applicant themself or someone on their behalf (filers.py)
    period_of_stay_months: int | None = None  # the current period's length, when known (timing.period_months)
    early_filing_reason: str | None = None  # a special reason for an extension filed before its window
    designated_basis: str | None = None  # Designated Activities: "notice" or "outside_notice" (告示外)
    notice_number: int | None = None
    filer_born: date | None = None  # the account holder's date of birth, for the applicant filing themself


@dataclass
class Verdict:
    problems: list[tuple[str, str]] = field(default_factory=list)  # (field, message key / Refusal)
    flags: list[str] = field(default_factory=list)  # for the examiner: accepted, but to be weighed
    advice: list[str] = field(default_factory=list)  # message keys the person should read before paying

    @property
    def eligible(self) -> bool:
        return not self.problems

    def add(self, field_name: str, key: str) -> None:
        self.problems.append((field_name, key))


def governing_status(req: Request) -> str | None:
    """The status whose form sections apply: the one sought for COE/change/acquisition, else the current."""
    if req.procedure in ("coe", "change", "acquisition"):
        return req.desired_status
    return req.current_status


def needs_current_status(procedure: str) -> bool:
    return procedure in ("change", "extension", "employment_certificate")


def issues_residence_card(procedure: str) -> bool:
    """A new residence card follows approval: the applicant chooses to get it by post or at the counter."""
    return procedure in ("change", "extension", "acquisition")


def needs_desired_status(procedure: str) -> bool:
    return procedure in ("coe", "change", "acquisition")


def _check_status(verdict: Verdict, field_name: str, code: str | None, today: date) -> statuses.Status | None:
    if not code:
        verdict.add(field_name, "error.required")
        return None
    status = statuses.get(code)
    if status is None:
        verdict.add(field_name, "error.choice")
        return None
    if not statuses.exists_on(status, today):
        verdict.add(field_name, Refusal("eligibility.status_not_yet", status.available_from))
    elif not status.online:
        verdict.add(field_name, status.excluded_reason or "eligibility.status_excluded")
    return status


def _plausible(day: date | None) -> bool:
    return day is None or 1900 <= day.year <= 2200


def check(req: Request, today: date) -> Verdict:
    """Every rule for ``req`` on ``today`` (Japan's calendar day, given by the caller)."""
    verdict = Verdict()
    for name in ("period_expiry", "event_date"):
        if not _plausible(getattr(req, name)):
            verdict.add(name, "error.date")
            return verdict
    if req.procedure in BUNDLED_ONLY:
        verdict.add("procedure", "eligibility.bundled_only")
        return verdict
    if req.procedure not in MAIN:
        verdict.add("procedure", "error.choice")
        return verdict
    if len(set(req.bundled)) != len(req.bundled) or any(b not in BUNDLED_ONLY for b in req.bundled):
        verdict.add("bundled", "error.choice")
    elif req.bundled and req.procedure not in BUNDLE_HOSTS:
        verdict.add("bundled", "eligibility.bundle_host")
    if "reentry" in req.bundled:
        # A trip under a year needs no permit (みなし再入国, deemed re-entry): said before anyone pays.
        verdict.advice.append("reentry.deemed")

    current = desired = None
    if needs_current_status(req.procedure):
        current = _check_status(verdict, "current_status", req.current_status, today)
    if needs_desired_status(req.procedure):
        desired = _check_status(verdict, "desired_status", req.desired_status, today)
        if desired is not None and desired.code == "permanent_resident":
            verdict.add("desired_status", "eligibility.permanent_residence_not_online")

    codes = {"current_status": current.code if current else None, "desired_status": desired.code if desired else None}
    for field_name, key in filers.role_problems(req.procedure, req.filer_role, codes, tuple(req.bundled)):
        verdict.add(field_name, key)
    for field_name, key in filers.self_problems(
        req.filer_role, req.filer_born, codes["current_status"], req.period_of_stay_months, today
    ):
        verdict.add(field_name, key)

    if (
        req.procedure == "change"
        and current
        and desired
        and current.code == desired.code
        and current.code not in SAME_STATUS_CHANGE
    ):
        verdict.add("desired_status", "eligibility.change_same_status")
    if req.procedure == "extension" and current is not None and not current.has_period_of_stay:
        verdict.add("current_status", "eligibility.no_period_to_extend")

    governing = desired if needs_desired_status(req.procedure) else current
    if (
        governing is not None
        and governing.code == "designated_activities"
        and req.designated_basis != "outside_notice"
        and not statuses.notice_online(req.notice_number, req.procedure)
    ):
        verdict.add("notice_number", "eligibility.notice_not_online")

    if req.procedure in ("change", "extension") and req.period_expiry is None:
        if not (current is not None and not current.has_period_of_stay):
            verdict.add("period_expiry", "error.required")
    if req.procedure == "acquisition" and req.event_date is None:
        verdict.add("event_date", "error.required")
    has_period = not (current is not None and not current.has_period_of_stay)
    timed = timing.check(
        timing.Timing(
            req.procedure,
            req.period_expiry if has_period else None,
            req.period_of_stay_months,
            req.early_filing_reason,
            req.event_date,
        ),
        today,
    )
    for field_name, key in timed.problems:
        verdict.add(field_name, key)
    verdict.flags.extend(timed.flags)
    return verdict


def explain(procedure: str) -> list[str]:
    """Message keys describing the rules of one procedure, for the choice page."""
    keys = {
        "coe": ["rule.coe"],
        "change": ["rule.change", "rule.bundle"],
        "extension": ["rule.window", "rule.bundle"],
        "acquisition": ["rule.acquisition", "rule.bundle"],
        "employment_certificate": ["rule.employment_certificate"],
    }
    return ["rule.excluded"] + keys.get(procedure, [])

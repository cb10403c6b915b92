"""The seven procedures and the rules that decide whether one can be filed online today.

``check`` returns message keys (never prose), so the web layer explains each rule in the
applicant's language. Rules (residence-procedures.md):
- excluded statuses (Diplomat, Temporary Visitor, Designated Activities for departure) cannot file;
- re-entry and activity-outside-status permits only travel with a change, extension or acquisition;
- extension and change: from 3 months before the period of stay expires to the day before;
- acquisition: within 30 days of the event (birth, loss of Japanese nationality);
- permanent residents have no period to extend and cannot apply for permanent residence online;
- who may file (filers.py): a COE never by the applicant, Technical Intern Training type ロ only by
  the supervising organisation.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from . import filers, statuses
from .dates import add_months

MAIN = ("coe", "change", "extension", "acquisition", "employment_certificate")
BUNDLED_ONLY = ("reentry", "activity_outside_status")
ALL = MAIN + BUNDLED_ONLY
BUNDLE_HOSTS = ("change", "extension", "acquisition")
NUMBERS = {"coe": 1, "change": 2, "extension": 3, "acquisition": 4, "employment_certificate": 5,
           "reentry": 6, "activity_outside_status": 7}
NAMES_JA = {
    "coe": "在留資格認定証明書交付申請", "change": "在留資格変更許可申請", "extension": "在留期間更新許可申請",
    "acquisition": "在留資格取得許可申請", "employment_certificate": "就労資格証明書交付申請",
    "reentry": "再入国許可申請", "activity_outside_status": "資格外活動許可申請",
}
WINDOW_MONTHS = 3
ACQUISITION_DAYS = 30


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


@dataclass
class Verdict:
    problems: list[tuple[str, str]] = field(default_factory=list)  # (field, message key)

    @property
    def eligible(self) -> bool:
        return not self.problems

    def add(self, field_name: str, key: str) -> None:
        self.problems.append((field_name, key))


def window(expiry: date) -> tuple[date, date]:
    """First and last day on which an extension or change may be filed online."""
    return add_months(expiry, -WINDOW_MONTHS), expiry - timedelta(days=1)


def acquisition_deadline(event_date: date) -> date:
    return event_date + timedelta(days=ACQUISITION_DAYS)


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


def _check_status(verdict: Verdict, field_name: str, code: str | None) -> statuses.Status | None:
    if not code:
        verdict.add(field_name, "error.required")
        return None
    status = statuses.get(code)
    if status is None:
        verdict.add(field_name, "error.choice")
        return None
    if not status.online:
        verdict.add(field_name, status.excluded_reason or "eligibility.status_excluded")
    return status


def _plausible(day: date | None) -> bool:
    return day is None or 1900 <= day.year <= 2200


def check(req: Request, today: date) -> Verdict:
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

    current = desired = None
    if needs_current_status(req.procedure):
        current = _check_status(verdict, "current_status", req.current_status)
    if needs_desired_status(req.procedure):
        desired = _check_status(verdict, "desired_status", req.desired_status)
        if desired is not None and desired.code == "permanent_resident":
            verdict.add("desired_status", "eligibility.permanent_residence_not_online")

    codes = {"current_status": current.code if current else None, "desired_status": desired.code if desired else None}
    for field_name, key in filers.role_problems(req.procedure, req.filer_role, codes):
        verdict.add(field_name, key)

    if req.procedure == "change" and current and desired and current.code == desired.code:
        verdict.add("desired_status", "eligibility.change_same_status")
    if req.procedure == "extension" and current is not None and not current.has_period_of_stay:
        verdict.add("current_status", "eligibility.no_period_to_extend")

    if req.procedure in ("change", "extension"):
        if req.period_expiry is None:
            verdict.add("period_expiry", "error.required")
        elif not (current is not None and not current.has_period_of_stay):
            first, last = window(req.period_expiry)
            if today < first:
                verdict.add("period_expiry", "eligibility.too_early")
            elif today > last:
                verdict.add("period_expiry", "eligibility.too_late")

    if req.procedure == "acquisition":
        if req.event_date is None:
            verdict.add("event_date", "error.required")
        elif req.event_date > today:
            verdict.add("event_date", "error.date_in_future")
        elif today > acquisition_deadline(req.event_date):
            verdict.add("event_date", "eligibility.acquisition_late")
    return verdict


def explain(procedure: str) -> list[str]:
    """Message keys describing the rules of one procedure, for the choice page."""
    keys = {
        "coe": ["rule.coe"],
        "change": ["rule.window", "rule.bundle"],
        "extension": ["rule.window", "rule.bundle"],
        "acquisition": ["rule.acquisition", "rule.bundle"],
        "employment_certificate": ["rule.employment_certificate"],
    }
    return ["rule.excluded"] + keys.get(procedure, [])

"""Organisational users: the application for use (利用申出), its approval period, and who may file.

Sources:
- residence-procedures.md, "Who applies": organisational users (receiving organisations: employer, school;
  supervising organisations; public-interest corporations that help receive foreign nationals; registered
  support organisations) file only after the organisation's application for use is approved by the bureau
  covering the organisation's address; the approval lasts one year (the bureau's decision carries the
  period: review's domain/organisation_use.py) and a periodic report renews it.
- Licensed agents (申請取次 行政書士 / lawyer) file with their registration or notification number (same section).
- Corporate number: 13 digits, the first a check digit over the other twelve (法人番号の指定等に関する省令,
  平成26年財務省令第70号 第2条: 9 - (sum of Pn x Qn over the 12 digits counted from the right, Qn = 1 for odd n,
  2 for even n) mod 9); implemented once in fields.corporate_number_ok.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from . import normalise
from .dates import add_months
from .fields import AGENT_NUMBER_RE, corporate_number_ok
from .routing import bureau_for_address

KINDS = (
    "employer",
    "school",
    "supervising_organisation",
    "support_organisation",
    "public_interest_corporation",
    "agent_office",
)
AGENT_QUALIFICATIONS = ("gyoseishoshi", "lawyer")

PENDING, APPROVED, REFUSED, LAPSED = "pending", "approved", "refused", "lapsed"

# Which filer role (filers.py, ISA's table per role) an organisation's staff file as.
FILER_ROLE_BY_KIND: dict[str, str] = {
    "employer": "employer_staff",
    "school": "employer_staff",  # a school is the student's receiving organisation (所属機関)
    "public_interest_corporation": "employer_staff",
    "supervising_organisation": "supervising_organisation",
    "support_organisation": "support_organisation",
    "agent_office": "licensed_agent",
}


@dataclass(frozen=True)
class UseApplication:
    """What an organisation declares when it applies for use (already normalised and checked)."""

    name: str
    kind: str
    address: str
    bureau: str
    corporate_number: str | None
    agent_qualification: str | None
    agent_number: str | None


def check_application(raw: Mapping[str, str]) -> tuple[UseApplication | None, dict[str, str]]:
    """The application for use from a form's raw values: (application, {}) or (None, {field: error key})."""
    values = {
        k: normalise.text(str(raw.get(k) or "")).strip()
        for k in ("name", "kind", "address", "corporate_number", "agent_qualification", "agent_number")
    }
    values["corporate_number"] = corporate_number_of(values)
    values["agent_number"] = values["agent_number"].upper().replace("-", "").replace(" ", "")
    errors: dict[str, str] = {}
    if not values["name"] or len(values["name"]) > 200:
        errors["name"] = "error.required"
    if values["kind"] not in KINDS:
        errors["kind"] = "error.required"
    if not values["address"] or len(values["address"]) > 400:
        errors["address"] = "error.required"
    bureau = bureau_for_address(values["address"]) if values["address"] else None
    if values["address"] and bureau is None:
        errors["address"] = "org.error.address_prefecture"
    is_agent = values["kind"] == "agent_office"
    # An agent's office may be a sole practitioner without a corporate number; every other kind has one.
    if values["corporate_number"] or not is_agent:
        if not corporate_number_ok(values["corporate_number"]):
            errors["corporate_number"] = "error.corporate_number"
    if is_agent:
        if values["agent_qualification"] not in AGENT_QUALIFICATIONS:
            errors["agent_qualification"] = "error.required"
        if not AGENT_NUMBER_RE.match(values["agent_number"]):
            errors["agent_number"] = "error.agent_number"
    if errors or bureau is None:
        return None, errors
    return UseApplication(
        name=values["name"],
        kind=values["kind"],
        address=values["address"],
        bureau=bureau,
        corporate_number=values["corporate_number"] or None,
        agent_qualification=values["agent_qualification"] if is_agent else None,
        agent_number=values["agent_number"] if is_agent else None,
    ), {}


def corporate_number_of(raw: Mapping[str, str]) -> str:
    """The corporate number as typed, normalised (full-width digits, hyphens and spaces as people write it)."""
    return normalise.text(str(raw.get("corporate_number") or "")).strip().replace("-", "").replace(" ", "")


# The NTA's published list (domain/corporate_number_list.py), where the operator ships one: the states that refuse.
CORPORATE_NUMBER_REFUSALS = {
    "unknown": "org.error.corporate_number_unknown",
    "closed": "org.error.corporate_number_closed",
    "deleted": "org.error.corporate_number_unknown",
}


def standing(status: str, approved_until: date | None, today: date) -> str:
    """pending | approved | refused | lapsed, by Japan's calendar day ``today``."""
    if status == APPROVED:
        return APPROVED if approved_until is not None and today <= approved_until else LAPSED
    return status


def may_file(status: str, approved_until: date | None, today: date) -> bool:
    """Only an organisation whose approval is current files (a lapsed one must be renewed first)."""
    return standing(status, approved_until, today) == APPROVED


# -- the organisation's people: whose stay ends when ------------------------------------------------
# Reminders before the period of stay expires (issue 21: 90, 60 and 30 days, once each). 90 days is also when
# an extension of a period of 6 months or more may first be filed (residence-procedures.md, row 3).
REMINDER_DAYS = (90, 60, 30)
SOON_MONTHS = 3  # the dashboard's "stay ends within 3 months"


def reminder_due(expiry: date, today: date, sent: frozenset[int] | set[int]) -> int | None:
    """The reminder to send today (days before expiry), or None. Only the nearest threshold reached is sent:
    a person added 40 days before expiry gets the 60-day reminder, never the 90-day one as well."""
    if today > expiry:
        return None
    left = (expiry - today).days
    reached = [d for d in REMINDER_DAYS if left <= d]
    if not reached:
        return None
    nearest = min(reached)
    return None if nearest in sent else nearest


def superseded(days: int) -> tuple[int, ...]:
    """The earlier thresholds a reminder stands for (marked sent with it, so they never go out late)."""
    return tuple(d for d in REMINDER_DAYS if d >= days)


def ends_soon(expiry: date | None, today: date) -> bool:
    """The stay ends within SOON_MONTHS (Japan's days), and has not already ended."""
    return expiry is not None and today <= expiry <= add_months(today, SOON_MONTHS)


# -- the person's consent for the organisation to file for them ---------------------------------------------
# Issue 21: "given from the person's own account, or recorded with a signed consent document". From the account
# it is in force until the person withdraws it there. A signed consent document (同意書) is the way for a person
# without an account of their own: ISA's organisational users file for the foreign national, whose own card and
# account are needed only when they file themself (residence-procedures.md, "Who applies"). Staff record it with
# the last day it covers, as the document says; it is in force up to that day (Japan's days) unless staff record
# its withdrawal.
# The longest a document may cover is our choice: CONSENT_DOCUMENT_YEARS, the longest period of stay there is
# (5 years, Enforcement Regulation annex table 2), so one consent never outlives the stay it was given for.
ACCOUNT, DOCUMENT, NO_CONSENT, WITHDRAWN, EXPIRED = "account", "document", "none", "withdrawn", "expired"
CONSENT_DOCUMENT_YEARS = 5


def consent_state(consent: str, document_until: date | None, today: date) -> str:
    """account | document | expired (a document past its last day) | withdrawn | none."""
    if consent == DOCUMENT and (document_until is None or today > document_until):
        return EXPIRED
    return consent if consent in (ACCOUNT, DOCUMENT, WITHDRAWN) else NO_CONSENT


def consent_in_force(consent: str, document_until: date | None, today: date) -> bool:
    return consent_state(consent, document_until, today) in (ACCOUNT, DOCUMENT)


def consent_document_until_problem(until: date | None, today: date) -> str | None:
    """Why the last day a consent document covers cannot be recorded (message key), or None."""
    if until is None:
        return "error.required"
    if until < today:
        return "org.error.consent_until_past"
    if until > add_months(today, 12 * CONSENT_DOCUMENT_YEARS):
        return "org.error.consent_until_far"
    return None

"""Who files an application: the foreign resident themself, or someone on their behalf.

Rules (residence-procedures.md, "Who applies"), each refusal a message key:
- a legal representative or relative may file only for an applicant under 16 on the submission
  date, or one declared ill (then a medical certificate must be attached);
- organisational filers (employer staff, licensed agents 申請取次, registered support
  organisations 登録支援機関, supervising organisations) name their organisation and its
  prefecture; employers, support and supervising organisations give a valid corporate number,
  licensed agents their registration / notification number;
- a COE applicant is abroad without a My Number Card: a COE is never filed by the applicant;
- Technical Intern Training type ロ (tit_*b) is filed only by the supervising organisation.
Routing: a COE goes to the bureau of the filer's (inviting organisation's / relative's) location,
everything else to the bureau of the applicant's address in Japan.
"""
from __future__ import annotations

from datetime import date

from . import statuses
from .dates import add_months
from .fields import Field

SELF = "self"
FAMILY_ROLES = ("legal_representative", "relative")
ORGANISATION_ROLES = ("employer_staff", "licensed_agent", "support_organisation", "supervising_organisation")
ROLES = (SELF,) + FAMILY_ROLES + ORGANISATION_ROLES
CORPORATE_NUMBER_ROLES = ("employer_staff", "support_organisation", "supervising_organisation")
FAMILY_AGE_LIMIT = 16
MEDICAL_CERTIFICATE = "medical_certificate"

# The person the application is for, typed by the filer (a proxy has not got the applicant's card).
APPLICANT_FIELDS = (
    Field("applicant_name", "text", max_length=200),
    Field("applicant_date_of_birth", "date"),
    Field("applicant_sex", "choice", choices=("female", "male")),
    Field("applicant_address", "text", max_length=400),
)
_RELATIONSHIP = Field("filer_relationship", "text", max_length=80)
_ILL = Field("applicant_ill", "yesno")
_ORGANISATION = Field("organisation_name", "text", max_length=200)
_ADDRESS = Field("filer_address", "text", max_length=400)
_CORPORATE = Field("filer_corporate_number", "corporate_number", max_length=20)
_QUALIFICATION = Field("agent_qualification", "choice", choices=("gyoseishoshi", "lawyer"))
_AGENT_NUMBER = Field("agent_number", "agent_number", max_length=30)


def is_proxy(role: str | None) -> bool:
    return (role or SELF) != SELF


def filer_fields(role: str) -> tuple[Field, ...]:
    """The filer section for ``role`` (nothing for self: the account is the applicant)."""
    if role in FAMILY_ROLES:
        return (_RELATIONSHIP, _ADDRESS)
    if role == "licensed_agent":
        return (_QUALIFICATION, _ORGANISATION, _ADDRESS, _AGENT_NUMBER)
    if role in CORPORATE_NUMBER_ROLES:
        return (_ORGANISATION, _ADDRESS, _CORPORATE)
    return ()


def applicant_fields(role: str) -> tuple[Field, ...]:
    """The applicant section: their identity, and for a family filer whether they are ill (asked
    next to the date of birth, which decides whether it matters)."""
    return APPLICANT_FIELDS + ((_ILL,) if role in FAMILY_ROLES else ())


def under_age(date_of_birth: date, on: date, age: int = FAMILY_AGE_LIMIT) -> bool:
    """Whether someone born on ``date_of_birth`` is younger than ``age`` on ``on``.

    The birthday anniversary counts (16 years after a 29 February is always a leap year).
    """
    return on < add_months(date_of_birth, 12 * age)


def role_problems(procedure: str, role: str | None, status_codes: dict[str, str | None]) -> list[tuple[str, str]]:
    """Problems with who files this procedure. ``status_codes``: form field -> status code
    (current and/or desired); a status reserved to one filer role (tit_*b) binds either way."""
    role = role or SELF
    if role not in ROLES:
        return [("filer_role", "error.choice")]
    out = []
    if procedure == "coe" and role == SELF:
        out.append(("filer_role", "filer.coe_not_self"))
    for field_name, code in status_codes.items():
        status = statuses.get(code)
        if status is not None and status.filed_by and role != status.filed_by:
            out.append((field_name, status.excluded_reason or "eligibility.status_excluded"))
    return out


def identity_problems(role: str | None, values: dict, today: date) -> list[tuple[str, str]]:
    """Problems with the applicant's identity and the filer section (cleaned values)."""
    if not is_proxy(role):
        return []
    out = []
    dob = values.get("applicant_date_of_birth")
    if isinstance(dob, date) and dob > today:
        out.append(("applicant_date_of_birth", "error.date_in_future"))
    elif role in FAMILY_ROLES and isinstance(dob, date) and not under_age(dob, today) and values.get("applicant_ill") == "no":
        out.append(("applicant_ill", "filer.family_needs_minor_or_illness"))
    return out


def needs_medical_certificate(role: str | None, values: dict, today: date) -> bool:
    """A relative or representative filing for an applicant of 16 or over declared ill must prove it."""
    dob = values.get("applicant_date_of_birth")
    return (role in FAMILY_ROLES and values.get("applicant_ill") == "yes"
            and isinstance(dob, date) and not under_age(dob, today))


def routing_address(procedure: str, role: str | None, account_address: str, values: dict) -> str | None:
    """The address whose prefecture picks the bureau (see the module docstring)."""
    if procedure == "coe":
        return values.get("filer_address")
    if is_proxy(role):
        return values.get("applicant_address")
    return account_address


def routing_field(procedure: str, role: str | None) -> str:
    """The form field to point at when the routing address names no prefecture."""
    if procedure == "coe":
        return "filer_address"
    return "applicant_address" if is_proxy(role) else "address"


def filer_record(role: str, holder: dict, values: dict) -> dict:
    """The filer part of the signed document: who signs (their card's identity) and as what."""
    record = {"role": role, "holder": holder}
    for f in filer_fields(role):
        if values.get(f.name) is not None:
            record[f.name] = values[f.name]
    return record


def applicant_record(values: dict) -> dict:
    """The applicant's identity as the filer entered it (signed in the document's ``applicant``)."""
    out = {"name": values.get("applicant_name"), "date_of_birth": values.get("applicant_date_of_birth"),
           "sex": values.get("applicant_sex"), "address": values.get("applicant_address"),
           "nationality": values.get("nationality"), "ill": values.get("applicant_ill")}
    if values.get("card_number"):
        out["card_number"] = values["card_number"]
    return {k: v for k, v in out.items() if v is not None}


def organisation_number(role: str, values: dict) -> str | None:
    """The number that identifies an organisational filer (corporate or agent number)."""
    if role == "licensed_agent":
        return values.get("agent_number")
    if role in CORPORATE_NUMBER_ROLES:
        return values.get("filer_corporate_number")
    return None

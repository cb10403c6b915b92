"""Who files an application: the foreign resident themself, or someone on their behalf.

Rules, each refusal a message key (sources: residence-procedures.md, "Who applies"; ISA's table
"利用者ごとの申請可能な手続", www.moj.go.jp/isa/content/001369137.pdf; ISA's online Q&A A1-1,
www.moj.go.jp/isa/applications/online/online-QA.html):
- PROCEDURES_BY_ROLE below is ISA's table, procedure by procedure (a bundled re-entry or activity
  permit must be open to the filer too);
- a relative (spouse, child, father or mother, not a legal representative) files a change,
  extension, acquisition or re-entry only for an applicant under 16 on the submission date, or
  one who cannot file because of illness (then a medical certificate is attached); a COE they may
  file for the family member they invite; an employment certificate or an activity permit never;
- legal representatives and licensed agents file every procedure with no age or illness condition;
- a registered support organisation files only for Specified Skilled Worker (i), and only when the
  receiving organisation named in the application asked it to, having entrusted it with the whole
  support plan (SUPPORT_ENTRUSTED, asked in the employer section); a supervising organisation only for
  Technical Intern Training type ロ, which only it may file;
- the applicant files themself (a COE too) only as a mid-to-long-term resident of 15 or over
  (not Diplomat, Official, Temporary Visitor, nor a period of stay of 3 months or less);
- organisational filers name their organisation and its address; employers, support and
  supervising organisations give a valid corporate number, licensed agents their number.
Routing (which bureau and office) is routing.py's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from zairyu_shared import ages

from . import statuses
from .fields import Field
from .refusal import Refusal

SELF = "self"
FAMILY_ROLES = ("legal_representative", "relative")
ORGANISATION_ROLES = ("employer_staff", "licensed_agent", "support_organisation", "supervising_organisation")
ROLES = (SELF,) + FAMILY_ROLES + ORGANISATION_ROLES
CORPORATE_NUMBER_ROLES = ("employer_staff", "support_organisation", "supervising_organisation")
FAMILY_AGE_LIMIT = 16  # a relative files for an applicant under 16 (ISA's table, note 3)
SELF_MIN_AGE = 15  # the applicant may not file themself under 15 (residence-procedures.md, "Who applies")
SHORT_STAY_MONTHS = 3  # a period of stay of 3 months or less is not a mid-to-long-term resident's
MEDICAL_CERTIFICATE = "medical_certificate"

# ISA's table, per procedure. YES: may file; MINOR_OR_ILL: only for an applicant under 16 or ill; NO: may not.
YES, MINOR_OR_ILL, NO = "yes", "minor_or_ill", "no"
_ALL_YES = {
    p: YES
    for p in (
        "coe",
        "change",
        "extension",
        "acquisition",
        "employment_certificate",
        "reentry",
        "activity_outside_status",
    )
}
PROCEDURES_BY_ROLE: dict[str, dict[str, str]] = {
    SELF: dict(_ALL_YES),
    "legal_representative": dict(_ALL_YES),
    "relative": {
        "coe": YES,
        "change": MINOR_OR_ILL,
        "extension": MINOR_OR_ILL,
        "acquisition": MINOR_OR_ILL,
        "employment_certificate": NO,
        "activity_outside_status": NO,
        "reentry": MINOR_OR_ILL,
    },
    "licensed_agent": dict(_ALL_YES),
    # Organisational users file procedures 1-5 and the permits bundled with 2-4 (ISA's overview of
    # online filing for organisations, www.moj.go.jp/content/001358967.pdf).
    "employer_staff": dict(_ALL_YES),
    "support_organisation": dict(_ALL_YES),
    "supervising_organisation": dict(_ALL_YES),
}
# Roles whose standing covers only some statuses (the status the application is about): a registered
# support organisation only Specified Skilled Worker (i) (residence-procedures.md; ISA's usage guide for
# organisations, 2020-07: support plan of 特定技能1号 entrusted under art. 2-5(5)); a supervising
# organisation only group-type Technical Intern Training (ISA's Q&A A1-1 (5)).
STATUSES_BY_ROLE: dict[str, tuple[str, ...]] = {
    "support_organisation": ("ssw_1",),
    "supervising_organisation": ("tit_1b", "tit_2b", "tit_3b"),
}
# A registered support organisation files only when the receiving organisation asked it to (ISA's online Q&A A1-1
# note 4: "所属機関から依頼を受けていること"; residence-procedures.md, "Who applies": "only when asked by the
# receiving organisation"), being the organisation entrusted with the whole 1号特定技能外国人支援計画 under art. 2-5(5)
# of the Act (ISA's usage guide for organisations, 2020-07). The filer declares it, signed, next to the receiving
# organisation the application names; "no" is refused (form.validate_section).
SUPPORT_ENTRUSTED = "support_entrusted_by_employer"
ROLE_STATUS_REFUSAL = {
    "support_organisation": "filer.support_organisation_ssw1_only",
    "supervising_organisation": "filer.supervising_organisation_tit_only",
}

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


def applicant_fields(role: str, procedure: str | None = None) -> tuple[Field, ...]:
    """The applicant section: their identity, and, where a relative's standing depends on it, whether
    the applicant is ill (asked next to the date of birth, which decides whether it matters)."""
    asks_ill = role == "relative" and (
        procedure is None or PROCEDURES_BY_ROLE["relative"].get(procedure) == MINOR_OR_ILL
    )
    return APPLICANT_FIELDS + ((_ILL,) if asks_ill else ())


def under_age(date_of_birth: date, on: date, age: int = FAMILY_AGE_LIMIT) -> bool:
    """Whether someone born on ``date_of_birth`` is younger than ``age`` on ``on``, as Japanese law counts age
    (zairyu_shared.ages: from the anniversary; a 29 February birthday from 1 March in a common year)."""
    return ages.under_age(date_of_birth, on, age)


def _governing(status_codes: Mapping[str, str | None]) -> str | None:
    return status_codes.get("desired_status") or status_codes.get("current_status")


def role_problems(
    procedure: str, role: str | None, status_codes: Mapping[str, str | None], bundled: tuple[str, ...] = ()
) -> list[tuple[str, str]]:
    """Problems with who files this procedure. ``status_codes``: form field -> status code
    (current and/or desired). A status reserved to one filer role (tit_*b) binds through the status the
    application is for (the desired one, else the current one): ISA's table of statuses says of 技能実習
    (団体監理型) "オンラインでの申請は監理団体からのみ" (www.moj.go.jp/isa/content/001351658.pdf), an
    application for that status. Leaving it (a change from type ロ to Specified Skilled Worker (i), the
    usual next step after Technical Intern Training (ii)) is an application for the new status, filed by the
    new receiving organisation, its support organisation, an agent or the person; the supervising
    organisation has no standing in it. (Binding either way refused that change to every filer.)"""
    role = role or SELF
    if role not in ROLES:
        return [("filer_role", "error.choice")]
    out: list[tuple[str, str]] = []
    allowed = PROCEDURES_BY_ROLE[role]
    if allowed.get(procedure) == NO:
        out.append(("filer_role", "filer.role_not_for_procedure"))
    if any(allowed.get(item) == NO for item in bundled):
        out.append(("bundled", "filer.role_not_for_procedure"))
    governing = _governing(status_codes)
    status = statuses.get(governing) if governing else None
    if status is not None and status.filed_by and role != status.filed_by:
        field_name = "desired_status" if status_codes.get("desired_status") else "current_status"
        out.append((field_name, status.excluded_reason or "eligibility.status_excluded"))
    if role in STATUSES_BY_ROLE and governing and governing not in STATUSES_BY_ROLE[role]:
        out.append(("filer_role", ROLE_STATUS_REFUSAL[role]))
    return out


def _minor_or_ill_applies(role: str | None, procedure: str | None, bundled: tuple[str, ...] = ()) -> bool:
    """Whether the filer's standing depends on the applicant being under 16 or ill (relatives only)."""
    rules = PROCEDURES_BY_ROLE.get(role or SELF, {})
    if procedure is None:  # callers that do not say: a relative's usual case
        return role == "relative"
    return any(rules.get(item) == MINOR_OR_ILL for item in (procedure, *bundled))


def identity_problems(
    role: str | None,
    values: Mapping[str, Any],
    today: date,
    procedure: str | None = None,
    bundled: tuple[str, ...] = (),
) -> list[tuple[str, str]]:
    """Problems with the applicant's identity and the filer section (cleaned values)."""
    if not is_proxy(role):
        return []
    out: list[tuple[str, str]] = []
    dob = values.get("applicant_date_of_birth")
    if isinstance(dob, date) and dob > today:
        out.append(("applicant_date_of_birth", "error.date_in_future"))
    elif (
        _minor_or_ill_applies(role, procedure, bundled)
        and isinstance(dob, date)
        and not under_age(dob, today)
        and values.get("applicant_ill") != "yes"
    ):
        out.append(("applicant_ill", "filer.family_needs_minor_or_illness"))
    return out


def needs_medical_certificate(
    role: str | None,
    values: Mapping[str, Any],
    today: date,
    procedure: str | None = None,
    bundled: tuple[str, ...] = (),
) -> bool:
    """A relative filing for an applicant of 16 or over declared ill must prove it."""
    dob = values.get("applicant_date_of_birth")
    return (
        _minor_or_ill_applies(role, procedure, bundled)
        and values.get("applicant_ill") == "yes"
        and isinstance(dob, date)
        and not under_age(dob, today)
    )


def self_problems(
    role: str | None, born: date | None, current_status: str | None, period_months: int | None, today: date
) -> list[tuple[str, str]]:
    """Whether the applicant may file themself: 15 or over, and a mid-to-long-term resident."""
    if is_proxy(role):
        return []
    out: list[tuple[str, str]] = []
    if born is not None and under_age(born, today, SELF_MIN_AGE):
        out.append(("filer_role", Refusal("filer.self_under_15", ages.age_reached_on(born, SELF_MIN_AGE))))
    status = statuses.get(current_status)
    if (status is not None and not status.mid_to_long_term) or (
        period_months is not None and period_months <= SHORT_STAY_MONTHS
    ):
        out.append(("filer_role", "filer.self_not_mid_to_long_term"))
    return out


def filer_record(role: str, holder: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """The filer part of the signed document: who signs (their card's identity) and as what."""
    record: dict[str, Any] = {"role": role, "holder": holder}
    for f in filer_fields(role):
        if values.get(f.name) is not None:
            record[f.name] = values[f.name]
    return record


def applicant_record(values: Mapping[str, Any]) -> dict[str, Any]:
    """The applicant's identity as the filer entered it (signed in the document's ``applicant``)."""
    out = {
        "name": values.get("applicant_name"),
        "date_of_birth": values.get("applicant_date_of_birth"),
        "sex": values.get("applicant_sex"),
        "address": values.get("applicant_address"),
        "nationality": values.get("nationality"),
        "ill": values.get("applicant_ill"),
    }
    if values.get("card_number"):
        out["card_number"] = values["card_number"]
    return {k: v for k, v in out.items() if v is not None}


def organisation_number(role: str, values: Mapping[str, Any]) -> str | None:
    """The number that identifies an organisational filer (corporate or agent number)."""
    if role == "licensed_agent":
        return values.get("agent_number")
    if role in CORPORATE_NUMBER_ROLES:
        return values.get("filer_corporate_number")
    return None

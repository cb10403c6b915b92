"""The application form: sections mirroring the official form, and validation of a whole form.

When the applicant files themself, name, date of birth, sex and address are not asked: they come
from the applicant's verified signature certificate (the account). When someone files on their
behalf (filers.py), the applicant's identity is typed in (section "applicant") and the filer
describes themself (section "filer"); the filer's own identity is their card's. The Individual
Number is never asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from zairyu_shared import deliverables

from . import filers, procedures, statuses, timing
from .fields import Field, clean

STATUS_CODES = tuple(s.code for s in statuses.STATUSES)

SECTIONS: dict[str, tuple[Field, ...]] = {
    "personal": (
        Field("nationality", "country", max_length=80),
        Field("place_of_birth", "text", max_length=120),
        Field("marital_status", "choice", choices=("single", "married", "widowed", "divorced")),
        Field("occupation", "text", max_length=120),
        Field("home_town", "text", max_length=200),
        Field("phone", "phone", max_length=20),
        Field("passport_number", "passport", max_length=20),
        Field("passport_expiry", "date"),
    ),
    "stay": (
        Field("current_status", "choice", choices=STATUS_CODES),
        Field("period_of_stay", "period", max_length=40),
        Field("period_expiry", "date"),
        Field("card_number", "card_number", max_length=20),
        # An extension filed before its window: the special reason the bureau weighs (timing.py).
        Field("early_filing_reason", "multiline", required=False, max_length=2000),
    ),
    "request": (
        Field("desired_status", "choice", choices=STATUS_CODES),
        Field("desired_period", "period", max_length=40),
        Field("reason", "multiline", max_length=4000),
        Field("criminal_record", "yesno"),
        Field("criminal_record_detail", "multiline", required=False, max_length=2000),
        Field("family_in_japan", "multiline", required=False, max_length=4000),
        # How the new card reaches the applicant (procedures issuing one): signed with the rest of the form.
        Field("card_receipt", "choice", choices=("post", "counter"), default="post"),
        # Asked for a card procedure (zairyu_shared.deliverables; "yes" only from 2026-06-14): the new
        # card as a specified residence card, which is also the My Number Card.
        Field("specified_card", "choice", choices=("no", "yes"), default="no"),
        # How a COE reaches the filer (since 2023-03-17 by e-mail when chosen at filing) and how the
        # employment certificate does: signed with the rest of the form.
        Field("coe_delivery", "choice", choices=("email", "paper"), default="email"),
        Field("certificate_delivery", "choice", choices=("pdf", "paper"), default="pdf"),
    ),
    "employer": (
        Field("employer_name", "text", max_length=200),
        Field("corporate_number", "corporate_number", required=False, max_length=20),
        Field("employer_address", "text", max_length=400),
        Field("employer_phone", "phone", max_length=20),
        Field("industry", "industry", max_length=120),
        Field("capital_yen", "integer", required=False, max_length=20, minimum=0),
        Field("annual_sales_yen", "integer", required=False, max_length=20, minimum=0),
        Field("employees", "integer", max_length=9, minimum=1),
        Field("foreign_employees", "integer", required=False, max_length=9, minimum=0),
        Field("job_description", "multiline", max_length=2000),
        Field("contract_from", "date"),
        Field("contract_to", "date", required=False),
        Field("monthly_salary_yen", "integer", max_length=12, minimum=0),
        # Asked of a registered support organisation only (filers.SUPPORT_ENTRUSTED).
        Field(filers.SUPPORT_ENTRUSTED, "yesno"),
    ),
    "school": (
        Field("school_name", "text", max_length=200),
        Field("course", "text", max_length=200),
        Field("enrolment_from", "date"),
        Field("enrolment_to", "date"),
        Field("weekly_hours", "integer", max_length=3, minimum=0, maximum=80),
        Field("costs_paid_by", "choice", choices=("self", "family", "scholarship", "other")),
    ),
    "supporting_person": (
        Field("supporter_name", "text", max_length=200),
        Field("supporter_relationship", "text", max_length=80),
        Field("supporter_date_of_birth", "date"),
        Field("supporter_nationality", "country", max_length=80),
        Field("supporter_status", "choice", choices=STATUS_CODES + ("japanese_national",)),
        Field("supporter_card_number", "card_number", required=False, max_length=20),
        Field("supporter_annual_income_yen", "integer", max_length=12, minimum=0),
    ),
    "activity": (
        Field("organisation_name", "text", required=False, max_length=200),
        Field("activity_description", "multiline", max_length=2000),
    ),
    # Designated Activities under a public notice (its number) or outside any notice (告示外), described in
    # the activity section (residence-procedures.md, "The seven procedures").
    "designated": (
        Field("designated_basis", "choice", choices=statuses.DESIGNATED_BASES, default="notice"),
        Field("notice_number", "integer", required=False, max_length=3, minimum=1, maximum=99),
    ),
    # A COE whose status has no employer section: where the receiving organisation (school...) or the
    # inviting relative is, which decides the bureau (routing.py).
    "inviter": (Field("inviter_address", "text", max_length=400),),
    # Before proxy filing, a COE asked the account holder about the person invited; the applicant
    # section replaced it (kept so old drafts' labels still resolve).
    "invitee": (
        Field("invitee_name", "text", max_length=200),
        Field("invitee_date_of_birth", "date"),
        Field("invitee_nationality", "country", max_length=80),
        Field("invitee_sex", "choice", choices=("female", "male")),
    ),
    "event": (
        Field("event_kind", "choice", choices=("birth", "loss_of_nationality", "other")),
        Field("event_date", "date"),
    ),
    # Filing on someone else's behalf: the filer section's fields depend on the role (filers.filer_fields).
    "filer": tuple({f.name: f for role in filers.ROLES for f in filers.filer_fields(role)}.values()),
    "applicant": filers.applicant_fields("relative"),
    "reentry": (
        Field("reentry_type", "choice", choices=("single", "multiple")),
        Field("reentry_reason", "text", max_length=400),
    ),
    "activity_outside_status": (
        Field("outside_activity", "multiline", max_length=2000),
        Field("outside_employer", "text", max_length=200),
        Field("outside_hours_per_week", "integer", max_length=2, minimum=1, maximum=28),
    ),
}
FIELDS = {f.name: f for section in SECTIONS.values() for f in section}
# Asked only when a status is sought (COE, change, acquisition).
_REQUEST_DESIRED = {"desired_status", "desired_period"}
_CARD_ONLY = {"card_receipt", "specified_card"}
# A delivery choice is asked only for its own procedure.
_DELIVERY_CHOICE_OF = {"coe_delivery": "coe", "certificate_delivery": "employment_certificate"}


@dataclass(frozen=True)
class Choice:
    procedure: str
    bundled: tuple[str, ...] = ()
    filer_role: str = filers.SELF


def sections_for(choice: Choice, governing_status: str | None) -> list[str]:
    """The form's sections, in order, for this procedure and status."""
    out = ["filer", "applicant"] if filers.is_proxy(choice.filer_role) else []
    out.append("personal")
    if procedures.needs_current_status(choice.procedure):
        out.append("stay")
    if choice.procedure == "acquisition":
        out.append("event")
    out.append("request")
    status = statuses.get(governing_status)
    if status:
        out.extend(s for s in status.sections if s not in out)
    if choice.procedure == "coe" and "employer" not in out:
        out.append("inviter")
    out.extend(b for b in choice.bundled if b in SECTIONS)
    return out


def fields_for(choice: Choice, section: str) -> tuple[Field, ...]:
    if section == "filer":
        return filers.filer_fields(choice.filer_role)
    if section == "applicant":
        return filers.applicant_fields(choice.filer_role, choice.procedure)
    fields = SECTIONS[section]
    if section == "stay" and choice.procedure != "extension":
        fields = tuple(f for f in fields if f.name != "early_filing_reason")
    if section == "request":
        keep_desired = procedures.needs_desired_status(choice.procedure)
        keep_card = procedures.issues_residence_card(choice.procedure)
        fields = tuple(
            f
            for f in fields
            if (keep_desired or f.name not in _REQUEST_DESIRED)
            and (keep_card or f.name not in _CARD_ONLY)
            and _DELIVERY_CHOICE_OF.get(f.name, choice.procedure) == choice.procedure
        )
    if section == "employer" and choice.filer_role != "support_organisation":
        fields = tuple(f for f in fields if f.name != filers.SUPPORT_ENTRUSTED)
    return fields


def _governing(choice: Choice, raw: Mapping[str, Any]) -> str | None:
    """The status the application is about: the one sought, else the one held."""
    return raw.get("desired_status") if procedures.needs_desired_status(choice.procedure) else raw.get("current_status")


def validate_section(choice: Choice, section: str, raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(cleaned values, {field: error key}) for one section."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in fields_for(choice, section):
        value, error = clean(f, raw.get(f.name))
        if value is not None:
            values[f.name] = value
        if error:
            errors[f.name] = error
    if section == "request" and values.get("criminal_record") == "yes" and not values.get("criminal_record_detail"):
        errors["criminal_record_detail"] = "error.required"
    if (
        section == "supporting_person"
        and _governing(choice, raw) == "dependent"
        and values.get("supporter_status") not in (None, *statuses.DEPENDENT_SUPPORTERS)
    ):
        errors.setdefault("supporter_status", "eligibility.dependent_supporter_status")
    if section == "employer" and values.get(filers.SUPPORT_ENTRUSTED) == "no":
        errors[filers.SUPPORT_ENTRUSTED] = "filer.support_organisation_not_entrusted"
    if section == "designated" and values.get("designated_basis") == "notice" and "notice_number" not in values:
        errors.setdefault("notice_number", "error.required")
    if section == "stay":
        status = statuses.get(values.get("current_status"))
        if status is not None and not status.has_period_of_stay:  # permanent residents: nothing expires
            for name in ("period_of_stay", "period_expiry"):
                if errors.get(name) == "error.required":
                    del errors[name]
    _check_ranges(values, errors, ("contract_from", "contract_to"), ("enrolment_from", "enrolment_to"))
    return values, errors


def _check_ranges(values: Mapping[str, Any], errors: dict[str, str], *pairs: tuple[str, str]) -> None:
    for start, end in pairs:
        a, b = values.get(start), values.get(end)
        if isinstance(a, date) and isinstance(b, date) and b < a:
            errors[end] = "error.end_before_start"


def request_of(choice: Choice, values: dict[str, Any], filer_born: date | None = None) -> procedures.Request:
    notice = values.get("notice_number")
    return procedures.Request(
        procedure=choice.procedure,
        bundled=tuple(choice.bundled),
        current_status=values.get("current_status"),
        desired_status=values.get("desired_status"),
        period_expiry=values.get("period_expiry"),
        event_date=values.get("event_date"),
        filer_role=choice.filer_role,
        period_of_stay_months=timing.period_months(values.get("period_of_stay")),
        early_filing_reason=values.get("early_filing_reason"),
        designated_basis=values.get("designated_basis"),
        notice_number=notice if isinstance(notice, int) else None,
        filer_born=filer_born,
    )


def verdict(choice: Choice, values: dict[str, Any], today: date, filer_born: date | None = None) -> procedures.Verdict:
    """The eligibility verdict of cleaned values (its flags go to the examiner with the submission)."""
    return procedures.check(request_of(choice, values, filer_born), today)


def validate(
    choice: Choice, raw: Mapping[str, Any], today: date, filer_born: date | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate the whole form and the eligibility rules. Returns (values, {field: error key}).
    ``filer_born``: the account holder's date of birth (the applicant's own standing when self-filing)."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for section in sections_for(choice, _governing(choice, raw)):
        v, e = validate_section(choice, section, raw)
        values.update(v)
        errors.update(e)
    if (
        "passport_expiry" in values
        and isinstance(values["passport_expiry"], date)
        and values["passport_expiry"] < today
    ):
        errors.setdefault("passport_expiry", "error.passport_expired")
    if values.get("specified_card") == "yes" and not deliverables.specified_card_offered(choice.procedure, today):
        errors.setdefault("specified_card", "error.choice")  # not an option before 2026-06-14
    found = verdict(choice, values, today, filer_born)
    for field_name, key in found.problems + filers.identity_problems(
        choice.filer_role, values, today, choice.procedure, tuple(choice.bundled)
    ):
        errors.setdefault(field_name, key)
    return values, errors

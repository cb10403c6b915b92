"""Words shown from data (statuses, procedures, roles, history kinds), marked for translation."""


def _(text):  # marker only: pybabel extracts these; templates translate at render time
    return text


LABELS = [
    # who did a step that no officer did (case_history.actor), and a step's kinds only the system records
    _("system"),
    _("applicant"),
    _("card-delivery"),
    _("documents_after_close"),
    _("received"),
    _("under_examination"),
    _("documents_requested"),
    _("documents_answered"),
    _("decision_proposed"),
    _("approved"),
    _("refused"),
    _("withdrawn"),
    _("coe"),
    _("change"),
    _("extension"),
    _("acquisition"),
    _("employment_certificate"),
    _("examiner"),
    _("supervisor"),
    _("bureau_admin"),
    _("auditor"),
    _("claimed"),
    _("assigned"),
    _("documents_submitted"),
    _("correction_requested"),
    _("withdrawal_requested"),
    _("address_mismatch"),
    _("examination_resumed"),
    _("proposal_returned"),
    _("decision_confirmed"),
    _("withdrawal_acknowledged"),
    _("withdrawal_after_close"),
    _("ok"),
    _("due"),
    _("overdue"),
    _("withdrawal_signature_invalid"),
    _("invalid"),
    _("signature"),
    _("handed_over"),
    # who filed on the applicant's behalf (application.submitted's filer)
    _("legal_representative"),
    _("relative"),
    _("employer_staff"),
    _("licensed_agent"),
    _("support_organisation"),
    _("supervising_organisation"),
    _("gyoseishoshi"),
    _("lawyer"),
    # the official form's fields as signed (the case page shows them by their Japanese names)
    _("nationality"),
    _("place_of_birth"),
    _("marital_status"),
    _("occupation"),
    _("home_town"),
    _("phone"),
    _("passport_number"),
    _("passport_expiry"),
    _("current_status"),
    _("period_of_stay"),
    _("period_expiry"),
    _("card_number"),
    _("desired_status"),
    _("desired_period"),
    _("reason"),
    _("criminal_record"),
    _("criminal_record_detail"),
    _("family_in_japan"),
    _("card_receipt"),
    _("employer_name"),
    _("corporate_number"),
    _("employer_address"),
    _("employer_phone"),
    _("industry"),
    _("capital_yen"),
    _("annual_sales_yen"),
    _("employees"),
    _("foreign_employees"),
    _("job_description"),
    _("contract_from"),
    _("contract_to"),
    _("monthly_salary_yen"),
    _("school_name"),
    _("course"),
    _("enrolment_from"),
    _("enrolment_to"),
    _("weekly_hours"),
    _("costs_paid_by"),
    _("supporter_name"),
    _("supporter_relationship"),
    _("supporter_date_of_birth"),
    _("supporter_nationality"),
    _("supporter_status"),
    _("supporter_card_number"),
    _("supporter_annual_income_yen"),
    _("organisation_name"),
    _("activity_description"),
    _("notice_number"),
    _("invitee_name"),
    _("invitee_date_of_birth"),
    _("invitee_nationality"),
    _("invitee_sex"),
    _("event_kind"),
    _("event_date"),
    _("filer_relationship"),
    _("filer_address"),
    _("filer_corporate_number"),
    _("agent_qualification"),
    _("agent_number"),
    _("applicant_name"),
    _("applicant_date_of_birth"),
    _("applicant_sex"),
    _("applicant_address"),
    _("applicant_ill"),
    _("reentry_type"),
    _("reentry_reason"),
    _("outside_activity"),
    _("outside_employer"),
    _("outside_hours_per_week"),
    _("name"),
    _("date_of_birth"),
    _("sex"),
    _("address"),
]


# The official form's parts (review.domain.form_order), headed on the case page.
PART_TITLES = {
    "identity": _("Applicant (numbers 1-10 of the official form)"),
    "stay": _("Present status of residence and residence card (11-12)"),
    "event": _("Event giving rise to the application"),
    "request": _("Application (13-16)"),
    "employer": _("Organisation of affiliation (employer)"),
    "school": _("School"),
    "supporting_person": _("Supporting person"),
    "activity": _("Activity"),
    "designated": _("Designated activities"),
    "invitee": _("Person invited"),
    "reentry": _("Re-entry permit"),
    "activity_outside_status": _("Permission to engage in activity other than that permitted"),
    "filer": _("Legal representative / agent"),
    "other": _("Other entries"),
}


# The form's choice fields: what each signed code means, by field (the same code can mean different
# things: "single" is a marital status and a re-entry permit).
CHOICES = {
    "marital_status": {
        "single": _("Unmarried"),
        "married": _("Married"),
        "widowed": _("Widowed"),
        "divorced": _("Divorced"),
    },
    "card_receipt": {"post": _("by post"), "counter": _("at the counter")},
    "costs_paid_by": {
        "self": _("The applicant"),
        "family": _("Family"),
        "scholarship": _("Scholarship"),
        "other": _("Other"),
    },
    "invitee_sex": {"female": _("Female"), "male": _("Male")},
    "event_kind": {"birth": _("Birth"), "loss_of_nationality": _("Loss of Japanese nationality"), "other": _("Other")},
    "reentry_type": {"single": _("Single re-entry"), "multiple": _("Multiple re-entry")},
    "yesno": {"yes": _("Yes"), "no": _("No")},
    "supporter_status": {"japanese_national": _("Japanese national")},
}
CHOICES["applicant_sex"] = CHOICES["invitee_sex"]
# The registered identity's sex as the certificate's holder record gives it (M/F, or the JPKI code: 1 male,
# 2 female; jpki-card.md, signature certificate attribute .3) or as a form typed it.
CHOICES["sex"] = {**CHOICES["invitee_sex"], "M": _("Male"), "F": _("Female"), "1": _("Male"), "2": _("Female")}
CHOICES["specified_card"] = CHOICES["yesno"]
CHOICES["criminal_record"] = CHOICES["applicant_ill"] = CHOICES["yesno"]
STATUS_FIELDS = ("current_status", "desired_status", "supporter_status")
# Coded values from the shared vocabulary: ISO 3166 nationalities (names from CLDR via Babel), periods of
# stay as ISO 8601 durations (named as the card writes them, 1年3月), the JSIC industry letter.
NATIONALITY_FIELDS = ("nationality", "supporter_nationality", "invitee_nationality")
PERIOD_FIELDS = ("period_of_stay", "desired_period")
INDUSTRY_FIELDS = ("industry",)


def page_language() -> str:
    """The request's language, looked up once (a queue page asks on every row); kept in ``g`` beside
    Flask-Babel's own choice of locale, so both live exactly as long."""
    from flask import g
    from flask_babel import get_locale

    language = g.get("page_language")
    if language is None:
        language = g.page_language = str(get_locale() or "ja")
    return language


def status_label(code: str | None) -> str:
    """A status of residence by its official name (English in the English UI), never by code."""
    from zairyu_shared.events.vocabulary import status_name

    return status_name(code, page_language())


def choice_labels() -> dict[str, dict[str, str]]:
    """{field: {signed code: what the officer reads}} in the page's language; statuses of residence by
    their official names (the contract's vocabulary)."""
    from flask_babel import gettext

    from zairyu_shared.events.vocabulary import STATUSES_OF_RESIDENCE

    out = {field: {code: gettext(label) for code, label in codes.items()} for field, codes in CHOICES.items()}
    for field in STATUS_FIELDS:
        out[field] = {**{code: status_label(code) for code in STATUSES_OF_RESIDENCE}, **out.get(field, {})}
    out.update(_coded_values(page_language()))
    return out


class _CountryNames(dict[str, str]):
    """{ISO code: name}; ``get`` also finds the name of a nationality an older application carries as the
    applicant typed it ("Viet Nam", "ベトナム": zairyu_shared.countries), so the officer reads ベトナム either way."""

    def get(self, key, default=None):  # type: ignore[override]
        found = super().get(key)
        if found is None and isinstance(key, str):
            from zairyu_shared.countries import code_for

            code = code_for(key)
            found = super().get(code) if code else None
        return default if found is None else found


_CODED: dict[str, dict[str, dict[str, str]]] = {}


def country_name(value: str | None) -> str:
    """A nationality by its name in the page's language: an ISO code (as applications carry it) or a name an
    older application carries as typed; what names no country stays as written."""
    if not value:
        return ""
    return _coded_values(page_language())["nationality"].get(value, value)


def _coded_values(language: str) -> dict[str, dict[str, str]]:
    """Nationality, period and industry codes by name in ``language`` (built once per language)."""
    found = _CODED.get(language)
    if found is None:
        from babel import Locale

        from zairyu_shared.events.vocabulary import INDUSTRIES, PERIODS_OF_STAY, period_name_ja

        japanese = language.startswith("ja")
        countries = _CountryNames(
            (code, name)
            for code, name in Locale.parse("ja" if japanese else "en").territories.items()
            if len(code) == 2 and code.isalpha()  # ISO 3166-1 alpha-2, not CLDR's numeric regions
        )
        periods = {code: period_name_ja(code) for code in PERIODS_OF_STAY}
        industries = {code: (ja if japanese else en) for code, (ja, en) in INDUSTRIES.items()}
        found = _CODED[language] = {
            **dict.fromkeys(NATIONALITY_FIELDS, countries),
            **dict.fromkeys(PERIOD_FIELDS, periods),
            **dict.fromkeys(INDUSTRY_FIELDS, industries),
        }
    return found


# The catalogues are compiled files that do not change while the process runs: one dict per language.
_TRANSLATED: dict[str, dict[str, str]] = {}


def translated() -> dict[str, str]:
    """All data words in the page's language (read-only), built once per language instead of per page."""
    language = page_language()
    words = _TRANSLATED.get(language)
    if words is None:
        from flask_babel import gettext

        words = _TRANSLATED[language] = {key: gettext(key) for key in LABELS}
    return words

"""Visible names of procedures, sections, fields, choices and timeline steps (translated)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

from intake.domain import countries, statuses
from zairyu_shared import glossary
from zairyu_shared.events.vocabulary import DOCUMENT_KINDS, INDUSTRIES, PERIODS_OF_STAY
from zairyu_shared.events.vocabulary import OFFICES as OFFICE_VOCABULARY

PROCEDURES = {
    "coe": _l("Certificate of Eligibility"),
    "change": _l("Change of status of residence"),
    "extension": _l("Extension of period of stay"),
    "acquisition": _l("Acquisition of status of residence"),
    "employment_certificate": _l("Certificate of authorised employment"),
    "reentry": _l("Re-entry permit"),
    "activity_outside_status": _l("Permission for activity outside status"),
}
# The paper document itself, by post (document.delivered/returned's ``kind``): in Japanese 在留資格認定証明書 and
# 就労資格証明書, not the application for it (交付申請) that PROCEDURES names with the same English words.
DOCUMENTS = {
    "coe": _lp("paper document", "Certificate of Eligibility"),
    "employment_certificate": _lp("paper document", "Certificate of authorised employment"),
}
SECTIONS = {
    "personal": _l("About you"),
    "stay": _l("Your current stay"),
    "request": _l("Your request"),
    "employer": _l("Employer and work"),
    "school": _l("School"),
    "supporting_person": _l("Supporting person"),
    "activity": _l("Activity in Japan"),
    "designated": _l("Designated activity"),
    "invitee": _l("Person invited"),
    "inviter": _l("Receiving organisation or inviting relative"),
    "event": _l("Birth or other event"),
    "reentry": _l("Re-entry permit"),
    "activity_outside_status": _l("Activity outside status"),
    "filer": _l("About you, the filer"),
    "applicant": _l("The applicant"),
}
FIELDS = {
    "nationality": _l("Nationality or region"),
    "place_of_birth": _l("Place of birth"),
    "marital_status": _l("Marital status"),
    "occupation": _l("Occupation"),
    "home_town": _l("Home town or city"),
    "phone": _l("Mobile or telephone number"),
    "passport_number": _l("Passport number"),
    "passport_expiry": _l("Passport expiry date"),
    "current_status": _l("Current status of residence"),
    "period_of_stay": _l("Period of stay"),
    "period_expiry": _l("Date of expiry of the period of stay"),
    "card_number": _l("Residence card number"),
    "desired_status": _l("Desired status of residence"),
    "desired_period": _l("Desired period of stay"),
    "reason": _l("Reason for the application"),
    "criminal_record": _l("Criminal record in Japan or abroad"),
    "criminal_record_detail": _l("Details of the criminal record"),
    "family_in_japan": _l("Family in Japan and co-residents (relationship, name, date of birth, nationality)"),
    "card_receipt": _l("How you receive your new residence card"),
    "specified_card": _l("Issue the new card as a specified residence card (also your My Number Card)?"),
    "coe_delivery": _l("How the Certificate of Eligibility reaches you"),
    "certificate_delivery": _l("How the certificate reaches you"),
    "employer_name": _l("Name of the employer"),
    "corporate_number": _l("Corporate number (13 digits)"),
    "employer_address": _l("Employer's address"),
    "employer_phone": _l("Employer's phone number"),
    "industry": _l("Industry"),
    "capital_yen": _l("Capital (yen)"),
    "annual_sales_yen": _l("Annual sales (yen)"),
    "employees": _l("Number of employees"),
    "foreign_employees": _l("Number of foreign employees"),
    "job_description": _l("Your job"),
    "contract_from": _l("Contract start"),
    "contract_to": _l("Contract end"),
    "monthly_salary_yen": _l("Monthly salary (yen)"),
    "school_name": _l("School name"),
    "course": _l("Course"),
    "enrolment_from": _l("Enrolment start"),
    "enrolment_to": _l("Expected graduation"),
    "weekly_hours": _l("Class hours per week"),
    "costs_paid_by": _l("Who pays your costs"),
    "supporter_name": _l("Supporting person's name"),
    "supporter_relationship": _l("Relationship to you"),
    "supporter_date_of_birth": _l("Supporting person's date of birth"),
    "supporter_nationality": _l("Supporting person's nationality"),
    "supporter_status": _l("Supporting person's status of residence"),
    "supporter_card_number": _l("Supporting person's residence card number"),
    "supporter_annual_income_yen": _l("Supporting person's annual income (yen)"),
    "organisation_name": _l("Organisation"),
    "activity_description": _l("What you do in Japan"),
    "notice_number": _l("Public notice number"),
    "designated_basis": _l("Under a public notice, or outside any notice"),
    "early_filing_reason": _l("Special reason for applying more than three months before expiry (optional)"),
    "inviter_address": _l("Address in Japan of the receiving organisation or inviting relative"),
    "invitee_name": _l("Name of the person invited"),
    "invitee_date_of_birth": _l("Their date of birth"),
    "invitee_nationality": _l("Their nationality"),
    "invitee_sex": _l("Their sex"),
    "event_kind": _l("Event"),
    "event_date": _l("Date of the event"),
    "reentry_type": _l("Single or multiple re-entry"),
    "reentry_reason": _l("Purpose of travel abroad"),
    "outside_activity": _l("Activity outside your status"),
    "outside_employer": _l("Where you would work"),
    "outside_hours_per_week": _l("Hours per week (at most 28)"),
    "photo": _l("Photo"),
    "address": _l("Address"),
    "filer_role": _l("Who is applying"),
    "applicant_name": _l("Applicant's name (as in the passport)"),
    "applicant_date_of_birth": _l("Applicant's date of birth"),
    "applicant_sex": _l("Applicant's sex"),
    "applicant_address": _l("Applicant's address (in Japan; abroad for a COE)"),
    "filer_relationship": _l("Your relationship to the applicant"),
    "applicant_ill": _l("Is the applicant unable to apply themselves because of illness or a similar reason?"),
    "filer_address": _l("Your address, or your organisation's (in Japan)"),
    "filer_corporate_number": _l("Your organisation's corporate number (13 digits)"),
    "agent_qualification": _l("Your qualification"),
    "agent_number": _l("Your registration or notification number"),
    "medical_certificate": _l("Medical certificate"),
    "support_entrusted_by_employer": _l(
        "Has this receiving organisation asked your organisation to file, having entrusted it with the whole support plan?"
    ),
}
# Who files (domain/filers.py); "self" is the applicant themself.
ROLES = {
    "self": _l("I am applying for myself"),
    "legal_representative": _l("Legal representative"),
    "relative": _l("Relative"),
    "employer_staff": _l("Employer's staff"),
    "licensed_agent": _l("Licensed agent (申請取次: gyoseishoshi or lawyer)"),
    "support_organisation": _l("Registered support organisation (登録支援機関)"),
    "supervising_organisation": _l("Supervising organisation (監理団体)"),
}
ROLE_HINTS = {
    # ISA's table (www.moj.go.jp/isa/content/001369137.pdf): no age or illness condition on a legal representative
    # (the hint said there was); a relative's note (b) covers "illness or a similar reason" (疾病その他の事由).
    "legal_representative": _l(
        "A person with parental authority or a guardian (親権者, 未成年後見人, 成年後見人): every procedure, at any age."
    ),
    "relative": _l(
        "Spouse, child, father or mother: a COE for the family member you invite; a change, extension, acquisition or re-entry only for an applicant under 16 or unable to apply because of illness or a similar reason."
    ),
    "licensed_agent": _l("A gyoseishoshi or lawyer who has notified the bureau (申請取次)."),
    "supervising_organisation": _l("Files for technical intern training type (b)."),
    "support_organisation": _l(
        "Files for Specified Skilled Worker (i), when the receiving organisation asked it to and entrusted it with the whole support plan."
    ),
}
CHOICES = {
    "notice": _l("Under a public notice (give its number)"),
    "outside_notice": _l("Outside any public notice (describe the activity)"),
    "single": _lp("marital status", "Single"),
    "married": _l("Married"),
    "widowed": _l("Widowed"),
    "divorced": _l("Divorced"),
    "yes": _l("Yes"),
    "no": _l("No"),
    "self": _l("Myself"),
    "family": _l("Family"),
    "scholarship": _l("Scholarship"),
    "other": _l("Other"),
    "female": _l("Female"),
    "male": _l("Male"),
    "birth": _l("Birth"),
    "loss_of_nationality": _l("Loss of Japanese nationality"),
    "multiple": _l("Multiple"),
    "japanese_national": _l("Japanese national"),
    "gyoseishoshi": _l("Gyoseishoshi (行政書士)"),
    "lawyer": _l("Lawyer (弁護士)"),
    "post": _l("By post: you send your current card and a return envelope; the new card is mailed to you"),
    "counter": _l("At the counter: you bring your current card to the bureau and receive the new one there"),
    "email": _l("By e-mail: a signed PDF that you forward as it is"),
    "pdf": _l("As a signed PDF in your account"),
    "paper": _l("On paper, by post"),
}
# "single" is both a marital status and a re-entry type, words that differ in most languages (độc thân /
# một lần): each field's own labels first, in their own message context.
FIELD_CHOICES = {
    "reentry_type": {"single": _lp("re-entry permit", "Single"), "multiple": _lp("re-entry permit", "Multiple")},
}


def choice_label(field: str | None, code) -> str:
    """A choice as the applicant reads it in this field (FIELD_CHOICES), else its general label."""
    own = FIELD_CHOICES.get(field or "", {})
    return str(own[code]) if code in own else label(CHOICES, code)


KINDS = {
    "photo": _l("Photo"),
    "passport": _l("Passport"),
    "residence_card": _l("Residence card"),
    "employment_contract": _l("Employment contract"),
    "tax_certificate": _l("Tax certificate"),
    "enrolment_certificate": _l("Certificate of enrolment"),
    "family_register": _l("Family register"),
    "other": _l("Other document"),
    "medical_certificate": _l("Medical certificate"),
    # attached by the organisation filing on a person's signed consent (organisation_people.attach_consent_document)
    "consent_document": _l("Signed consent document"),
}
# What a signature is for, on the signing page in the applicant's language (the stored description is the
# signer's, in English, with the e-mail address or the application's number).
SIGNING_PURPOSES = {
    "register": _l("You sign the registration statement: an account on Zairyu for the e-mail address you proved."),
    "rebind": _l("You sign to bind your renewed card to your account."),
    "submit": _l("You sign your application, as you reviewed it, with its attachments."),
    "correction": _l("You sign your request to correct the application."),
    "withdrawal": _l("You sign the withdrawal of your application."),
    # an organisation's staff member signs with their own card as the filer (申請取次者), not as the applicant
    "org_submit": _l("You sign this application as your organisation's filer: %(procedure)s."),
}
TIMELINE = {
    "submitted": _l("Submitted"),
    "signature_verified": _l("Signature verified"),
    "signature_rejected": _l("Signature rejected"),
    "received": _l("Received by the bureau"),
    "examination_started": _l("Under examination"),
    "under_examination": _l("Under examination"),
    "documents_requested": _l("Documents requested"),
    "documents_submitted": _l("Documents sent"),
    "correction_requested": _l("Correction requested"),
    "withdrawal_requested": _l("Withdrawal requested"),
    "withdrawn": _l("Withdrawn"),
    "closed": _l("Closed"),
    "approved": _l("Approved"),
    "refused": _l("Refused"),
    "envelope_received": _l("Your envelope arrived"),
    "card_issued": _l("Card issued"),
    "card_dispatched": _l("Card dispatched"),
    "card_delivered": _l("Card delivered"),
    "card_collected": _l("Card collected at the bureau counter"),
    "card_returned": _l("Card returned undelivered"),
    "notice": _l("Notice"),
    "card_held_at_counter": _l("Your card is waiting for you at the bureau counter"),
    "transferred": _l("Handed to another office of the bureau"),
}
TIMELINE["fee_paid"] = _l("Fee paid online")
TIMELINE["document_issued"] = _l("Signed PDF sent to you by e-mail")
TIMELINE["document_dispatched"] = _l("Your paper document was posted by simple registered mail")
TIMELINE["document_delivered"] = _l("Your paper document was delivered")
TIMELINE["document_returned"] = _l("Your paper document came back undelivered: the bureau will post it again")
TIMELINE["postage_shortfall"] = _l("Your envelope was short of return postage: the bureau is keeping it")
# What an approval delivers and how (domain/deliveries.py keys).
DELIVERS = {
    "residence_card.post": _l(
        "A new residence card, by post: send your current card and a return envelope to the bureau as described in the approval notice."
    ),
    "residence_card.counter": _l("A new residence card, at the bureau counter: bring your current card."),
    "coe.email": _l(
        "A Certificate of Eligibility by e-mail, as a signed PDF: forward it as it is to the person invited. It is valid for 3 months."
    ),
    "coe.post": _l("A Certificate of Eligibility on paper, by post. It is valid for 3 months."),
    "employment_certificate.pdf": _l("A certificate of authorised employment, as a signed PDF."),
    "employment_certificate.post": _l("A certificate of authorised employment, on paper by post."),
}
BUREAUS = {
    "sapporo": _l("Sapporo Regional Immigration Services Bureau"),
    "sendai": _l("Sendai Regional Immigration Services Bureau"),
    "tokyo": _l("Tokyo Regional Immigration Services Bureau"),
    "nagoya": _l("Nagoya Regional Immigration Services Bureau"),
    "osaka": _l("Osaka Regional Immigration Services Bureau"),
    "hiroshima": _l("Hiroshima Regional Immigration Services Bureau"),
    "takamatsu": _l("Takamatsu Regional Immigration Services Bureau"),
    "fukuoka": _l("Fukuoka Regional Immigration Services Bureau"),
}
# The post office's reason for returning a card (card.returned v2's reason_code, vocabulary.RETURN_REASONS).
RETURN_REASONS = {
    "addressee_not_found": _l("The addressee could not be found at this address."),
    "address_incomplete": _l("The address is incomplete."),
    "moved_no_forwarding_address": _l("The addressee has moved and no forwarding address is known."),
    "refused": _l("Delivery was refused."),
    "holding_period_expired": _l("It was not collected from the post office within the holding period."),
}

# District and branch offices, by code (the contract's vocabulary, which review's table is built from too). Proper
# nouns: shown in Japanese and romanised in every language, so nothing here is translated. An unknown code shows as
# it is.
OFFICES = {
    code: f"{ja} ({en} {'District Office' if kind == 'district' else 'Branch Office'})"
    for code, (kind, _bureau, ja, en) in OFFICE_VOCABULARY.items()
}
FEE_ITEMS = dict(
    PROCEDURES, reentry_single=_l("Re-entry permit (single)"), reentry_multiple=_l("Re-entry permit (multiple)")
)


def signing_summary(
    purpose: str, reference: str | None = None, language: str | None = None, procedure: str | None = None
) -> str | None:
    """What a signature is for, in ``language`` (default: the page's), with what names it (an e-mail address,
    an application's number, the person and organisation an organisation files for): what the desktop signer
    and the extension's window show the person who signs. None for a purpose without a sentence."""
    if purpose not in SIGNING_PURPOSES:
        return None
    from contextlib import nullcontext

    from flask_babel import force_locale

    from zairyu_shared.events.contracts import LANGUAGES

    with force_locale(language) if language in LANGUAGES else nullcontext():
        text = str(SIGNING_PURPOSES[purpose])
        if purpose == "org_submit":
            text = text % {"procedure": label(PROCEDURES, procedure)}
    return f"{text} ({reference})" if reference else text


def fee_description(app) -> str:
    """What the payment provider's checkout says the fee is for, in the page's language."""
    return str(
        _l(
            "Residence procedure fee: %(procedure)s (%(number)s)",
            procedure=label(PROCEDURES, app.procedure),
            number=app.receipt_number or app.provisional_number,
        )
    )


def label(table: dict, key) -> str:
    value = table.get(key)
    return str(value) if value is not None else str(key)


def _page_language() -> str:
    from zairyu_shared.flask_translations import page_language

    return page_language()  # tl, not Babel's fil_PH: the glossary and catalogs are keyed by contract codes


def status_label(code: str | None) -> str:
    """A status of residence in the reader's language (ISA's name there, zairyu_shared.glossary) with the
    official Japanese name the card and the bureau use; a code that is no status as it is."""
    status = statuses.BY_CODE.get(code) if code else None
    if status is None:
        return code or ""
    lang = _page_language()
    return status.ja if lang == "ja" else f"{glossary.status_name(code, lang)} ({status.ja})"


def document_kind_label(code: str | None, description: str = "") -> str:
    """A kind of document the bureau asked for, in the reader's language; an older request's text as sent."""
    if code in DOCUMENT_KINDS:
        return glossary.document_kind_name(code, _page_language())
    return description or code or ""


def refusal_reason_label(code: str) -> str | None:
    """A ground of refusal the bureau ticked, in the reader's language (vocabulary.REFUSAL_REASONS); None for an older
    decision's free code, never shown bare."""
    return glossary.refusal_reason_name(code, _page_language())


def period_label(code: str | None) -> str:
    """A granted period of stay (P3Y, P1Y3M...) in the reader's language; older free text as written."""
    return glossary.period_name(code, _page_language())


def coded_options(kind: str) -> dict[str, str]:
    """{code: name} of a coded picker in the page's language: countries (CLDR, by name), periods of stay (the
    legal list's order), industries (日本標準産業分類 大分類 A-T, with the Japanese name the form uses)."""
    lang = _page_language()
    if kind == "country":
        return dict(countries.ordered(lang))
    if kind == "period":
        return {code: glossary.period_name(code, lang) for code in PERIODS_OF_STAY}
    return {
        code: glossary.industry_name(code, lang)
        if lang == "ja"
        else f"{code} {glossary.industry_name(code, lang)} ({ja})"
        for code, (ja, _en) in INDUSTRIES.items()
    }


def coded_current(field, value):
    """A draft's stored value for a coded picker: its code, also when an older draft holds it as typed text
    ("Viet Nam", "1 year"); text that names no code is returned as it is (shown, and asked to be chosen)."""
    if not isinstance(value, str) or not value:
        return value
    from intake.domain.fields import clean

    cleaned, error = clean(field, value)
    return cleaned if error is None else value


def coded_value(name: str, value) -> str | None:
    """A coded form value (nationality, period, industry) as the reader reads it; None for other fields."""
    from intake.domain.form import FIELDS

    field = FIELDS.get(name)
    kind = field.kind if field is not None else None
    if kind in ("country", "period", "industry") and isinstance(value, str):
        return coded_options(kind).get(value, value)
    return None


def display_value(value) -> str:
    """A form value as the applicant reads it: a status of residence by its names, a choice by its
    label, anything else as text (the review page shows the same)."""
    status = statuses.BY_CODE.get(value) if isinstance(value, str) else None
    if status is not None:
        return status_label(value)
    return label(CHOICES, value) if isinstance(value, str) and value in CHOICES else str(value)

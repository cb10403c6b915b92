"""Visible names of procedures, sections, fields, choices and timeline steps (translated)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

PROCEDURES = {
    "coe": _l("Certificate of Eligibility"),
    "change": _l("Change of status of residence"),
    "extension": _l("Extension of period of stay"),
    "acquisition": _l("Acquisition of status of residence"),
    "employment_certificate": _l("Certificate of authorised employment"),
    "reentry": _l("Re-entry permit"),
    "activity_outside_status": _l("Permission for activity outside status"),
}
SECTIONS = {
    "personal": _l("About you"), "stay": _l("Your current stay"), "request": _l("Your request"),
    "employer": _l("Employer and work"), "school": _l("School"), "supporting_person": _l("Supporting person"),
    "activity": _l("Activity in Japan"), "designated": _l("Designated activity"), "invitee": _l("Person invited"),
    "event": _l("Birth or other event"), "reentry": _l("Re-entry permit"),
    "activity_outside_status": _l("Activity outside status"),
}
FIELDS = {
    "nationality": _l("Nationality or region"), "place_of_birth": _l("Place of birth"),
    "marital_status": _l("Marital status"), "occupation": _l("Occupation"), "home_town": _l("Home town or city"),
    "phone": _l("Mobile or telephone number"), "passport_number": _l("Passport number"),
    "passport_expiry": _l("Passport expiry date"), "current_status": _l("Current status of residence"),
    "period_of_stay": _l("Period of stay"), "period_expiry": _l("Date of expiry of the period of stay"),
    "card_number": _l("Residence card number"), "desired_status": _l("Desired status of residence"),
    "desired_period": _l("Desired period of stay"), "reason": _l("Reason for the application"),
    "criminal_record": _l("Criminal record in Japan or abroad"), "criminal_record_detail": _l("Details of the criminal record"),
    "family_in_japan": _l("Family in Japan and co-residents (relationship, name, date of birth, nationality)"),
    "employer_name": _l("Name of the employer"), "corporate_number": _l("Corporate number (13 digits)"),
    "employer_address": _l("Employer's address"), "employer_phone": _l("Employer's phone number"),
    "industry": _l("Industry"), "capital_yen": _l("Capital (yen)"), "annual_sales_yen": _l("Annual sales (yen)"),
    "employees": _l("Number of employees"), "foreign_employees": _l("Number of foreign employees"),
    "job_description": _l("Your job"), "contract_from": _l("Contract start"), "contract_to": _l("Contract end"),
    "monthly_salary_yen": _l("Monthly salary (yen)"), "school_name": _l("School name"), "course": _l("Course"),
    "enrolment_from": _l("Enrolment start"), "enrolment_to": _l("Expected graduation"),
    "weekly_hours": _l("Class hours per week"), "costs_paid_by": _l("Who pays your costs"),
    "supporter_name": _l("Supporting person's name"), "supporter_relationship": _l("Relationship to you"),
    "supporter_date_of_birth": _l("Supporting person's date of birth"),
    "supporter_nationality": _l("Supporting person's nationality"),
    "supporter_status": _l("Supporting person's status of residence"),
    "supporter_card_number": _l("Supporting person's residence card number"),
    "supporter_annual_income_yen": _l("Supporting person's annual income (yen)"),
    "organisation_name": _l("Organisation"), "activity_description": _l("What you do in Japan"),
    "notice_number": _l("Public notice number"), "invitee_name": _l("Name of the person invited"),
    "invitee_date_of_birth": _l("Their date of birth"), "invitee_nationality": _l("Their nationality"),
    "invitee_sex": _l("Their sex"), "event_kind": _l("Event"), "event_date": _l("Date of the event"),
    "reentry_type": _l("Single or multiple re-entry"), "reentry_reason": _l("Purpose of travel abroad"),
    "outside_activity": _l("Activity outside your status"), "outside_employer": _l("Where you would work"),
    "outside_hours_per_week": _l("Hours per week (at most 28)"),
    "photo": _l("Photo"), "address": _l("Address"),
}
CHOICES = {
    "single": _l("Single"), "married": _l("Married"), "widowed": _l("Widowed"), "divorced": _l("Divorced"),
    "yes": _l("Yes"), "no": _l("No"), "self": _l("Myself"), "family": _l("Family"), "scholarship": _l("Scholarship"),
    "other": _l("Other"), "female": _l("Female"), "male": _l("Male"), "birth": _l("Birth"),
    "loss_of_nationality": _l("Loss of Japanese nationality"), "multiple": _l("Multiple"),
    "japanese_national": _l("Japanese national"),
}
# "single" is both a marital status and a re-entry type; the label reads right for both.
KINDS = {
    "photo": _l("Photo"), "passport": _l("Passport"), "residence_card": _l("Residence card"),
    "employment_contract": _l("Employment contract"), "tax_certificate": _l("Tax certificate"),
    "enrolment_certificate": _l("Certificate of enrolment"), "family_register": _l("Family register"),
    "other": _l("Other document"),
}
TIMELINE = {
    "submitted": _l("Submitted"), "signature_verified": _l("Signature verified"),
    "signature_rejected": _l("Signature rejected"), "received": _l("Received by the bureau"),
    "examination_started": _l("Under examination"), "under_examination": _l("Under examination"),
    "documents_requested": _l("Documents requested"), "documents_submitted": _l("Documents sent"),
    "correction_requested": _l("Correction requested"), "withdrawal_requested": _l("Withdrawal requested"),
    "withdrawn": _l("Withdrawn"), "closed": _l("Closed"), "approved": _l("Approved"), "refused": _l("Refused"),
    "envelope_received": _l("Your envelope arrived"), "card_issued": _l("Card issued"),
    "card_dispatched": _l("Card dispatched"), "card_delivered": _l("Card delivered"),
    "card_returned": _l("Card returned undelivered"), "notice": _l("Notice"),
}
TIMELINE["fee_paid"] = _l("Fee paid online")
BUREAUS = {
    "sapporo": _l("Sapporo Regional Immigration Services Bureau"), "sendai": _l("Sendai Regional Immigration Services Bureau"),
    "tokyo": _l("Tokyo Regional Immigration Services Bureau"), "nagoya": _l("Nagoya Regional Immigration Services Bureau"),
    "osaka": _l("Osaka Regional Immigration Services Bureau"), "hiroshima": _l("Hiroshima Regional Immigration Services Bureau"),
    "takamatsu": _l("Takamatsu Regional Immigration Services Bureau"), "fukuoka": _l("Fukuoka Regional Immigration Services Bureau"),
}
FEE_ITEMS = dict(PROCEDURES, reentry_single=_l("Re-entry permit (single)"), reentry_multiple=_l("Re-entry permit (multiple)"))


def label(table: dict, key) -> str:
    value = table.get(key)
    return str(value) if value is not None else str(key)

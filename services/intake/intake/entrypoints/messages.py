"""Message keys from the domain and use cases -> text in the visitor's language."""

from __future__ import annotations

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from intake.domain.refusal import from_date_of

MESSAGES = {
    "error.required": _l("This field is required."),
    "error.too_long": _l("This is too long."),
    "error.date": _l("Enter a date as YYYY-MM-DD (for example 2027-01-31)."),
    "error.date_in_future": _l("This date cannot be in the future."),
    "error.choice": _l("Choose one of the options."),
    "error.integer": _l("Enter a whole number."),
    "error.too_small": _l("This number is too small."),
    "error.too_large": _l("This number is too large."),
    "error.phone": _l("Enter a phone number, for example 090-1234-5678."),
    "error.passport": _l("Enter the passport number: 6 to 12 letters and digits."),
    "error.card_number": _l("Enter the residence card number: 2 letters, 8 digits, 2 letters (AB12345678CD)."),
    "error.corporate_number": _l("This corporate number is not valid (13 digits; check the first digit)."),
    "error.email": _l("Enter a valid e-mail address."),
    "error.end_before_start": _l("The end date is before the start date."),
    "error.passport_expired": _l("The passport has expired."),
    "error.password_short": _l("Choose a password of at least 10 characters."),
    "error.not_found": _l("Not found."),
    "receipt.not_found": _l("Nothing found. Check the receipt number and the check code printed on your e-receipt."),
    "draft.refused": _l("Nothing was saved: some fields are not part of this application form or are far too long."),
    "draft.unknown_field": _l("This application form has no such field."),
    "draft.too_many": _l("You already have 20 unfinished drafts. Submit or delete one before starting another."),
    "error.conflict": _l("This request belongs to someone else."),
    "eligibility.status_excluded": _l(
        "This status of residence cannot be handled online (Diplomat, Temporary Visitor, Designated Activities for departure preparation)."
    ),
    "eligibility.supervising_organisation_only": _l(
        "Technical intern training type (b) is filed by the supervising organisation."
    ),
    "eligibility.bundled_only": _l(
        "A re-entry permit or permission for activity outside status can only be applied for together with a change, extension or acquisition."
    ),
    "eligibility.bundle_host": _l(
        "A re-entry permit or permission for activity outside status can only be added to a change, extension or acquisition."
    ),
    "eligibility.too_early": _l(
        "Too early for an extension: you can apply from %(date)s, three months before your period of stay expires. To apply now, give your special reason (such as a long hospital stay or a trip abroad); the bureau will weigh it."
    ),
    "eligibility.status_not_yet": _l(
        "This status of residence exists only from %(date)s: you can apply for it from that day."
    ),
    "eligibility.notice_not_online": _l(
        "This Designated Activities notice cannot be filed online for this procedure (the agency's online scope). Please apply at the regional immigration bureau."
    ),
    "eligibility.too_late": _l(
        "Your period of stay has ended, so this can no longer be applied for online. Contact your regional immigration bureau at once."
    ),
    # Today is the expiry day: the online system takes nothing, the counter does, and the special period follows.
    "eligibility.expiry_day": _l(
        "Today is the last day of your period of stay, and the online system does not take applications on that day. Apply at your regional immigration bureau's counter today, during its opening hours: an application made today lets you stay while it is examined (the special period)."
    ),
    "eligibility.acquisition_late": _l("Acquisition must be applied for within 30 days of the birth or other event."),
    "eligibility.change_same_status": _l(
        "A change within the same status exists only for Specified Skilled Worker, Highly Skilled Professional (i) and Designated Activities. For a new employer in this status, notify the bureau instead; otherwise choose another status."
    ),
    "eligibility.permanent_residence_not_online": _l("Permanent residence cannot be applied for online."),
    "eligibility.no_period_to_extend": _l("This status has no period of stay to extend."),
    "rule.excluded": _l(
        "Not available for Diplomat, Temporary Visitor and Designated Activities (departure preparation)."
    ),
    "rule.window": _l(
        "From three months before your period of stay expires (periods of 6 months or more; earlier with a special reason) until the day before it expires; on the expiry day itself, at the bureau's counter only."
    ),
    "rule.change": _l(
        "Whenever the reason arises, until the day before your period of stay expires; on the expiry day itself, at the bureau's counter only."
    ),
    "reentry.deemed": _l(
        "A trip abroad of less than one year needs no re-entry permit: say so when you leave (deemed re-entry). Add a permit only if you will be away for a year or more."
    ),
    "rule.bundle": _l("You can add a re-entry permit and permission for activity outside status."),
    "rule.acquisition": _l("Within 30 days of the birth or loss of Japanese nationality."),
    "rule.coe": _l("For a family member or someone you invite to Japan."),
    "rule.employment_certificate": _l("Proves which work your status allows."),
    "upload.empty": _l("The file is empty."),
    "upload.unsupported_type": _l("Only PDF, JPEG and PNG files are accepted (checked by content, not by name)."),
    "upload.pdf_encrypted": _l("This PDF is password-protected. Please upload it without a password."),
    "upload.pdf_restricted": _l(
        "This PDF has restrictions (printing or copying locked). Please save an unrestricted copy and upload that."
    ),
    "upload.pdf_malformed": _l("This PDF is damaged or not a standard PDF. Please save it again as PDF and upload it."),
    "upload.pdf_active": _l("This PDF contains scripts or embedded files, which are not accepted."),
    "upload.pdf_actions": _l(
        "This PDF contains actions that send data away or open other files or programs, "
        "which are not accepted. Please print it to PDF again and upload that file."
    ),
    "upload.pdf_image_too_large": _l(
        "An image in this PDF has far more pixels than a scan needs, so we cannot "
        "accept it. Please scan the pages at 300 dpi, or print it to PDF again, and "
        "upload that file."
    ),
    "upload.pdf_inflates_too_much": _l(
        "This PDF unpacks to far more data than a scan or document needs, so we "
        "cannot accept it. Please print it to PDF again, or scan the pages, "
        "and upload that file."
    ),
    "upload.image_broken": _l("This image is damaged or incomplete."),
    "upload.image_too_large": _l("This image has too many pixels."),
    "upload.photo_type": _l("The photo must be a JPEG or PNG image."),
    "upload.photo_small": _l("The photo is too small: at least 300 x 400 pixels."),
    "upload.photo_aspect": _l("The photo must be portrait, 3 wide by 4 high (like 3 x 4 cm)."),
    "upload.photo_missing": _l("Add your photo."),
    "upload.total_too_large": _l("All files together may not exceed 25 MB."),
    "upload.kind": _l("Choose what kind of document this is."),
    "routing.no_bureau": _l(
        "Your registered address does not name a Japanese prefecture; the responsible bureau cannot be chosen."
    ),
    "register.no_holder": _l(
        "The certificate does not contain the holder's details. Use the signature certificate of your My Number Card."
    ),
    "register.email_taken": _l("This e-mail address already has an account. Log in instead."),
    "register.already_registered": _l(
        "You already have an account. Log in and bind your renewed card in your account settings."
    ),
    "register.challenge_expired": _l("This request expired. Please start again."),
    "register.email_mismatch": _l(
        "The signed statement names another e-mail address. Please start the registration again."
    ),
    "rebind.holder_mismatch": _l("The new card belongs to a different person than this account."),
    "register.passwords_differ": _l("The two passwords are not the same."),
    "account.link_invalid": _l("This link is invalid or has expired."),
    # Proving again who one is before a change to the account (domain/reauthentication.py).
    "reauth.wrong_password": _l("The password is not correct."),
    "reauth.wrong_password_or_code": _l("The password or the code is not correct."),
    "reauth.other_card": _l("This is not the card linked to your account."),
    "reauth.card_required": _l("Confirm it is you with the card linked to your account."),
    "reauth.password_missing": _l("Enter your password to confirm it is you."),
    "reauth.password_needed": _l(
        "Linking a card is confirmed with your password, and this account has none."
        " Set a password first: log out and use “Forgot your password?”."
    ),
    "reauth.only_way_in": _l(
        "Your card is the only way into this account, so it cannot be unlinked."
        " Set a password first: log out and use “Forgot your password?”."
    ),
    "card_login.not_linked": _l("No card is linked to your account for logging in."),
    "totp.already_on": _l(
        "Two-step login is already on. To use another authenticator app, turn it off first, then on again."
    ),
    "reauth.unavailable": _l(
        "This account has no password and no card linked for logging in, so it cannot confirm it is you here."
        " Set a password first: log out and use “Forgot your password?”."
    ),
    "email_change.same": _l("This is already your account's e-mail address."),
    "email_change.taken": _l(
        "This e-mail address already belongs to another account: your address stays as it was. Log in to that"
        " account instead, or choose another address."
    ),
    "login.failed": _l("E-mail address or password is wrong."),
    "login.locked": _l("Too many attempts. The account is locked for a while; try again later or reset your password."),
    "login.unverified": _l("Please verify your e-mail address first (see the link we sent)."),
    "login.challenge_expired": _l("The login challenge expired. Please try again."),
    "login.card_invalid": _l("The card could not be verified."),
    "login.card_not_linked": _l("This card is not linked to an account yet. Log in with your password and link it."),
    "login.card_linked_elsewhere": _l("This card is linked to another account."),
    "totp.wrong_code": _l("The code is not correct."),
    "signing.unknown_code": _l("Unknown signing code."),
    "signing.too_many_codes": _l(
        "Too many unknown signing codes from this address. Please check the codes and try again later."
    ),
    "signing.expired": _l("This signing code has expired. Please start again."),
    "signing.already_used": _l("This signing code has already been used."),
    "signing.bad_signature": _l("The signature could not be read."),
    "signing.invalid": _l("The signature was not accepted."),
    "signing.unavailable": _l("The signature check is unavailable right now. Please try again in a moment."),
    "submit.already_submitted": _l("This application has already been submitted."),
    "documents.already_answered": _l("This request has already been answered."),
    "documents.none_attached": _l("Attach at least one document."),
    "api.header_missing": _l("Missing header X-Zairyu-Api: 1."),
    "error.invalid": _l("The request is not valid."),
    "submit.not_ready": _l("The application is not complete yet."),
    "follow.not_open": _l("This application is no longer open."),
    "error.agent_number": _l("Enter your registration or notification number: letters and digits only."),
    "filer.family_needs_minor_or_illness": _l(
        "A relative may apply only for an applicant who is under 16 on the day of submission or who cannot apply themselves because of illness or a similar reason."
    ),
    "filer.role_not_for_procedure": _l(
        "You cannot file this in the role you chose: a relative may not apply for a certificate of authorised employment or for permission for activity outside status."
    ),
    "filer.support_organisation_ssw1_only": _l(
        "A registered support organisation files only for Specified Skilled Worker (i)."
    ),
    "eligibility.dependent_supporter_status": _l(
        "The supporting person's status of residence does not allow Dependent: only the spouse or child of someone working in Japan (not as Specified Skilled Worker (i) or in Technical Intern Training) or studying at a university or similar school may hold it. The family of a Japanese national or a permanent resident applies for another status."
    ),
    "filer.support_organisation_not_entrusted": _l(
        "A registered support organisation files only when the receiving organisation asked it to and entrusted it with the whole support plan. Otherwise the receiving organisation's staff, a licensed agent or the person files."
    ),
    "filer.supervising_organisation_tit_only": _l(
        "A supervising organisation files only for Technical Intern Training type (b)."
    ),
    "filer.self_under_15": _l(
        "You can apply for yourself from the age of 15, that is from %(date)s. Until then a legal representative or relative can apply for you."
    ),
    "filer.self_not_mid_to_long_term": _l(
        "Only a mid-to-long-term resident can apply for themself (not Diplomat, Official, Temporary Visitor, nor a period of stay of 3 months or less). A legal representative or licensed agent can apply for you."
    ),
    "filer.medical_certificate_missing": _l(
        "Attach a document showing why the applicant cannot apply themselves (for an illness, a medical certificate)."
    ),
    "routing.no_prefecture": _l(
        "This address does not name a Japanese prefecture; the responsible bureau cannot be chosen."
    ),
    "rule.filer": _l(
        "You can apply for yourself (from 15, as a mid-to-long-term resident), or on behalf of someone else: as their legal representative, as a relative (a COE for the family member you invite; a change, extension, acquisition or re-entry only for a child under 16 or someone who cannot apply because of illness or a similar reason; never an employment certificate or a permit for activity outside status), or as an employer, licensed agent, registered support organisation (Specified Skilled Worker (i)) or supervising organisation."
    ),
    # Paying the fee online
    "payment.refused": _l("This application was refused: there is no fee to pay."),
    "payment.withdrawn": _l("This application was withdrawn or not accepted: there is no fee to pay."),
    "certificate.pdf_needs_online_payment": _l(
        "A signed PDF is sent once the fee is paid online, and fees cannot be paid online here yet: choose paper by post (the fee in revenue stamps on the fee slip)."
    ),
    "payment.not_decided": _l("The fee is paid only after approval. You will be told when it is due."),
    "payment.no_fee": _l("No fee is due for this application."),
    "payment.already_paid": _l("The fee for this application has already been paid."),
    "payment.paid_by_stamps": _l(
        "The bureau has already received your fee slip with revenue stamps: there is nothing more to pay."
    ),
    "payment.in_progress": _l("A payment for this application is being completed. Please wait a moment and reload."),
    "payment.unavailable": _l(
        "Paying the fee online is not available yet. Put revenue stamps for the fee on the fee slip and send it to the bureau by post, or bring it to the counter."
    ),
    "demo_psp.not_a_card_number": _l("Enter a card number of 12 to 19 digits."),
    "demo_psp.not_a_test_card": _l(
        "This is a demonstration: use a test card number (4242 4242 4242 4242 is accepted, 4000 0000 0000 0002 is declined)."
    ),
    "demo_psp.closed": _l("This payment page is no longer open. Go back to your application and start again."),
}


def message(key: str | None) -> str:
    """The key's text in the visitor's language; a refusal naming a date says it (%(date)s), in their format."""
    if not key:
        return ""
    text = MESSAGES.get(key)
    if text is None:
        return key
    when = from_date_of(key)
    if "%(date)s" in str(text):
        return str(text) % {"date": format_date(when, "long") if when is not None else "—"}
    return str(text)

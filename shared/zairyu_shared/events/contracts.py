"""Every event of the platform, one versioned schema each.

Payloads carry identifiers and what consumers need to act, and no more: the Individual Number
never appears; personal data appears only where the consumer must act on it (notify needs an
e-mail address; card delivery needs a mailing address).
"""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from .registry import EventSpec, register
from .vocabulary import DOCUMENT_KINDS, PERIODS_OF_STAY, RECEIVING_OFFICES, RETURN_REASONS, STATUSES_OF_RESIDENCE

PROCEDURES = (
    "coe",  # 1 Certificate of Eligibility
    "change",  # 2 change of status of residence
    "extension",  # 3 extension of period of stay
    "acquisition",  # 4 acquisition of status of residence
    "employment_certificate",  # 5 certificate of authorised employment
    "reentry",  # 6 re-entry permit (bundled only)
    "activity_outside_status",  # 7 permission for activity outside status (bundled only)
)
BUREAUS = ("sapporo", "sendai", "tokyo", "nagoya", "osaka", "hiroshima", "takamatsu", "fukuoka")
LANGUAGES = ("ja", "en", "vi", "zh_Hans", "ko", "pt_BR", "tl", "ne")
OFFICE_CODE = r"^[a-z][a-z_]{1,39}$"  # district/branch office codes (review's table; operations add offices)


class _Strict(Schema):
    class Meta:
        unknown = RAISE


def _id(**kw: Any) -> fields.String:
    return fields.String(required=True, validate=validate.Length(min=1, max=80), **kw)


def _lang() -> fields.String:
    return fields.String(required=True, validate=validate.OneOf(LANGUAGES))


class Attachment(_Strict):
    sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    media_type = fields.String(required=True, validate=validate.OneOf(["application/pdf", "image/jpeg", "image/png"]))
    size = fields.Integer(required=True, validate=validate.Range(min=1, max=25 * 1024 * 1024))
    kind = fields.String(required=True, validate=validate.Length(min=1, max=40))
    # The file's name as the applicant's computer called it, cleaned by intake (last path part, no control or
    # bidi characters, <= 255): personal data, not signed (the signed bytes carry the hash). Optional since v1, so
    # no version bump carries it: older events have none and the officer's page shows the kind alone.
    filename = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=255))


class Holder(_Strict):
    """Holder attributes as registered (from the signature certificate)."""

    name = fields.String(required=True)
    date_of_birth = fields.Date(required=True)
    sex = fields.String(required=True)
    address = fields.String(required=True)


class PostalAddress(_Strict):
    postal_code = fields.String(load_default=None, allow_none=True)
    text = fields.String(required=True, validate=validate.Length(min=1, max=400))


# --- intake ---------------------------------------------------------------------------------
class ApplicantRegistered(_Strict):
    applicant_id = _id()
    email = fields.Email(required=True)
    language = _lang()
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=200))


class ApplicantContactChanged(_Strict):
    applicant_id = _id()
    email = fields.Email(required=True)
    language = _lang()


class ApplicantEmailVerificationRequested(_Strict):
    applicant_id = _id()
    email = fields.Email(required=True)
    language = _lang()
    verify_url = fields.Url(required=True, require_tld=False)
    expires_at = fields.AwareDateTime(required=True)


class ApplicantPasswordResetRequested(_Strict):
    applicant_id = _id()
    email = fields.Email(required=True)
    language = _lang()
    reset_url = fields.Url(required=True, require_tld=False)
    expires_at = fields.AwareDateTime(required=True)


class ApplicantEmailChangeRequested(_Strict):
    """The link that confirms a new address, sent to that new address (nothing changes until it is used)."""

    applicant_id = _id()
    email = fields.Email(required=True)  # the new address
    language = _lang()
    confirm_url = fields.Url(required=True, require_tld=False)
    expires_at = fields.AwareDateTime(required=True)


class ApplicantEmailChanged(_Strict):
    """The new address is confirmed: notify writes to it from now on and tells the previous one. Intake stages
    ``applicant.sign_in_changed`` (email_changed) instead now; notify still takes these, staged before."""

    applicant_id = _id()
    email = fields.Email(required=True)
    previous_email = fields.Email(required=True)
    language = _lang()
    changed_at = fields.AwareDateTime(required=True)


# What changed in how the account is signed in to (intake's account pages; each but card_renewed ends the account's
# other sessions).
# OWASP ASVS 4.0.3 V2.2.3: the person is told after every change of their authentication details.
SIGN_IN_CHANGES = (
    "email_changed",  # the account's e-mail address (which also receives the password-reset links)
    "password_changed",  # a new password through the reset link (the first one is the registration)
    "card_linked",  # a My Number Card linked for logging in (or another in place of the linked one)
    "card_unlinked",  # the card no longer logs in (unlinked, or gone with the old card when a renewed one is bound)
    "two_step_on",  # the authenticator app's code turned on
    "two_step_off",  # ... turned off
    "card_renewed",  # a renewed My Number Card bound to the account (its holder's details; the old card's login gone)
)


class ApplicantSignInChanged(_Strict):
    """How the account is signed in to changed: notify tells the person at the account's address, and on a new
    e-mail address the previous one too (whoever took over a session must not move the account unseen). What
    changed and when, never a secret (no password, code, authenticator key, card certificate or link)."""

    applicant_id = _id()
    change = fields.String(required=True, validate=validate.OneOf(SIGN_IN_CHANGES))
    changed_at = fields.AwareDateTime(required=True)
    language = _lang()
    email = fields.Email(required=True)  # the account's address after the change (email_changed: the new one)
    previous_email = fields.Email(load_default=None, allow_none=True)  # email_changed only: the address before

    @validates_schema
    def _previous_with_a_new_address_only(self, data: dict[str, Any], **_kwargs: Any) -> None:
        previous = data.get("previous_email")
        if data.get("change") == "email_changed":
            if not previous or previous.lower() == data["email"].lower():
                raise ValidationError("a changed e-mail address says the previous one, which differs")
        elif previous is not None:
            raise ValidationError("only an e-mail change carries a previous address")


FILER_ROLES = (
    "legal_representative",
    "relative",
    "employer_staff",
    "licensed_agent",
    "support_organisation",
    "supervising_organisation",
)


class Filer(_Strict):
    """Who filed on the applicant's behalf (absent when the applicant filed themself). The signer is
    the filer: expected_holder is the filer's identity; the applicant's identity is in the signed bytes."""

    role = fields.String(required=True, validate=validate.OneOf(FILER_ROLES))
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    organisation_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    # Corporate number (employers, support and supervising organisations) or the agent's registration number.
    organisation_number = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=30))
    agent_qualification = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(["gyoseishoshi", "lawyer"])
    )
    relationship = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=80))
    applicant_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    applicant_date_of_birth = fields.Date(load_default=None, allow_none=True)


class ApplicationSubmitted(_Strict):
    application_id = _id()
    applicant_id = _id()
    provisional_number = fields.String(required=True, validate=validate.Length(min=4, max=40))
    procedure = fields.String(required=True, validate=validate.OneOf(PROCEDURES[:5]))
    bundled = fields.List(fields.String(validate=validate.OneOf(PROCEDURES[5:])), load_default=list)
    status_of_residence = fields.String(required=True)
    desired_status = fields.String(load_default=None, allow_none=True)
    nationality = fields.String(required=True, validate=validate.Length(min=2, max=80))
    bureau = fields.String(required=True, validate=validate.OneOf(BUREAUS))
    language = _lang()
    submitted_at = fields.AwareDateTime(required=True)
    period_of_stay_expiry = fields.Date(load_default=None, allow_none=True)
    # The applicant's signed choice (form field card_receipt): False = the new card at the bureau counter.
    card_by_mail = fields.Boolean(load_default=True)
    # The exact bytes the applicant signed (canonical form JSON + attachment hashes), base64,
    # and the detached CMS over them. Consumers re-derive the form from these bytes.
    signed_content_b64 = fields.String(required=True)
    content_sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    signature_cms_b64 = fields.String(required=True)
    attachments = fields.List(fields.Nested(Attachment), load_default=list)
    expected_holder = fields.Nested(Holder, required=True)
    # Optional (older submissions have none): set when someone filed on the applicant's behalf.
    filer = fields.Nested(Filer, load_default=None, allow_none=True)


class Routing(_Strict):
    """Where intake's rules send the application (services/intake/intake/domain/routing.py): the one
    routing decision; review files the case where it says and never routes by itself."""

    prefecture = fields.String(required=True, validate=validate.Length(min=2, max=20))
    # The online receiving office (its receipt prefix: 東オン, 横オン...), vocabulary.RECEIVING_OFFICES.
    receiving_office = fields.String(required=True, validate=validate.OneOf(tuple(RECEIVING_OFFICES)))
    # The district or branch office that examines it; None: the regional bureau itself.
    office = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(OFFICE_CODE))


EXAMINER_FLAGS = ("early_filing",)  # an extension filed before its window with a special reason (in the form)


class ApplicationSubmittedV2(ApplicationSubmitted):
    """v2: the routing decision and the examiner's flags travel with the submission. Optional, so a v1
    payload still loads as v2 (signing passes the submission on in signature.verified v2)."""

    routing = fields.Nested(Routing, load_default=None, allow_none=True)
    examiner_flags = fields.List(fields.String(validate=validate.OneOf(EXAMINER_FLAGS)), load_default=list)


# The filer roles an approved organisation's staff file as (intake's domain/organisations.FILER_ROLE_BY_KIND): the only
# filers who may submit without a card signature (issue 21). A relative or a legal representative always signs.
ORGANISATION_FILER_ROLES = ("employer_staff", "licensed_agent", "support_organisation", "supervising_organisation")
AUTHENTICATION_METHODS = ("card_signature", "organisation_staff")


class OrganisationApproval(_Strict):
    """The approval of the organisation's application for use (利用申出) it filed under: the bureau that decided it,
    when, and the period (Japan's dates, both days included). Review decided it, so an officer can find it."""

    bureau = fields.String(required=True, validate=validate.OneOf(BUREAUS))
    decided_at = fields.AwareDateTime(required=True)
    approved_from = fields.Date(required=True)
    approved_until = fields.Date(required=True)


class OrganisationStaffAuthentication(_Strict):
    """How an approved organisation's staff member was authenticated when they filed without a card: signed in with
    password + TOTP (``signed_in_at``: the web session's sign-in or the API token's), and a fresh TOTP code entered
    at the submission itself (``step_up_at``). Ids only: never the member's name, address or Individual Number."""

    staff_id = _id()
    organisation_id = _id()
    approval = fields.Nested(OrganisationApproval, required=True)
    signed_in_at = fields.AwareDateTime(required=True)
    step_up_at = fields.AwareDateTime(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(["web", "api"]))


class Authentication(_Strict):
    """How the filer was authenticated: their own card's JPKI signature (``signature_cms_b64`` over the signed
    bytes), or an organisation staff session with a TOTP step-up (no signature; intake attests it)."""

    method = fields.String(required=True, validate=validate.OneOf(AUTHENTICATION_METHODS))
    organisation_staff = fields.Nested(OrganisationStaffAuthentication, load_default=None, allow_none=True)


def _is_staff_attested(data: dict[str, Any]) -> bool:
    return bool(data.get("authentication")) and data["authentication"]["method"] == "organisation_staff"


class ApplicationSubmittedV3(ApplicationSubmittedV2):
    """v3: how the filer was authenticated (``authentication``). ``card_signature`` (and no ``authentication``, as
    in v1/v2) carries the CMS signature and the holder signing must find in it, as before. ``organisation_staff``:
    an approved organisation's staff member filed without a card; there is no signature and no expected holder, and
    ``signed_content_b64`` holds the exact bytes they submitted (the same canonical document, ``authentication``
    inside it). Signing accepts such a submission only for an organisation's filer (``attestation.accepted``,
    never ``signature.verified``); a private person's application without a signature is rejected. A v1/v2
    payload loads as v3."""

    signature_cms_b64 = fields.String(load_default=None, allow_none=True)
    expected_holder = fields.Nested(Holder, load_default=None, allow_none=True)
    authentication = fields.Nested(Authentication, load_default=None, allow_none=True)

    @validates_schema
    def _one_way_of_authenticating(self, data: dict[str, Any], **_kwargs: Any) -> None:
        staff = (data.get("authentication") or {}).get("organisation_staff")
        if _is_staff_attested(data):
            if data.get("signature_cms_b64") or data.get("expected_holder"):
                raise ValidationError("a staff-authenticated submission carries no card signature or holder")
            if not staff:
                raise ValidationError("a staff-authenticated submission says who, for which organisation, and when")
        else:
            if not data.get("signature_cms_b64") or not data.get("expected_holder"):
                raise ValidationError("a card-signed submission carries its signature and the expected holder")
            if staff:
                raise ValidationError("a card-signed submission carries no staff session")


class ApplicationDocumentsSubmitted(_Strict):
    application_id = _id()
    applicant_id = _id()
    request_id = _id()
    message = fields.String(load_default="", validate=validate.Length(max=4000))
    attachments = fields.List(fields.Nested(Attachment), required=True, validate=validate.Length(min=1))
    submitted_at = fields.AwareDateTime(required=True)


class ApplicationCorrectionRequested(_Strict):
    application_id = _id()
    applicant_id = _id()
    correction_id = _id()
    message = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    signed_content_b64 = fields.String(required=True)
    signature_cms_b64 = fields.String(required=True)
    requested_at = fields.AwareDateTime(required=True)


class ApplicationWithdrawn(_Strict):
    application_id = _id()
    applicant_id = _id()
    reason = fields.String(load_default="", validate=validate.Length(max=4000))
    signed_content_b64 = fields.String(required=True)
    signature_cms_b64 = fields.String(required=True)
    withdrawn_at = fields.AwareDateTime(required=True)


class RequestedBy(_Strict):
    """Who asked for a correction or withdrawal (v2): the person the application is for (``applicant``: their own
    account, signed with their own card), or a staff member of the organisation that filed it
    (``organisation_staff``: signed with a card in their staff session, or their TOTP step-up without a card).
    The rule who may, and its sources: review's domain/follow_up.py. ``staff_name``: the staff member's name as
    their account gives it, for the officer (personal data of the staff member, never the person's)."""

    role = fields.String(required=True, validate=validate.OneOf(["applicant", "organisation_staff"]))
    organisation_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=80))
    staff_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=80))
    staff_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))

    @validates_schema
    def _who(self, data: dict[str, Any], **_kwargs: Any) -> None:
        staff = data["role"] == "organisation_staff"
        if staff != bool(data.get("organisation_id") and data.get("staff_id")):
            raise ValidationError("organisation staff name their organisation and staff id; the applicant neither")


class _FollowUpV2:
    """v2 of a correction request and a withdrawal: who asked (``requested_by``) and how they were authenticated.
    Card-signed: ``signature_cms_b64`` and ``expected_holder``, whom intake found in the certificate (the account's
    holder for the person, the card's own holder for a staff member). Without a card: ``authentication`` (an
    organisation staff session with a fresh TOTP step-up, written into ``signed_content_b64`` too), no signature."""

    signature_cms_b64 = fields.String(load_default=None, allow_none=True)
    expected_holder = fields.Nested(Holder, load_default=None, allow_none=True)
    requested_by = fields.Nested(RequestedBy, required=True)
    authentication = fields.Nested(Authentication, load_default=None, allow_none=True)

    @validates_schema
    def _one_way_of_authenticating(self, data: dict[str, Any], **_kwargs: Any) -> None:
        by = data["requested_by"]
        if _is_staff_attested(data):
            staff = data["authentication"].get("organisation_staff")
            if data.get("signature_cms_b64") or data.get("expected_holder"):
                raise ValidationError("a staff-authenticated request carries no card signature or holder")
            if (
                not staff
                or by["role"] != "organisation_staff"
                or (staff["staff_id"], staff["organisation_id"]) != (by["staff_id"], by["organisation_id"])
            ):
                raise ValidationError("a staff-authenticated request is the named staff member's own session")
        elif not data.get("signature_cms_b64") or not data.get("expected_holder"):
            raise ValidationError("a card-signed request carries its signature and the holder found in it")


class ApplicationCorrectionRequestedV2(_FollowUpV2, ApplicationCorrectionRequested):
    pass


class ApplicationWithdrawnV2(_FollowUpV2, ApplicationWithdrawn):
    pass


# --- signing --------------------------------------------------------------------------------
class SignatureEvidence(_Strict):
    certificate_serial = fields.String(required=True)
    issuer = fields.String(required=True)
    issuer_fingerprint = fields.String(load_default=None, allow_none=True)
    holder = fields.Dict(load_default=dict)
    validation_time = fields.AwareDateTime(required=True)
    signing_time = fields.AwareDateTime(load_default=None, allow_none=True)
    revocation_source = fields.String(load_default=None, allow_none=True)
    revocation_this_update = fields.AwareDateTime(load_default=None, allow_none=True)
    revocation_next_update = fields.AwareDateTime(load_default=None, allow_none=True)
    revocation_age_seconds = fields.Float(load_default=None, allow_none=True)
    soft_fail = fields.Boolean(load_default=False)


class SignatureVerified(_Strict):
    application_id = _id()
    applicant_id = _id()
    evidence = fields.Nested(SignatureEvidence, required=True)
    # The submission as it was verified, so review needs no second source of truth.
    submission = fields.Nested(ApplicationSubmitted, required=True)


class SignatureVerifiedV2(SignatureVerified):
    submission = fields.Nested(ApplicationSubmittedV2, required=True)


class SignatureVerifiedV3(SignatureVerified):
    """v3: the submission as application.submitted v3. Only a card-signed one: a submission without a signature is
    never "verified" (its acceptance is ``attestation.accepted``)."""

    submission = fields.Nested(ApplicationSubmittedV3, required=True)

    @validates_schema
    def _signed(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if _is_staff_attested(data["submission"]):
            raise ValidationError("a submission without a card signature is not signature.verified")


class AttestationAccepted(_Strict):
    """Signing accepted a submission WITHOUT a card signature as an approved organisation's staff filing (issue 21):
    the filer is an organisation (its filer role), the bytes hash as stated, and the staff session in the event is
    the one written in the bytes (staff, organisation, approval, times). Nothing cryptographic is verified here:
    intake, the authority on staff, approval and consent, checked them at submission (password + TOTP sign-in, a
    fresh TOTP code, the approval's period, the member not removed, the person's consent)."""

    application_id = _id()
    applicant_id = _id()
    checked_at = fields.AwareDateTime(required=True)
    # What signing checked, in its words (reason codes of the checks passed), for the officer and the record.
    checks = fields.List(fields.String(validate=validate.Length(min=1, max=60)), required=True)
    submission = fields.Nested(ApplicationSubmittedV3, required=True)

    @validates_schema
    def _staff_attested(self, data: dict[str, Any], **_kwargs: Any) -> None:
        sub = data["submission"]
        if not _is_staff_attested(sub):
            raise ValidationError("only a submission authenticated by an organisation's staff session is attested")
        if not sub.get("filer") or sub["filer"]["role"] not in ORGANISATION_FILER_ROLES:
            raise ValidationError("only an organisation's filing is accepted without a card signature")


class SignatureRejected(_Strict):
    application_id = _id()
    applicant_id = _id()
    reason = fields.String(required=True, validate=validate.Length(min=1, max=60))
    message = fields.String(required=True)
    evidence = fields.Dict(load_default=dict)
    language = _lang()


# --- review ---------------------------------------------------------------------------------
class ApplicationReceived(_Strict):
    application_id = _id()
    applicant_id = _id()
    receipt_number = fields.String(required=True, validate=validate.Length(min=4, max=40))
    bureau = fields.String(required=True, validate=validate.OneOf(BUREAUS))
    # The district or branch office that has the case (review's office table); None: the bureau itself.
    office = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(OFFICE_CODE))
    procedure = fields.String(required=True, validate=validate.OneOf(PROCEDURES[:5]))
    received_at = fields.AwareDateTime(required=True)


class ApplicationTransferred(_Strict):
    """The bureau handed the case to one of its offices (office) or took it back (office None)."""

    application_id = _id()
    applicant_id = _id()
    bureau = fields.String(required=True, validate=validate.OneOf(BUREAUS))
    office = fields.String(required=True, allow_none=True, validate=validate.Regexp(OFFICE_CODE))
    transferred_at = fields.AwareDateTime(required=True)


class ApplicationExaminationStarted(_Strict):
    application_id = _id()
    applicant_id = _id()
    started_at = fields.AwareDateTime(required=True)


class RequestedItem(_Strict):
    code = fields.String(required=True, validate=validate.Length(min=1, max=60))
    description = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class ApplicationDocumentsRequested(_Strict):
    application_id = _id()
    applicant_id = _id()
    request_id = _id()
    items = fields.List(fields.Nested(RequestedItem), required=True, validate=validate.Length(min=1))
    message = fields.String(load_default="", validate=validate.Length(max=4000))
    deadline = fields.Date(required=True)


class RequestedDocument(RequestedItem):
    """v2: the item's code is a kind of document (vocabulary.DOCUMENT_KINDS), shown to the applicant in their
    language; description stays the Japanese name (what v1 readers print)."""

    code = fields.String(required=True, validate=validate.OneOf(tuple(DOCUMENT_KINDS)))


class ApplicationDocumentsRequestedV2(ApplicationDocumentsRequested):
    """v2: coded kinds of documents; message is the officer's free note, always written in Japanese (the
    bureau works in Japanese), and shown to the applicant labelled as such."""

    items = fields.List(fields.Nested(RequestedDocument), required=True, validate=validate.Length(min=1))
    message_language = fields.String(load_default="ja", validate=validate.OneOf(["ja"]))


class ApplicationDocumentsReminderDue(_Strict):
    application_id = _id()
    applicant_id = _id()
    request_id = _id()
    deadline = fields.Date(required=True)


class DeliveryInstructions(_Strict):
    name = fields.String(required=True)
    mailing_address = fields.Nested(PostalAddress, required=True)
    certificate_address = fields.String(required=True)
    old_card_number = fields.String(
        load_default=None, allow_none=True, validate=validate.Regexp(r"^[A-Z]{2}[0-9]{8}[A-Z]{2}$")
    )


class ApplicationDecided(_Strict):
    application_id = _id()
    applicant_id = _id()
    outcome = fields.String(required=True, validate=validate.OneOf(["approved", "refused"]))
    procedure = fields.String(required=True, validate=validate.OneOf(PROCEDURES[:5]))
    bundled = fields.List(fields.String(validate=validate.OneOf(PROCEDURES[5:])), load_default=list)
    bureau = fields.String(required=True, validate=validate.OneOf(BUREAUS))
    granted_status = fields.String(load_default=None, allow_none=True)
    period_of_stay = fields.String(load_default=None, allow_none=True)
    reason_codes = fields.List(fields.String(), load_default=list)
    explanation = fields.String(load_default="")
    fee_yen = fields.Integer(required=True, validate=validate.Range(min=0))
    card_by_mail = fields.Boolean(required=True)
    delivery = fields.Nested(DeliveryInstructions, load_default=None, allow_none=True)
    decided_at = fields.AwareDateTime(required=True)


class OutsideActivityGrant(_Strict):
    """Permission for activity outside the status granted with the decision, and its conditions."""

    hours_per_week = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=28))
    activity = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    employer = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class ApplicationDecidedV2(ApplicationDecided):
    """v2: what the approval delivers and how (zairyu_shared.deliverables). A v1 event means the card
    procedures' post/counter choice only."""

    # post/counter (residence card), email/post (COE), pdf/post (employment certificate); None when refused.
    delivery_method = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(["post", "counter", "email", "pdf"])
    )
    # The applicant asked for the specified residence card (residence card + My Number Card), from 2026-06-14.
    specified_card = fields.Boolean(load_default=False)
    outside_activity = fields.Nested(OutsideActivityGrant, load_default=None, allow_none=True)
    # Extension and change: the period of stay's expiry, and whether it was filed by then so the special
    # period (Immigration Control Act art. 20(6)) let the person stay while pending: what a refusal means.
    period_of_stay_expiry = fields.Date(load_default=None, allow_none=True)
    special_period = fields.Boolean(load_default=False)


class CoeIssued(_Strict):
    """The e-COE sealed at the approval (review's key; zairyu_shared.documents): notify mails it to the filer."""

    application_id = _id()
    applicant_id = _id()
    document_id = fields.String(required=True, validate=validate.Regexp(r"^COE-[0-9A-F]{16}$"))
    kid = fields.String(required=True, validate=validate.Length(min=1, max=40))
    valid_until = fields.Date(required=True)
    verify_url = fields.Url(required=True, require_tld=False)
    # The sealed PDF itself, base64 (a few tens of KB): forwarded as it is, any change breaks it.
    document_b64 = fields.String(required=True, validate=validate.Length(min=8, max=4 * 1024 * 1024))
    issued_at = fields.AwareDateTime(required=True)


class ApplicationDecidedV3(ApplicationDecidedV2):
    """v3: the granted status and period of stay are codes (vocabulary.STATUSES_OF_RESIDENCE and
    PERIODS_OF_STAY: P3Y, P1Y3M, P90D, indefinite), so the applicant reads them in their language.
    The explanation of a refusal is the officer's text, in Japanese."""

    granted_status = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(tuple(STATUSES_OF_RESIDENCE))
    )
    period_of_stay = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(PERIODS_OF_STAY))


class ApplicationDecidedV4(ApplicationDecidedV3):
    """v4: v3 with the receipt number (application.received's), the number the applicant quotes and the
    mailroom looks a case up by (the envelope and the applicant's letters carry it, not internal ids).
    Review always sends it; a consumer tolerates its absence (a v3 payload is a valid v4 one)."""

    receipt_number = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=4, max=40))


class DeliveryInstructionsV2(DeliveryInstructions):
    """v2 (application.decided v5): the holder's date of birth as they registered it, for the new card's validity
    (Immigration Control Act art. 19-5: a card issued to someone under 16 ends on the eve of the 16th birthday)."""

    date_of_birth = fields.Date(load_default=None, allow_none=True)


class ApplicationDecidedV5(ApplicationDecidedV4):
    """v5: v4 with the holder's date of birth in the delivery instructions (card-delivery works out the new card's
    validity from it). A v4 payload is a valid v5 one (the date is then unknown)."""

    delivery = fields.Nested(DeliveryInstructionsV2, load_default=None, allow_none=True)


class CertificateIssued(_Strict):
    """A certificate of authorised employment chosen as a signed PDF, sealed once its fee was paid online."""

    application_id = _id()
    applicant_id = _id()
    document_id = fields.String(required=True, validate=validate.Regexp(r"^EMP-[0-9A-F]{16}$"))
    kid = fields.String(required=True, validate=validate.Length(min=1, max=40))
    valid_until = fields.Date(required=True)
    verify_url = fields.Url(required=True, require_tld=False)
    document_b64 = fields.String(required=True, validate=validate.Length(min=8, max=4 * 1024 * 1024))
    issued_at = fields.AwareDateTime(required=True)


class ApplicationClosed(_Strict):
    """A case ended without a decision (withdrawn by the applicant, acknowledged by the bureau)."""

    application_id = _id()
    applicant_id = _id()
    reason = fields.String(required=True, validate=validate.OneOf(["withdrawn"]))
    closed_at = fields.AwareDateTime(required=True)


class FeePaid(_Strict):
    """The approval fee was paid online: intake's payment provider confirmed the capture."""

    application_id = _id()
    applicant_id = _id()
    payment_id = _id()
    amount_yen = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    paid_at = fields.AwareDateTime(required=True)
    payment_reference = fields.String(required=True, validate=validate.Length(min=1, max=80))
    method = fields.String(required=True, validate=validate.OneOf(["card", "pay_easy", "convenience_store"]))
    provider = fields.String(required=True, validate=validate.Length(min=1, max=20))


# --- card delivery --------------------------------------------------------------------------
class _CardEvent(_Strict):
    application_id = _id()
    applicant_id = _id()
    delivery_id = _id()
    occurred_at = fields.AwareDateTime(required=True)


class CardEnvelopeOverdue(_CardEvent):
    days_waiting = fields.Integer(required=True)


class CardEnvelopeReceived(_CardEvent):
    pass


class CardIssued(_CardEvent):
    card_number = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{2}[0-9]{8}[A-Z]{2}$"))
    old_card_number = fields.String(load_default=None, allow_none=True)


class CardDispatched(_CardEvent):
    tracking_number = fields.String(required=True, validate=validate.Length(min=4, max=40))


class CardDelivered(_CardEvent):
    pass


class CardPostageShortfall(_CardEvent):
    """The envelope arrived without enough return postage (simple registered mail, residence-procedures.md item 6):
    the bureau holds it and asks the applicant to send the shortfall in postage stamps."""

    shortfall_yen = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10000))


class CardReturned(_CardEvent):
    reason = fields.String(load_default="")


class CardReturnedV2(CardReturned):
    """v2: the post office's reason as a code (vocabulary.RETURN_REASONS) when its slip names one of them, so the
    applicant reads it in their language; ``reason`` keeps the words as recorded."""

    reason_code = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(RETURN_REASONS))


class CardCollected(_CardEvent):
    """The applicant took the new card at the bureau counter (their choice, or after a return)."""

    card_number = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{2}[0-9]{8}[A-Z]{2}$"))
    old_card_number = fields.String(load_default=None, allow_none=True)


class CardHeldAtCounter(_CardEvent):
    """The new card waits at the bureau counter for the applicant to collect it: it came back from the
    post, or the officer kept it there because the mailing address could not be confirmed."""

    reason = fields.String(required=True, validate=validate.OneOf(["returned", "address_unconfirmed"]))


class CardAddressMismatch(_CardEvent):
    detail = fields.String(required=True)


class DocumentDispatched(_CardEvent):
    """A paper COE or certificate of authorised employment (chosen by post) was posted by card-delivery's
    mailroom: told like a card's dispatch, with what was posted."""

    kind = fields.String(required=True, validate=validate.OneOf(["coe", "employment_certificate"]))
    tracking_number = fields.String(required=True, validate=validate.Length(min=4, max=40))


class DocumentDelivered(_CardEvent):
    """The post delivered a paper COE or certificate that document.dispatched told of (until 2026-12-07 its delivery
    stayed in the mailroom's history and the applicant was never told)."""

    kind = fields.String(required=True, validate=validate.OneOf(["coe", "employment_certificate"]))


class DocumentReturned(DocumentDelivered):
    """A posted paper COE or certificate came back undelivered: the post office's reason as recorded, and as a code
    (vocabulary.RETURN_REASONS) where its slip names a known one, as card.returned v2 carries them. The mailroom posts
    it again (a document is not handed over at the counter)."""

    reason = fields.String(load_default="")
    reason_code = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(RETURN_REASONS))


# --- notify ---------------------------------------------------------------------------------
class NoticeCreated(_Strict):
    notice_id = _id()
    applicant_id = _id()
    application_id = fields.String(load_default=None, allow_none=True)
    notice_type = fields.String(required=True)
    language = _lang()
    subject = fields.String(required=True)
    body_text = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)


# --- people's requests (issue 20) -------------------------------------------------------------------
# APPI art. 76 (disclosure of what a public body holds about a person): intake asks every service for its
# part of one person's data; each answers with what it holds under that applicant id and nothing else.
PERSONAL_DATA_SERVICES = ("signing", "review", "notify", "card-delivery")


class PersonalDataExportRequested(_Strict):
    request_id = _id()
    applicant_id = _id()
    language = _lang()
    requested_at = fields.AwareDateTime(required=True)


class ApplicantAccountClosed(_Strict):
    """The applicant closed their account: what the law keeps (submitted applications, case files) stays for
    its retention period; every service deletes the rest it holds about them (contact details, notices)."""

    applicant_id = _id()
    closed_at = fields.AwareDateTime(required=True)


class PersonalDataRecord(_Strict):
    """One record a service holds about the person: its kind (a stable code the export labels in the
    person's language), when it was made, and its fields as the service keeps them (text, numbers, lists)."""

    kind = fields.String(required=True, validate=validate.Length(min=1, max=60))
    at = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    data = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=80)), values=fields.Raw(allow_none=True), required=True
    )


class PersonalDataPart(_Strict):
    request_id = _id()
    applicant_id = _id()
    service = fields.String(required=True, validate=validate.OneOf(PERSONAL_DATA_SERVICES))
    records = fields.List(fields.Nested(PersonalDataRecord), required=True, validate=validate.Length(max=10000))
    answered_at = fields.AwareDateTime(required=True)


for _spec in [
    EventSpec(
        "applicant.registered",
        1,
        ApplicantRegistered,
        "intake",
        ("notify",),
        "A resident registered an account with their card.",
    ),
    EventSpec(
        "applicant.contact_changed", 1, ApplicantContactChanged, "intake", ("notify",), "E-mail or language changed."
    ),
    EventSpec(
        "applicant.email_verification_requested",
        1,
        ApplicantEmailVerificationRequested,
        "intake",
        ("notify",),
        "Send the e-mail verification link.",
    ),
    EventSpec(
        "applicant.password_reset_requested",
        1,
        ApplicantPasswordResetRequested,
        "intake",
        ("notify",),
        "Send the password reset link.",
    ),
    EventSpec(
        "applicant.email_change_requested",
        1,
        ApplicantEmailChangeRequested,
        "intake",
        ("notify",),
        "Send the link confirming a new e-mail address to that address.",
    ),
    EventSpec(
        "applicant.email_changed",
        1,
        ApplicantEmailChanged,
        "intake",
        ("notify",),
        "The account's new e-mail address is confirmed; tell the previous address. Superseded by "
        "applicant.sign_in_changed (email_changed), which intake stages instead; notify still takes those staged before.",
    ),
    EventSpec(
        "applicant.sign_in_changed",
        1,
        ApplicantSignInChanged,
        "intake",
        ("notify",),
        "How the account is signed in to changed (e-mail address, password, card login, two-step login, a renewed card "
        "bound): notify tells "
        "the person in the account and by mail in their language; a new e-mail address is told to the previous one. "
        "No secret.",
    ),
    EventSpec(
        "application.submitted",
        1,
        ApplicationSubmitted,
        "intake",
        ("signing", "notify"),
        "A signed application was submitted (provisional number).",
    ),
    EventSpec(
        "application.submitted",
        2,
        ApplicationSubmittedV2,
        "intake",
        ("signing", "notify"),
        "v1 + the routing decision (receiving office, examining office) and the examiner's flags.",
    ),
    EventSpec(
        "application.submitted",
        3,
        ApplicationSubmittedV3,
        "intake",
        ("signing", "notify"),
        "v2 + how the filer was authenticated: their card's signature, or (no signature) an approved "
        "organisation's staff session with a TOTP step-up.",
    ),
    EventSpec(
        "application.documents_submitted",
        1,
        ApplicationDocumentsSubmitted,
        "intake",
        ("review", "notify"),
        "The applicant answered a request for documents.",
    ),
    EventSpec(
        "application.correction_requested",
        1,
        ApplicationCorrectionRequested,
        "intake",
        ("review",),
        "The applicant sent a signed correction request.",
    ),
    EventSpec(
        "application.withdrawn",
        1,
        ApplicationWithdrawn,
        "intake",
        ("review", "notify"),
        "The applicant withdrew the application (signed).",
    ),
    EventSpec(
        "application.correction_requested",
        2,
        ApplicationCorrectionRequestedV2,
        "intake",
        ("review",),
        "v1 + who asked (the person, or the filing organisation's staff) and how: a card's signature with the "
        "holder intake found in it, or a staff session's TOTP step-up without a card.",
    ),
    EventSpec(
        "application.withdrawn",
        2,
        ApplicationWithdrawnV2,
        "intake",
        ("review", "notify"),
        "v1 + who withdrew (the person, or the filing organisation's staff) and how: a card's signature with the "
        "holder intake found in it, or a staff session's TOTP step-up without a card.",
    ),
    EventSpec(
        "signature.verified",
        1,
        SignatureVerified,
        "signing",
        ("review", "intake"),
        "The application's signature and certificate are trusted.",
    ),
    EventSpec(
        "signature.verified",
        2,
        SignatureVerifiedV2,
        "signing",
        ("review", "intake"),
        "v1 with the submission as application.submitted v2 (routing, examiner's flags).",
    ),
    EventSpec(
        "signature.verified",
        3,
        SignatureVerifiedV3,
        "signing",
        ("review", "intake"),
        "v2 with the submission as application.submitted v3 (card-signed only).",
    ),
    EventSpec(
        "attestation.accepted",
        1,
        AttestationAccepted,
        "signing",
        ("review", "intake"),
        "A submission without a card signature, accepted as an approved organisation's staff filing.",
    ),
    EventSpec(
        "signature.rejected",
        1,
        SignatureRejected,
        "signing",
        ("intake", "notify", "review"),
        "The signature or certificate failed verification.",
    ),
    EventSpec(
        "application.received",
        1,
        ApplicationReceived,
        "review",
        ("intake", "notify"),
        "The bureau accepted the case: official receipt number.",
    ),
    EventSpec(
        "application.transferred",
        1,
        ApplicationTransferred,
        "review",
        ("intake",),
        "The bureau handed the case to one of its offices, or took it back.",
    ),
    EventSpec(
        "application.examination_started",
        1,
        ApplicationExaminationStarted,
        "review",
        ("intake",),
        "An examiner started the examination.",
    ),
    EventSpec(
        "application.documents_requested",
        1,
        ApplicationDocumentsRequested,
        "review",
        ("intake", "notify"),
        "The bureau requests additional documents.",
    ),
    EventSpec(
        "application.documents_requested",
        2,
        ApplicationDocumentsRequestedV2,
        "review",
        ("intake", "notify"),
        "v1 with coded kinds of documents (shown in the applicant's language) and the note marked as written in Japanese.",
    ),
    EventSpec(
        "application.documents_reminder_due",
        1,
        ApplicationDocumentsReminderDue,
        "review",
        ("notify",),
        "The deadline of a request for documents is near.",
    ),
    EventSpec(
        "application.decided",
        1,
        ApplicationDecided,
        "review",
        ("intake", "notify", "card-delivery"),
        "Approved or refused, confirmed by a supervisor.",
    ),
    EventSpec(
        "application.decided",
        2,
        ApplicationDecidedV2,
        "review",
        ("intake", "notify", "card-delivery"),
        "Approved or refused, with what the approval delivers and how (e-COE, certificate, card; specified card; activity outside status granted).",
    ),
    EventSpec(
        "coe.issued",
        1,
        CoeIssued,
        "review",
        ("notify", "intake"),
        "An e-COE was sealed at the approval: mail it to the filer with the signed PDF attached.",
    ),
    EventSpec(
        "application.decided",
        3,
        ApplicationDecidedV3,
        "review",
        ("intake", "notify", "card-delivery"),
        "v2 with the granted status and period of stay as codes (shown in the applicant's language).",
    ),
    EventSpec(
        "application.decided",
        4,
        ApplicationDecidedV4,
        "review",
        ("intake", "notify", "card-delivery"),
        "v3 with the receipt number, so the mailroom finds the case by the number the applicant quotes.",
    ),
    EventSpec(
        "application.decided",
        5,
        ApplicationDecidedV5,
        "review",
        ("intake", "notify", "card-delivery"),
        "v4 with the holder's date of birth in the delivery instructions, for the new card's validity (art. 19-5).",
    ),
    EventSpec(
        "certificate.issued",
        1,
        CertificateIssued,
        "review",
        ("notify", "intake"),
        "A certificate of authorised employment was sealed once its fee was paid: mail it with the signed PDF attached.",
    ),
    EventSpec(
        "application.closed",
        1,
        ApplicationClosed,
        "review",
        ("intake", "notify"),
        "The case closed without decision (withdrawal).",
    ),
    EventSpec(
        "fee.paid",
        1,
        FeePaid,
        "intake",
        ("card-delivery", "notify", "review"),
        "The approval fee was paid online (no revenue stamps needed).",
    ),
    EventSpec(
        "card.envelope_overdue",
        1,
        CardEnvelopeOverdue,
        "card-delivery",
        ("notify",),
        "No envelope 14 days after approval: remind.",
    ),
    EventSpec(
        "card.envelope_received",
        1,
        CardEnvelopeReceived,
        "card-delivery",
        ("intake", "notify"),
        "Old card, fee slip and return postage arrived and checked.",
    ),
    EventSpec(
        "card.issued",
        1,
        CardIssued,
        "card-delivery",
        ("intake", "notify"),
        "A new residence card was issued; the old number is invalid.",
    ),
    EventSpec(
        "card.dispatched",
        1,
        CardDispatched,
        "card-delivery",
        ("intake", "notify"),
        "The card was posted by simple registered mail.",
    ),
    EventSpec(
        "document.dispatched",
        1,
        DocumentDispatched,
        "card-delivery",
        ("intake", "notify"),
        "A paper COE or employment certificate chosen by post was posted by simple registered mail.",
    ),
    EventSpec(
        "document.delivered",
        1,
        DocumentDelivered,
        "card-delivery",
        ("intake", "notify"),
        "The post delivered a paper COE or employment certificate.",
    ),
    EventSpec(
        "document.returned",
        1,
        DocumentReturned,
        "card-delivery",
        ("intake", "notify"),
        "A posted paper COE or employment certificate came back undelivered (the post office's reason, as a code too).",
    ),
    EventSpec(
        "card.delivered", 1, CardDelivered, "card-delivery", ("intake", "notify"), "The carrier delivered the card."
    ),
    EventSpec(
        "card.postage_shortfall",
        1,
        CardPostageShortfall,
        "card-delivery",
        ("intake", "notify"),
        "The envelope arrived with too little return postage: held until the applicant sends the shortfall.",
    ),
    EventSpec(
        "card.returned", 1, CardReturned, "card-delivery", ("intake", "notify"), "The card came back undelivered."
    ),
    EventSpec(
        "card.returned",
        2,
        CardReturnedV2,
        "card-delivery",
        ("intake", "notify"),
        "v1 with the post office's reason as a code where its slip names a known one (read in the applicant's language).",
    ),
    EventSpec(
        "card.held_at_counter",
        1,
        CardHeldAtCounter,
        "card-delivery",
        ("intake", "notify"),
        "The new card waits at the bureau counter for the applicant (returned by the post, or address unconfirmed).",
    ),
    EventSpec(
        "card.collected",
        1,
        CardCollected,
        "card-delivery",
        ("intake", "notify"),
        "The applicant collected the new card at the bureau counter.",
    ),
    EventSpec(
        "card.address_mismatch",
        1,
        CardAddressMismatch,
        "card-delivery",
        ("review",),
        "Registered and certificate addresses differ: officer must check.",
    ),
    EventSpec(
        "notice.created", 1, NoticeCreated, "notify", ("intake",), "A notice for the applicant's in-account inbox."
    ),
    EventSpec(
        "personal_data.export_requested",
        1,
        PersonalDataExportRequested,
        "intake",
        PERSONAL_DATA_SERVICES,
        "The applicant asked for everything the system holds about them (APPI art. 76): each service answers with its part.",
    ),
    EventSpec(
        "applicant.account_closed",
        1,
        ApplicantAccountClosed,
        "intake",
        ("notify",),
        "The applicant closed their account: notify forgets their contact details and notices (case files stay with review).",
        # Staged after intake destroyed the person's data key (nothing of theirs kept): it says only who and when,
        # and must still reach notify, so its outbox body is not sealed under that key (issue 20).
        personal=False,
    ),
    EventSpec(
        "personal_data.signing_part",
        1,
        PersonalDataPart,
        "signing",
        ("intake",),
        "Signing's part of a personal data export: the verdicts on the applicant's signatures.",
    ),
    EventSpec(
        "personal_data.review_part",
        1,
        PersonalDataPart,
        "review",
        ("intake",),
        "Review's part of a personal data export: the case data the applicant may see.",
    ),
    EventSpec(
        "personal_data.notify_part",
        1,
        PersonalDataPart,
        "notify",
        ("intake",),
        "Notify's part of a personal data export: contact details, notices and mails.",
    ),
    EventSpec(
        "personal_data.card_delivery_part",
        1,
        PersonalDataPart,
        "card-delivery",
        ("intake",),
        "Card-delivery's part of a personal data export: the card's delivery.",
    ),
]:
    register(_spec)

"""Marshmallow schemas of the JSON API; the OpenAPI document is generated from these (apispec)."""

from __future__ import annotations

from datetime import date

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields, validate

from intake.domain import filers, procedures, statuses


class Error(Schema):
    error = fields.String(required=True, metadata={"description": "message key"})
    message = fields.String()
    # named fields_ in Python: ``fields`` is the Schema's own attribute
    fields_ = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        data_key="fields",
        metadata={"description": "field -> message key"},
    )


class SigningRequest(Schema):
    code = fields.String(required=True)
    purpose = fields.String(required=True)
    content_b64 = fields.String(required=True, metadata={"description": "the exact bytes to sign"})
    content_sha256 = fields.String(required=True)
    digest = fields.String(
        required=True, metadata={"description": "hex SHA-256 of the content (same as content_sha256)"}
    )
    description = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


class SignatureIn(Schema):
    signature_b64 = fields.String(required=True, metadata={"description": "detached CMS SignedData, DER, base64"})


class SigningRequestsIn(Schema):
    codes = fields.List(
        fields.String(validate=validate.Length(max=100)),
        required=True,
        validate=validate.Length(min=1, max=50),
        metadata={"description": "up to 50 signing codes (an organisation's batch), as shown on the page"},
    )


class SignaturesIn(Schema):
    signatures = fields.List(
        fields.Dict(keys=fields.String(), values=fields.String()),
        required=True,
        validate=validate.Length(min=1, max=50),
        metadata={"description": "up to 50 objects {code, signature_b64}; each is redeemed on its own"},
    )


class SigningResult(Schema):
    status = fields.String(
        required=True, validate=validate.OneOf(["pending", "signed", "done", "failed", "expired", "unknown"])
    )
    ok = fields.Boolean()
    error = fields.String(allow_none=True)
    application_id = fields.String()
    provisional_number = fields.String()


class Login(Schema):
    email = fields.String(required=True)
    password = fields.String(required=True, load_only=True)
    totp = fields.String(load_default=None)


class EligibilityIn(Schema):
    procedure = fields.String(required=True, validate=validate.OneOf(procedures.ALL))
    bundled = fields.List(fields.String(validate=validate.OneOf(procedures.BUNDLED_ONLY)), load_default=list)
    current_status = fields.String(load_default=None)
    desired_status = fields.String(load_default=None)
    period_expiry = fields.Date(
        load_default=None, validate=validate.Range(min=date(1900, 1, 1), max=date(2200, 12, 31))
    )
    event_date = fields.Date(load_default=None, validate=validate.Range(min=date(1900, 1, 1), max=date(2200, 12, 31)))
    filer_role = fields.String(
        load_default=filers.SELF,
        validate=validate.OneOf(filers.ROLES),
        metadata={"description": "who files: the applicant (self) or someone on their behalf"},
    )
    period_of_stay = fields.String(
        load_default=None,
        validate=validate.Length(max=40),
        metadata={
            "description": 'the current period of stay as on the card ("1 year", "6 months"): an extension\'s '
            "3-month window applies to periods of 6 months or more"
        },
    )
    early_filing_reason = fields.String(
        load_default=None,
        validate=validate.Length(max=2000),
        metadata={
            "description": "an extension before its window: the special reason (accepted, flagged for the examiner)"
        },
    )
    designated_basis = fields.String(load_default=None, validate=validate.OneOf(statuses.DESIGNATED_BASES))
    notice_number = fields.Integer(load_default=None, validate=validate.Range(min=1, max=99))
    date_of_birth = fields.Date(
        load_default=None,
        validate=validate.Range(min=date(1900, 1, 1), max=date(2200, 12, 31)),
        metadata={"description": "the applicant's, when they file themself (15 or over)"},
    )


class EligibilityOut(Schema):
    eligible = fields.Boolean(required=True)
    problems = fields.List(
        fields.Dict(),
        required=True,
        metadata={
            "description": "field, key, message, and from_date where a date decides (the first day it may be filed)"
        },
    )
    flags = fields.List(fields.String(), metadata={"description": "accepted, for the examiner to weigh"})
    advice = fields.List(fields.Dict(), metadata={"description": "key and message to read before paying"})
    fee_yen = fields.Integer()


class DraftIn(Schema):
    procedure = fields.String(required=True, validate=validate.OneOf(procedures.MAIN))
    bundled = fields.List(fields.String(validate=validate.OneOf(procedures.BUNDLED_ONLY)), load_default=list)
    filer_role = fields.String(
        load_default=filers.SELF,
        validate=validate.OneOf(filers.ROLES),
        metadata={
            "description": "who is applying: self, or the role in which the account holder files for someone else "
            "(fixed when the draft starts; who may file what: GET the rules in the README)"
        },
    )
    fields_ = fields.Dict(data_key="fields", keys=fields.String(), values=fields.String(), load_default=dict)


class DraftOut(Schema):
    id = fields.String(required=True)
    procedure = fields.String(required=True)
    bundled = fields.List(fields.String())
    filer_role = fields.String(required=True)
    sections = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "section -> its field names, in order (filer and applicant for a proxy)"},
    )
    fields_ = fields.Dict(data_key="fields")
    errors = fields.Dict(keys=fields.String(), values=fields.String())
    attachments = fields.List(fields.Dict())


class SubmitIn(Schema):
    idempotency_key = fields.UUID(required=True)


class TimelineEntry(Schema):
    kind = fields.String(required=True)
    occurred_at = fields.DateTime(required=True)
    detail = fields.Dict()


class FilerOut(Schema):
    role = fields.String(required=True)
    organisation_name = fields.String(allow_none=True)
    agent_qualification = fields.String(allow_none=True)
    filer_relationship = fields.String(allow_none=True)


class ApplicationOut(Schema):
    id = fields.String(required=True)
    provisional_number = fields.String(required=True)
    receipt_number = fields.String(allow_none=True)
    procedure = fields.String(required=True)
    bundled = fields.List(fields.String())
    status = fields.String(required=True)
    bureau = fields.String(required=True)
    fee_yen = fields.Integer()
    submitted_at = fields.DateTime()
    timeline = fields.List(fields.Nested(TimelineEntry))
    applicant_name = fields.String(allow_none=True, metadata={"description": "for whom it was filed"})
    filer = fields.Nested(FilerOut, metadata={"description": "absent when the account holder filed for themself"})


class ReceiptStatus(Schema):
    receipt_number = fields.String(required=True)
    found = fields.Boolean(required=True)
    pending = fields.Boolean()
    since = fields.DateTime(allow_none=True)
    message = fields.String()  # when not found: check the number and the code on the e-receipt


class DocumentsAnswer(Schema):
    message = fields.String(load_default="")


# State-changing calls must carry it (CSRF defence for the cookie session); not the signer's post.
API_HEADER = {"in": "header", "name": "X-Zairyu-Api", "required": True, "schema": {"type": "string", "enum": ["1"]}}


class SignedActionIn(Schema):
    message = fields.String(load_default="", validate=validate.Length(max=4000))


class RegistrationIn(Schema):
    email = fields.String(required=True, validate=validate.Length(max=254))
    language = fields.String(
        load_default="ja", validate=validate.OneOf(["ja", "en", "vi", "zh_Hans", "ko", "pt_BR", "tl", "ne"])
    )


class NoticeOut(Schema):
    id = fields.String(required=True)
    application_id = fields.String(allow_none=True)
    notice_type = fields.String(required=True)
    subject = fields.String(required=True)
    body = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    read = fields.Boolean(required=True)


class PaymentIn(Schema):
    idempotency_key = fields.UUID(
        required=True,
        metadata={"description": "one per attempt: a retry or double click with the same key gets the same payment"},
    )


class PaymentOut(Schema):
    id = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(["created", "pending", "paid", "failed", "cancelled"]))
    amount_yen = fields.Integer(required=True)
    provider = fields.String(required=True, metadata={"description": "demo: no money moves"})
    checkout_url = fields.String(allow_none=True, metadata={"description": "send the applicant here while pending"})
    payment_reference = fields.String(allow_none=True)
    method = fields.String(allow_none=True)
    failure = fields.String(allow_none=True)
    paid_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime(required=True)


class PaymentStatus(Schema):
    payable = fields.Boolean(required=True)
    due_yen = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True, metadata={"description": "message key when it cannot be paid"})
    reason_message = fields.String(allow_none=True)
    latest = fields.Nested(PaymentOut, allow_none=True)
    paid = fields.Nested(PaymentOut, allow_none=True)


def build_spec() -> dict:
    spec = APISpec(
        title="Zairyu intake API",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={
            "description": "Applicant operations. Session cookie auth (POST /api/v1/session); "
            "state-changing calls need the header X-Zairyu-Api: 1."
        },
    )
    for schema in (
        Error,
        SigningRequest,
        SignatureIn,
        SigningRequestsIn,
        SignaturesIn,
        SigningResult,
        Login,
        EligibilityIn,
        EligibilityOut,
        DraftIn,
        DraftOut,
        SubmitIn,
        FilerOut,
        ApplicationOut,
        ReceiptStatus,
        DocumentsAnswer,
        SignedActionIn,
        RegistrationIn,
        NoticeOut,
        PaymentIn,
        PaymentOut,
        PaymentStatus,
    ):
        spec.components.schema(schema.__name__, schema=schema)

    def op(summary, request=None, response=None, status="200", params=()):
        o = {
            "summary": summary,
            "responses": {
                status: {"description": "OK"},
                "default": {"description": "error", "content": {"application/json": {"schema": "Error"}}},
            },
        }
        if response:
            o["responses"][status]["content"] = {"application/json": {"schema": response}}
        if request:
            o["requestBody"] = {"required": True, "content": {"application/json": {"schema": request}}}
        o["parameters"] = [{"in": "path", "name": p, "required": True, "schema": {"type": "string"}} for p in params]
        if request or status in ("201", "204"):
            o["parameters"].append(API_HEADER)
        return o

    logout = op("Log out", status="204")
    spec.path(
        "/api/v1/session", operations={"post": op("Log in with e-mail, password and TOTP", "Login"), "delete": logout}
    )
    spec.path(
        "/api/v1/eligibility", operations={"post": op("Check eligibility and fee", "EligibilityIn", "EligibilityOut")}
    )
    spec.path("/api/v1/drafts", operations={"post": op("Start a draft", "DraftIn", "DraftOut", "201")})
    spec.path(
        "/api/v1/drafts/{draft_id}",
        operations={
            "get": op("A draft with its validation errors", response="DraftOut", params=("draft_id",)),
            "put": op("Save fields (autosave)", "DraftIn", "DraftOut", params=("draft_id",)),
        },
    )
    spec.path(
        "/api/v1/drafts/{draft_id}/attachments",
        operations={
            "post": {
                "summary": "Upload a file (multipart: file, kind)",
                "parameters": [
                    {"in": "path", "name": "draft_id", "required": True, "schema": {"type": "string"}},
                    API_HEADER,
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "file": {"type": "string", "format": "binary"},
                                    "kind": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "201": {"description": "stored"},
                    "400": {"description": "refused", "content": {"application/json": {"schema": "Error"}}},
                },
            }
        },
    )
    spec.path(
        "/api/v1/drafts/{draft_id}/signing-requests",
        operations={
            "post": op(
                "Create the one-time signing code for submission (idempotent by key)",
                "SubmitIn",
                "SigningResult",
                "201",
                params=("draft_id",),
            )
        },
    )
    spec.path(
        "/api/v1/signing-requests/{code}",
        operations={
            "get": op("For the desktop signer: the bytes to sign", response="SigningRequest", params=("code",))
        },
    )
    signature = op(
        "For the signer or extension: post the detached CMS (authorised by the code)",
        "SignatureIn",
        "SigningResult",
        params=("code",),
    )
    signature["parameters"] = [p for p in signature["parameters"] if p is not API_HEADER]
    spec.path("/api/v1/signing-requests/{code}/signature", operations={"post": signature})
    many = op(
        "For the signer: the bytes to sign for up to 50 codes in one request ({requests: [SigningRequest with its "
        "summary, or {code, error, message, http_status}]}); wrong codes count against the address's budget",
        "SigningRequestsIn",
        {"type": "object"},
    )
    spec.path("/api/v1/signing-requests/batch", operations={"post": many})
    spec.path(
        "/api/v1/signing-requests/signatures",
        operations={
            "post": op(
                "For the signer: post up to 50 signatures, each redeemed on its own ({results: [SigningResult with "
                "its code and http_status]})",
                "SignaturesIn",
                {"type": "object"},
            )
        },
    )
    spec.path(
        "/api/v1/signing-requests/{code}/status",
        operations={
            "get": op("Whether the code was signed and its result", response="SigningResult", params=("code",))
        },
    )
    spec.path(
        "/api/v1/applications",
        operations={"get": op("My applications", response={"type": "array", "items": "ApplicationOut"})},
    )
    spec.path(
        "/api/v1/applications/{application_id}",
        operations={
            "get": op("One application with its timeline", response="ApplicationOut", params=("application_id",))
        },
    )
    spec.path(
        "/api/v1/applications/{application_id}/documents/{request_id}",
        operations={
            "post": op(
                "Answer a request for documents (after uploading with request_id)",
                "DocumentsAnswer",
                params=("application_id", "request_id"),
            )
        },
    )
    spec.path(
        "/api/v1/applications/{application_id}/documents/{request_id}/attachments",
        operations={
            "post": {
                "summary": "Upload a file answering a request for documents (multipart: file, kind)",
                "parameters": [
                    {"in": "path", "name": n, "required": True, "schema": {"type": "string"}}
                    for n in ("application_id", "request_id")
                ]
                + [API_HEADER],
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "file": {"type": "string", "format": "binary"},
                                    "kind": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "201": {"description": "stored"},
                    "400": {"description": "refused", "content": {"application/json": {"schema": "Error"}}},
                },
            }
        },
    )
    for action in ("correction", "withdrawal"):
        spec.path(
            f"/api/v1/applications/{{application_id}}/{action}",
            operations={
                "post": op(
                    f"Signing code for a signed {action} (open applications only)",
                    "SignedActionIn",
                    "SigningResult",
                    "201",
                    params=("application_id",),
                )
            },
        )
    spec.path(
        "/api/v1/registrations",
        operations={
            "post": op(
                "Start registration: e-mails the link that proves the address; the person then signs the "
                "registration statement with the card and chooses a password from that link. "
                "status link_sent, or too_soon after 3 links in 10 minutes",
                "RegistrationIn",
                status="202",
            )
        },
    )
    spec.path(
        "/api/v1/applications/{application_id}/payments",
        operations={
            "post": op(
                "Start paying the fee online (approved applications; idempotent by key): redirect the applicant "
                "to checkout_url. Paid only once the provider's signed notification arrives",
                "PaymentIn",
                "PaymentOut",
                "201",
                params=("application_id",),
            )
        },
    )
    spec.path(
        "/api/v1/applications/{application_id}/payment",
        operations={
            "get": op(
                "Whether the fee can be paid, the latest attempt and the paid payment",
                response="PaymentStatus",
                params=("application_id",),
            )
        },
    )
    spec.path("/api/v1/inbox", operations={"get": op("My notices", response={"type": "array", "items": "NoticeOut"})})
    receipt = op(
        "Public: is this receipt number a pending application? Needs the check code printed on the "
        "e-receipt; without it, or with a wrong one, the answer is found=false as for an unknown number",
        response="ReceiptStatus",
        params=("receipt_number",),
    )
    receipt["parameters"].append(
        {
            "in": "query",
            "name": "code",
            "required": False,
            "schema": {"type": "string"},
            "description": "the check code printed on the e-receipt (the t= of its QR link)",
        }
    )
    spec.path("/api/v1/receipts/{receipt_number}", operations={"get": receipt})
    return spec.to_dict()

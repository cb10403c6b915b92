"""Internal HTTP API: synchronous verdicts for intake (registration with a signature, card login).

``/internal/*`` is reachable only inside the cluster: signing has no Ingress, so nothing outside
the cluster reaches it, and its NetworkPolicy admits only the platform's own pods that call it
(intake, review; deploy/k8s/base/signing/networkpolicy.yaml). It has no user session and no CSRF
token because no browser reaches it; there is no authentication beyond that network boundary.

  POST /internal/v1/verifications/cms         {content_b64, signature_b64, profile, expected_holder|null}
  POST /internal/v1/verifications/auth-token  {token: {Web eID token}, origin, nonce}
  -> 200 {verdict: valid|invalid, reason, message, evidence}; 400 {error, message, fields} on bad input
  POST /internal/v1/attestations/follow-up    {content_b64, application_id, applicant_id, requested_at,
                                               authentication}: a correction or withdrawal without a card
  -> 200 {verdict: valid|invalid, reason, message, checks} (signing.domain.attestation.judge_follow_up)
  GET  /api/v1/openapi.json                   the OpenAPI document of the above
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, current_app, jsonify, request
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, pre_load, validate

from signing.adapters.verifier_factory import VerifierConfigError
from signing.bootstrap import ports
from signing.domain import verdict_report
from signing.domain.holder_attributes import ApplicantRecord
from zairyu_shared.events.contracts import LANGUAGES, Authentication
from zairyu_shared.web import current_runtime

bp = Blueprint("internal_api", __name__)
MAX_BODY = 8 * 1024 * 1024  # a signed application with attachment hashes is far below this


class Base64Bytes(fields.String):
    """A standard base64 string, loaded as bytes."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError("not valid base64") from None


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class ExpectedHolder(_Strict):
    """The registered applicant; a field left out or null is not compared."""

    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    date_of_birth = fields.Date(load_default=None, allow_none=True)
    sex = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=10))
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=400))


class CmsVerificationRequest(_Strict):
    content_b64 = Base64Bytes(required=True, metadata={"description": "the exact signed bytes, base64"})
    signature_b64 = Base64Bytes(required=True, metadata={"description": "detached CMS SignedData (DER), base64"})
    profile = fields.String(load_default="jpki-sign", validate=validate.OneOf(["jpki-sign"]))
    expected_holder = fields.Nested(ExpectedHolder, load_default=None, allow_none=True)
    language = fields.String(
        load_default="en",
        validate=validate.OneOf(LANGUAGES),
        metadata={"description": "language of the returned message"},
    )


class FollowUpAttestationRequest(_Strict):
    """A correction request or withdrawal the filing organisation's staff sent without a card (review asks)."""

    content_b64 = Base64Bytes(required=True, metadata={"description": "the request's exact bytes, base64"})
    application_id = fields.String(required=True, validate=validate.Length(min=1, max=80))
    applicant_id = fields.String(required=True, validate=validate.Length(min=1, max=80))
    requested_at = fields.AwareDateTime(required=True)
    authentication = fields.Nested(Authentication, required=True)
    language = fields.String(load_default="en", validate=validate.OneOf(LANGUAGES))


class WebEidToken(Schema):
    class Meta:
        unknown = EXCLUDE  # later Web eID versions add fields we do not use

    unverifiedCertificate = fields.String(required=True)
    algorithm = fields.String(required=True)
    signature = fields.String(required=True)
    format = fields.String(required=True)
    appVersion = fields.String(load_default=None, allow_none=True)


class AuthTokenVerificationRequest(_Strict):
    token = fields.Nested(WebEidToken, required=True)
    origin = fields.String(
        required=True, validate=validate.Regexp(r"^https?://[^/\s]+$", error="must be scheme://host[:port]")
    )
    nonce = fields.String(required=True, validate=validate.Length(min=32, max=200))
    language = fields.String(load_default="en", validate=validate.OneOf(LANGUAGES))

    @pre_load
    def _origin_without_slash(self, data, **_kw):
        # A site URL like https://host/ names the same origin; the signer signs it without the slash.
        if isinstance(data, dict) and isinstance(data.get("origin"), str):
            data = {**data, "origin": data["origin"].rstrip("/")}
        return data


class Holder(Schema):
    name = fields.String(allow_none=True)
    name_substitution = fields.String(allow_none=True)
    sex = fields.String(allow_none=True)
    date_of_birth = fields.String(allow_none=True, metadata={"format": "date"})
    address = fields.String(allow_none=True)
    address_substitution = fields.String(allow_none=True)


class Evidence(Schema):
    certificate_serial = fields.String(allow_none=True, metadata={"description": "hex"})
    issuer = fields.String(allow_none=True)
    issuer_fingerprint = fields.String(
        allow_none=True, metadata={"description": "SHA-256 of the trusted root (CA generation)"}
    )
    issuer_label = fields.String(allow_none=True)
    profile = fields.String(allow_none=True)
    holder = fields.Nested(Holder, metadata={"description": "signature certificates only"})
    subject_cn = fields.String(allow_none=True, metadata={"description": "authentication certificates only"})
    validation_time = fields.String(allow_none=True, metadata={"format": "date-time"})
    signing_time = fields.String(allow_none=True, metadata={"format": "date-time"})
    revocation_status = fields.String(allow_none=True)
    revocation_source = fields.String(allow_none=True, metadata={"description": "crl:<file> or ocsp:<url>"})
    revocation_this_update = fields.String(allow_none=True, metadata={"format": "date-time"})
    revocation_next_update = fields.String(allow_none=True, metadata={"format": "date-time"})
    revocation_age_seconds = fields.Float(allow_none=True)
    soft_fail = fields.Boolean()
    detail = fields.String(allow_none=True, metadata={"description": "technical detail, English"})


class VerificationResponse(Schema):
    verdict = fields.String(validate=validate.OneOf(["valid", "invalid"]))
    reason = fields.String(allow_none=True, metadata={"description": "machine-readable reason code"})
    message = fields.String(metadata={"description": "for the person, in the requested language"})
    evidence = fields.Nested(Evidence)


class Error(Schema):
    error = fields.String()
    message = fields.String()
    fields_ = fields.Dict(data_key="fields")


def _bad_request(message: str, details: dict[str, Any] | list[Any] | None = None):
    return jsonify(error="invalid_request", message=message, fields=details or {}), 400


def _load(schema: Schema):
    if request.content_length and request.content_length > MAX_BODY:
        return None, (jsonify(error="too_large", message=f"body over {MAX_BODY} bytes", fields={}), 413)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return None, _bad_request("the body must be a JSON object (Content-Type: application/json)")
    try:
        return schema.load(body), None
    except ValidationError as exc:
        return None, _bad_request("the request does not match the schema", exc.messages)


def _answer(verdict, language: str):
    return jsonify(
        verdict="valid" if verdict.valid else "invalid",
        reason=verdict.reason.value if verdict.reason else None,
        message=verdict_report.message(verdict.reason.value if verdict.reason else None, language),
        evidence=verdict_report.evidence(verdict),
    )


def _service():
    return ports(current_runtime()).verification()


@bp.errorhandler(VerifierConfigError)
def _unavailable(exc):
    current_app.logger.error("verifier unavailable: %s", exc)
    return jsonify(error="verifier_unavailable", message="the trust configuration could not be loaded", fields={}), 503


@bp.post("/internal/v1/verifications/cms")
def verify_cms():
    req, error = _load(CmsVerificationRequest())
    if error:
        return error
    service = _service()
    holder = req["expected_holder"]
    record = ApplicantRecord(**holder) if holder else None
    verdict = service.verifier.verify_cms(
        req["content_b64"], req["signature_b64"], expected_holder=record, profile=service.profile(req["profile"])
    )
    return _answer(verdict, req["language"])


@bp.post("/internal/v1/verifications/auth-token")
def verify_auth_token():
    req, error = _load(AuthTokenVerificationRequest())
    if error:
        return error
    verdict = _service().verifier.verify_auth_token(req["token"], req["origin"], req["nonce"])
    return _answer(verdict, req["language"])


@bp.post("/internal/v1/attestations/follow-up")
def attest_follow_up():
    from signing.domain import attestation

    req, error = _load(FollowUpAttestationRequest())
    if error:
        return error
    judgement = attestation.judge_follow_up(req, req["content_b64"])
    return jsonify(
        verdict="valid" if judgement.accepted else "invalid",
        reason=judgement.reason,
        message=verdict_report.message(judgement.reason, req["language"]) if judgement.reason else "",
        detail=judgement.detail,
        checks=attestation.follow_up_checks(judgement),
    )


def openapi_spec() -> dict:
    spec = APISpec(
        title="Zairyu signing: internal verification API",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={
            "description": "Reachable only inside the cluster (no Ingress routes to it; the "
            "NetworkPolicy admits only the platform's calling pods). Verdicts on JPKI signatures and card logins."
        },
    )
    for name, schema in (
        ("CmsVerificationRequest", CmsVerificationRequest),
        ("AuthTokenVerificationRequest", AuthTokenVerificationRequest),
        ("VerificationResponse", VerificationResponse),
        ("Error", Error),
    ):
        spec.components.schema(name, schema=schema)
    responses = {
        "200": {
            "description": "a verdict (valid or invalid: both are answers, not errors)",
            "content": {"application/json": {"schema": "VerificationResponse"}},
        },
        "400": {"description": "malformed request", "content": {"application/json": {"schema": "Error"}}},
        "503": {
            "description": "trust store or CRLs could not be loaded",
            "content": {"application/json": {"schema": "Error"}},
        },
    }
    spec.path(
        path="/internal/v1/verifications/cms",
        operations={
            "post": {
                "summary": "Verify a detached CMS (CAdES-BES) signature made with a JPKI signature certificate",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": "CmsVerificationRequest"}},
                },
                "responses": responses,
            }
        },
    )
    spec.path(
        path="/internal/v1/verifications/auth-token",
        operations={
            "post": {
                "summary": "Verify a Web eID authentication token made with a JPKI authentication certificate",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": "AuthTokenVerificationRequest"}},
                },
                "responses": responses,
            }
        },
    )
    spec.components.schema("FollowUpAttestationRequest", schema=FollowUpAttestationRequest)
    spec.path(
        path="/internal/v1/attestations/follow-up",
        operations={
            "post": {
                "summary": "Judge a correction request or withdrawal the filing organisation's staff sent without a "
                "card (their staff session with a TOTP step-up, written in the request's bytes)",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": "FollowUpAttestationRequest"}},
                },
                "responses": {
                    "200": {"description": "valid or invalid, with the reason and the checks passed"},
                    "400": responses["400"],
                },
            }
        },
    )
    return spec.to_dict()


@bp.get("/api/v1/openapi.json")
def openapi():
    return jsonify(openapi_spec())

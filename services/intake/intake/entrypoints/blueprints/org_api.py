"""/org/api/v1: the organisations' API for agents' own software (issue 21), described at /org/api/v1/openapi.json.

Bearer tokens only (``Authorization: Bearer zo_...``), never the browser's cookies: no CSRF surface. Each route
names the scope it needs; a token without it gets 403 ``org.api.scope``, whatever else it may do.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, g, jsonify, request
from marshmallow import Schema, ValidationError, fields, validate

from intake.adapters.upload_checks import UploadRefused
from intake.application import (
    draft_limits,
    organisation_api,
    organisation_drafts,
    organisation_filing,
    organisation_people,
    organisation_staff_filing,
)
from intake.application import organisations as orgs
from intake.domain import webhooks as webhook_rules
from zairyu_shared.web import current_runtime

from ..applicant_session import tx
from ..limits import LOGIN, limiter

bp = Blueprint("org_api", __name__, url_prefix="/org/api/v1")


class TokenIn(Schema):
    email = fields.Email(required=True)
    password = fields.String(required=True)
    totp = fields.String(
        required=True, metadata={"description": "the 6-digit code of the staff member's authenticator"}
    )
    scopes = fields.List(
        fields.String(validate=validate.OneOf(organisation_api.SCOPES)), required=True, validate=validate.Length(min=1)
    )


class TokenOut(Schema):
    token = fields.String(required=True)
    scopes = fields.List(fields.String())
    expires_at = fields.DateTime()


class OrganisationOut(Schema):
    organisation_id = fields.String()
    name = fields.String()
    kind = fields.String()
    standing = fields.String(metadata={"description": "pending | approved | refused | lapsed"})
    approved_until = fields.Date(allow_none=True)


class PersonIn(Schema):
    name = fields.String(required=True)
    nationality = fields.String(load_default="")
    date_of_birth = fields.String(load_default="")
    status = fields.String(required=True)
    period_of_stay = fields.String(load_default="")
    period_expiry = fields.String(required=True, metadata={"description": "YYYY-MM-DD"})
    card_number = fields.String(required=True)


class PersonOut(Schema):
    person_id = fields.String()
    name = fields.String()
    status = fields.String()
    period_expiry = fields.Date()
    card_number = fields.String()
    consent = fields.String(
        metadata={"description": "none | account | document | expired (a document past its last day) | withdrawn"}
    )
    ends_soon = fields.Boolean()


class DraftIn(Schema):
    person_id = fields.String(required=True)
    procedure = fields.String(required=True)
    fields_ = fields.Dict(keys=fields.String(), values=fields.String(), data_key="fields", load_default=dict)


class DraftOut(Schema):
    draft_id = fields.String()
    person_id = fields.String(allow_none=True)
    procedure = fields.String()
    filer_role = fields.String()
    batch_id = fields.String(allow_none=True)


class SigningIn(Schema):
    draft_ids = fields.List(fields.String(), required=True, validate=validate.Length(min=1, max=50))
    batch_key = fields.UUID(
        required=True, metadata={"description": "the client's idempotency key: the same key gives the same codes"}
    )


class SigningRequestOut(Schema):
    draft_id = fields.String()
    code = fields.String(
        metadata={"description": "redeem with the staff member's card: zairyu-signer redeem CODE CODE ... --server"}
    )
    description = fields.String()
    status = fields.String(metadata={"description": "pending | done | failed | expired"})
    application_id = fields.String(allow_none=True)
    provisional_number = fields.String(allow_none=True)
    error = fields.String(allow_none=True)


class SubmissionIn(Schema):
    draft_ids = fields.List(fields.String(), required=True, validate=validate.Length(min=1, max=50))
    batch_key = fields.UUID(
        required=True,
        metadata={"description": "the client's idempotency key: the same key again answers what it filed, once"},
    )
    totp = fields.String(
        required=True,
        metadata={
            "description": "a NEW 6-digit code of the staff member's authenticator, entered for this submission "
            "(the code the token was issued with, or any code used before, is refused)"
        },
    )


class FiledOut(Schema):
    draft_id = fields.String()
    procedure = fields.String()
    application_id = fields.String()
    provisional_number = fields.String()


class SubmissionOut(Schema):
    batch_key = fields.String(required=True)
    again = fields.Boolean(metadata={"description": "true: this batch key was filed before; nothing new was filed"})
    filed = fields.List(fields.Nested(FiledOut), required=True)


class PersonCreated(Schema):
    person_id = fields.String(required=True)


class ConsentLinkOut(Schema):
    url = fields.String(
        required=True,
        metadata={
            "description": "give it to the person: they consent from their own account (signed in with their card)"
        },
    )


class DraftCreated(Schema):
    draft_id = fields.String(required=True)


class ImportOut(Schema):
    batch_id = fields.String(required=True)
    created = fields.Integer(required=True)


class AttachmentOut(Schema):
    sha256 = fields.String(required=True)
    kind = fields.String(required=True)


class SigningBatchOut(Schema):
    batch_key = fields.String(required=True)
    requests = fields.List(fields.Nested(SigningRequestOut), required=True)


class ErrorOut(Schema):
    error = fields.String(
        required=True, metadata={"description": "a message key: org.api.token, org.api.scope, error.not_found ..."}
    )
    needs = fields.String(metadata={"description": "with org.api.scope: the scope the route needs"})
    message = fields.String(metadata={"description": "the error in words, for the developer (English)"})


_EVENTS_DOC = "; ".join(f"{name}: {what}" for name, what in webhook_rules.EVENT_TYPES.items())


class WebhookIn(Schema):
    url = fields.String(required=True)
    events = fields.List(
        fields.String(validate=validate.OneOf(list(webhook_rules.EVENT_TYPES))),
        load_default=None,
        validate=validate.Length(min=1),
        metadata={
            "description": "the event types the endpoint receives (default: "
            + ", ".join(webhook_rules.DEFAULT_EVENTS)
            + "). "
            + _EVENTS_DOC
        },
    )


class WebhookEventsIn(Schema):
    events = fields.List(
        fields.String(validate=validate.OneOf(list(webhook_rules.EVENT_TYPES))),
        required=True,
        validate=validate.Length(min=1),
        metadata={"description": _EVENTS_DOC},
    )


class WebhookEventsOut(Schema):
    events = fields.List(fields.String(), required=True)


class WebhookOut(Schema):
    secret = fields.String(
        metadata={
            "description": "HMAC-SHA256 key of X-Zairyu-Signature (t=<unix>,v1=<hex of "
            "HMAC(secret, '<t>.<body>')>); dedupe by X-Zairyu-Event-Id"
        }
    )


class DeliveryOut(Schema):
    event_id = fields.String(required=True)
    type = fields.String(required=True)
    state = fields.String(required=True, metadata={"description": "pending | delivered | given_up"})
    attempts = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    given_up_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True, metadata={"description": "e.g. 'HTTP 500' or the connection error"})


class WebhookStatusOut(Schema):
    url = fields.String(allow_none=True, metadata={"description": "the endpoint named (null: none)"})
    events = fields.List(fields.String(), required=True, metadata={"description": "the event types it receives"})
    deliveries = fields.List(fields.Nested(DeliveryOut), required=True, metadata={"description": "the newest 50"})


def _error(key: str, status: int, **extra):
    return jsonify(error=key, **extra), status


def needs(scope: str):
    def wrap(view):
        @functools.wraps(view)
        def inner(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            value = header[7:].strip() if header.startswith("Bearer ") else None
            with tx() as db:
                who = organisation_api.holder(db, value)
            if who is None:
                return _error("org.api.token", 401)
            if scope not in who.scopes:
                return _error(
                    "org.api.scope",
                    403,
                    needs=scope,
                    message=f"this token was not issued for the scope '{scope}': ask POST /org/api/v1/tokens for it",
                )
            g.holder = who
            return view(*args, **kwargs)

        inner.scope = scope  # type: ignore[attr-defined]
        return inner

    return wrap


class BodyRefused(Exception):
    """The request's JSON body is not one the route takes: the answer (400 not a JSON object, 422 the fields)."""

    def __init__(self, answer):
        super().__init__("error.invalid")
        self.answer = answer


# How the API answers each refusal of the application layer: the same answer on every route. A route names the
# refusals it expects (@answers, most specific answer first by the class's MRO); anything else stays a fault (500).
REFUSALS: dict[type[Exception], Callable[[Any], Any]] = {
    BodyRefused: lambda e: e.answer,
    PermissionError: lambda _: _error("org.error.sign_in", 401),  # a token asked with a wrong password or code
    orgs.Invalid: lambda e: _error("error.invalid", 422, fields=e.errors),
    orgs.NotAllowedToFile: lambda _: _error("org.error.not_allowed", 403),
    organisation_api.NoWebhook: lambda _: _error("org.api.no_webhook", 404),
    organisation_filing.NotReady: lambda e: _error("submit.not_ready", 422, drafts=e.problems),
    organisation_drafts.NotAllowed: lambda e: _error(e.key, 422),
    organisation_drafts.ImportRefused: lambda e: _error(
        "org.error.csv", 422, rows=[{"row": p.row, "errors": p.errors} for p in e.problems]
    ),
    draft_limits.DraftRefused: lambda e: _error(e.key, 422, fields=e.errors),
    UploadRefused: lambda e: _error(e.key, 422),
    LookupError: lambda _: _error("error.not_found", 404),  # a person or draft not found, or another organisation's
}


def answers(*refusals: type[Exception]):
    """The route answers these refusals (and a body it does not take) as REFUSALS says."""
    unknown = [r for r in refusals if not any(k in REFUSALS for k in r.__mro__)]
    if unknown:
        raise TypeError(f"no answer in REFUSALS for {unknown}")

    def wrap(view):
        @functools.wraps(view)
        def inner(*args, **kwargs):
            try:
                return view(*args, **kwargs)
            except (BodyRefused, *refusals) as refused:
                answer = next(REFUSALS[k] for k in type(refused).__mro__ if k in REFUSALS)
                return answer(refused)

        return inner

    return wrap


def _load(schema) -> dict:
    """The request's JSON body as ``schema`` loads it (BodyRefused: not a JSON object, or fields refused)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BodyRefused(_error("error.invalid", 400))
    try:
        return schema().load(body)
    except ValidationError as exc:
        raise BodyRefused(_error("error.invalid", 422, fields=exc.messages)) from None


def _member():
    return orgs.Member(g.holder.staff_id, g.holder.organisation_id, False, "ja")


@bp.post("/tokens")
@limiter.limit(LOGIN)
@answers(PermissionError)
def tokens():
    data = _load(TokenIn)
    with tx() as db:
        value, expires = organisation_api.issue_token(
            current_runtime(), db, data["email"], data["password"], data["totp"], data["scopes"]
        )
    return jsonify(TokenOut().dump({"token": value, "scopes": sorted(set(data["scopes"])), "expires_at": expires})), 201


@bp.get("/organisation")
@needs("organisation")
def organisation():
    with tx() as db:
        found = orgs.standing(db, g.holder.organisation_id)
    return jsonify(OrganisationOut().dump(found.__dict__))


@bp.get("/people")
@needs("roster")
def people():
    with tx() as db:
        listed = organisation_people.roster(db, g.holder.organisation_id)
    return jsonify(PersonOut(many=True).dump([p.__dict__ for p in listed]))


@bp.post("/people")
@needs("roster")
@answers(orgs.Invalid)
def add_person():
    data = _load(PersonIn)
    with tx() as db:
        person_id = organisation_people.add(current_runtime(), db, g.holder.organisation_id, data)
    return jsonify(person_id=person_id), 201


@bp.post("/people/<person_id>/consent-link")
@needs("roster")
@answers(organisation_people.NotFound)
def consent_link(person_id):
    """A link for the person's consent from their own account (the organisation files online only with it)."""
    with tx() as db:
        link = organisation_people.consent_link(current_runtime(), db, g.holder.organisation_id, person_id)
    return jsonify(url=link), 201


@bp.get("/drafts")
@needs("drafts")
def drafts():
    with tx() as db:
        listed = organisation_people.drafts_of(db, g.holder.organisation_id)
    return jsonify(DraftOut(many=True).dump(listed))


@bp.post("/drafts")
@needs("drafts")
@answers(LookupError, orgs.NotAllowedToFile, organisation_drafts.NotAllowed, draft_limits.DraftRefused)
def create_draft():
    data = _load(DraftIn)
    with tx() as db:
        draft_id = organisation_drafts.create(
            current_runtime(), db, _member(), data["person_id"], data["procedure"], data["fields_"]
        )
    return jsonify(draft_id=draft_id), 201


@bp.post("/drafts/csv")
@needs("drafts")
@answers(orgs.NotAllowedToFile, organisation_drafts.ImportRefused)
def import_csv():
    """The CSV as the request body (text/csv, UTF-8): all rows or none."""
    with tx() as db:
        batch, count = organisation_drafts.import_csv(current_runtime(), db, _member(), request.get_data())
    return jsonify(batch_id=batch, created=count), 201


@bp.post("/drafts/<draft_id>/attachments")
@needs("drafts")
@answers(organisation_filing.NotFound, UploadRefused)
def attach(draft_id):
    """The photo or a document for a draft (multipart: ``kind`` and ``file``), checked like every upload."""
    upload = request.files.get("file")
    with tx() as db:
        row = organisation_filing.add_attachment(
            current_runtime(),
            db,
            _member(),
            draft_id,
            request.form.get("kind", ""),
            upload.read() if upload else b"",
            upload.filename if upload else None,
        )
    return jsonify(sha256=row["sha256"], kind=row["kind"]), 201


def _batch_out(db, batch_key: str) -> list[dict]:
    return [
        {
            "draft_id": i["draft_id"],
            "code": i["code"],
            "description": i["description"],
            "status": i["status"],
            "application_id": i["result"].get("application_id"),
            "provisional_number": i["result"].get("provisional_number"),
            "error": i["result"].get("error"),
        }
        for i in organisation_filing.batch(db, _member(), batch_key)
    ]


@bp.post("/signing-requests")
@needs("drafts")
@answers(organisation_filing.NotFound, orgs.NotAllowedToFile, organisation_filing.NotReady)
def signing_requests():
    """One signing code per draft, all or none: a draft not ready answers 422 with its problems per field."""
    data = _load(SigningIn)
    key = str(data["batch_key"])
    with tx() as db:
        organisation_filing.prepare(current_runtime(), db, _member(), data["draft_ids"], key)
    with tx() as db:
        return jsonify(batch_key=key, requests=SigningRequestOut(many=True).dump(_batch_out(db, key))), 201


@bp.get("/signing-requests/<batch_key>")
@needs("drafts")
def signing_batch(batch_key):
    """Each code of the batch and what became of it (the application's id and provisional number once filed)."""
    with tx() as db:
        items = _batch_out(db, batch_key)
    if not items:
        return _error("error.not_found", 404)
    return jsonify(batch_key=batch_key, requests=SigningRequestOut(many=True).dump(items))


@bp.post("/submissions")
@limiter.limit(LOGIN)  # a TOTP code is tried here, as at sign-in (and counted towards the member's lockout)
@needs("filing")
@answers(organisation_filing.NotFound, orgs.NotAllowedToFile, organisation_filing.NotReady)
def submissions():
    """File drafts WITHOUT a card (issue 21, organisation_staff_filing): all or none, with a fresh TOTP code as the
    step-up; each application travels with the staff member's authentication (the token's sign-in, this code, the
    organisation's approval) instead of a card signature."""
    data = _load(SubmissionIn)
    key = str(data["batch_key"])
    header = request.headers.get("Authorization", "")
    with tx() as db:
        signed_in_at = organisation_staff_filing.token_signed_in_at(db, header[7:].strip())
        if signed_in_at is None:
            return _error("org.api.token", 401)
        outcome = organisation_staff_filing.submit(
            current_runtime(),
            db,
            _member(),
            data["draft_ids"],
            data["totp"],
            signed_in_at=signed_in_at,
            batch_key=key,
            channel="api",
        )
    if outcome.refused:  # committed: a wrong code counts towards the lockout
        return _error(outcome.refused, 422, fields={"totp": [outcome.refused]})
    body = {"batch_key": key, "again": outcome.again, "filed": [f.__dict__ for f in outcome.filed]}
    return jsonify(SubmissionOut().dump(body)), (200 if outcome.again else 201)


@bp.put("/webhook")
@needs("webhooks")
@answers(orgs.Invalid)
def webhook():
    data = _load(WebhookIn)
    with tx() as db:
        secret = organisation_api.set_webhook(
            current_runtime(), db, g.holder.organisation_id, data["url"], data.get("events")
        )
    return jsonify(WebhookOut().dump({"secret": secret}))


@bp.put("/webhook/events")
@needs("webhooks")
@answers(organisation_api.NoWebhook, orgs.Invalid)
def webhook_events():
    """What the named endpoint receives, per event type; its address and secret stay."""
    data = _load(WebhookEventsIn)
    with tx() as db:
        events = organisation_api.set_events(db, g.holder.organisation_id, data["events"])
    return jsonify(WebhookEventsOut().dump({"events": events}))


@bp.get("/webhook")
@needs("webhooks")
def webhook_status():
    """The endpoint and the newest deliveries: what was delivered, what is retried when, what was given up."""
    with tx() as db:
        found = organisation_api.recent_deliveries(db, g.holder.organisation_id)
    return jsonify(WebhookStatusOut().dump(found))


@bp.get("/openapi.json")
def openapi():
    return jsonify(build_spec())


def build_spec() -> dict:
    spec = APISpec(
        title="Zairyu organisations API",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={
            "description": "For organisations' and agents' own software: a staff member's scoped "
            "bearer token (POST /tokens), the roster, drafts (one or a CSV batch, all "
            "rows or none), their photos and documents, signing requests (one code per application, signed with "
            "the staff member's own card), submissions without a card (a new TOTP code as the step-up) and a "
            "webhook subscribed per event type."
        },
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for schema in (
        TokenIn,
        TokenOut,
        OrganisationOut,
        PersonIn,
        PersonOut,
        DraftIn,
        DraftOut,
        SigningIn,
        SigningRequestOut,
        PersonCreated,
        ConsentLinkOut,
        DraftCreated,
        ImportOut,
        AttachmentOut,
        SigningBatchOut,
        SubmissionIn,
        FiledOut,
        SubmissionOut,
        ErrorOut,
        WebhookIn,
        WebhookOut,
        WebhookEventsIn,
        WebhookEventsOut,
        DeliveryOut,
        WebhookStatusOut,
    ):
        spec.components.schema(schema.__name__, schema=schema)

    error = {"application/json": {"schema": "ErrorOut"}}

    def path_parameter(name):
        return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}

    def op(operation_id, summary, scope=None, body=None, out=None, status="200", content="application/json"):
        # operationId: the method's name in a client generated from this document (openapi-python-client ...).
        operation = {
            "operationId": operation_id,
            "summary": summary + (f" (scope: {scope})" if scope else ""),
            "responses": {
                status: {"description": "ok"},
                "401": {"description": "no valid token", "content": error},
                "403": {"description": "the token lacks the scope (needs: which)", "content": error},
            },
        }
        if scope:
            operation["responses"]["404"] = {"description": "not found (or another organisation's)", "content": error}
        if body:
            operation["responses"]["422"] = {"description": "refused, with the reasons", "content": error}
        if out:
            operation["responses"][status]["content"] = {"application/json": {"schema": out}}
        if body:
            operation["requestBody"] = {"required": True, "content": {content: {"schema": body}}}
        if scope:
            operation["security"] = [{"bearer": []}]
        return operation

    spec.path(
        "/org/api/v1/tokens",
        operations={
            "post": op(
                "create_token", "Sign in (password + TOTP) for a scoped token", None, "TokenIn", "TokenOut", "201"
            )
        },
    )
    spec.path(
        "/org/api/v1/organisation",
        operations={
            "get": op("get_organisation", "The organisation and its approval", "organisation", out="OrganisationOut")
        },
    )
    spec.path(
        "/org/api/v1/people",
        operations={
            "get": op("list_people", "The roster", "roster", out={"type": "array", "items": "PersonOut"}),
            "post": op("add_person", "Add a person to the roster", "roster", "PersonIn", "PersonCreated", "201"),
        },
    )
    spec.path(
        "/org/api/v1/people/{person_id}/consent-link",
        parameters=[path_parameter("person_id")],
        operations={
            "post": op(
                "create_consent_link",
                "A link for the person's consent from their own account",
                "roster",
                out="ConsentLinkOut",
                status="201",
            )
        },
    )
    spec.path(
        "/org/api/v1/drafts",
        operations={
            "get": op("list_drafts", "The drafts prepared", "drafts", out={"type": "array", "items": "DraftOut"}),
            "post": op(
                "create_draft",
                "A draft for a person who consented (the organisation as filer)",
                "drafts",
                "DraftIn",
                "DraftCreated",
                "201",
            ),
        },
    )
    spec.path(
        "/org/api/v1/drafts/csv",
        operations={
            "post": op(
                "import_drafts_csv",
                "Drafts from a CSV, one row per person (all or none; errors per row and field)",
                "drafts",
                {"type": "string"},
                "ImportOut",
                "201",
                content="text/csv",
            )
        },
    )
    spec.path(
        "/org/api/v1/drafts/{draft_id}/attachments",
        parameters=[path_parameter("draft_id")],
        operations={
            "post": op(
                "add_attachment",
                "The photo or a document for a draft (multipart: kind, file)",
                "drafts",
                {
                    "type": "object",
                    "properties": {"kind": {"type": "string"}, "file": {"type": "string", "format": "binary"}},
                    "required": ["kind", "file"],
                },
                "AttachmentOut",
                "201",
                content="multipart/form-data",
            )
        },
    )
    spec.path(
        "/org/api/v1/signing-requests",
        operations={
            "post": op(
                "create_signing_requests",
                "One signing code per draft, all or none; the staff member signs them with their own card in one "
                "session (zairyu-signer redeem CODE CODE ...), each application separately",
                "drafts",
                "SigningIn",
                "SigningBatchOut",
                "201",
            )
        },
    )
    spec.path(
        "/org/api/v1/signing-requests/{batch_key}",
        parameters=[path_parameter("batch_key")],
        operations={
            "get": op(
                "get_signing_requests",
                "The batch's codes and what became of each (filed: application id, provisional number)",
                "drafts",
                out="SigningBatchOut",
            )
        },
    )
    spec.path(
        "/org/api/v1/submissions",
        operations={
            "post": op(
                "create_submissions",
                "File drafts without a card, all or none: a new TOTP code as the step-up; each application "
                "travels with the staff member's authentication instead of a card signature",
                "filing",
                "SubmissionIn",
                "SubmissionOut",
                "201",
            )
        },
    )
    spec.path(
        "/org/api/v1/webhook",
        operations={
            "put": op(
                "set_webhook",
                "Name the webhook and the event types it receives; returns its secret",
                "webhooks",
                "WebhookIn",
                "WebhookOut",
            ),
            "get": op(
                "get_webhook",
                "The endpoint named and the newest deliveries (delivered, retried when, given up)",
                "webhooks",
                out="WebhookStatusOut",
            ),
        },
    )
    spec.path(
        "/org/api/v1/webhook/events",
        operations={
            "put": op(
                "set_webhook_events",
                "Choose the event types the named webhook receives (its address and secret stay)",
                "webhooks",
                "WebhookEventsIn",
                "WebhookEventsOut",
            )
        },
    )
    return spec.to_dict()

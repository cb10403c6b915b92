"""The JSON API for officers' tools (session-authenticated) and its OpenAPI description."""

from __future__ import annotations

import sqlalchemy as sa
from apispec import APISpec
from flask import Blueprint, abort, g, jsonify, request

from review.adapters import audit, queries
from review.adapters.tables import cases
from review.application import casework, handover
from review.domain.access import valid_purpose
from review.domain.offices import IllegalHandOver
from review.domain.roles import Action, Forbidden, can, in_scope
from zairyu_shared.access_log import PURPOSES
from zairyu_shared.db import reading, transaction

from .web_auth import client_ip, login_required, runtime
from .web_cases import page_office, queue_filter

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


@bp.get("/queue")
@login_required
def queue():
    """One keyset page of the bureau's queue (same filters as the page; ``after`` = next_cursor)."""
    f = queue_filter(request.args)
    if not can(g.officer, Action.VIEW_QUEUE, f.bureau, office=page_office(f.office)):
        abort(403)
    limit = min(request.args.get("limit", 50, type=int) or 50, 200)
    with reading(runtime().engine) as conn:
        try:
            rows, cursor = queries.queue_page(conn, f, request.args.get("after"), limit)
        except (ValueError, TypeError):
            abort(400)
    return jsonify(cases=[{k: _iso(v) for k, v in r.items()} for r in rows], next_cursor=cursor)


@bp.get("/cases/<application_id>")
@login_required
def case(application_id):
    rt = runtime()
    with reading(rt.engine) as conn:
        row = conn.execute(
            sa.select(cases.c.bureau, cases.c.office).where(cases.c.application_id == application_id)
        ).first()
        if row is None or not in_scope(g.officer, row.bureau, row.office):
            abort(404)
        if not can(g.officer, Action.VIEW_CASE, row.bureau, office=row.office):
            abort(403)
        purpose = valid_purpose(request.args.get("purpose"))
        if purpose is None:  # no read without a purpose (issue 22)
            return jsonify({"error": "purpose_required", "purposes": list(PURPOSES)}), 400
        file = queries.case_file(conn, application_id)
    with transaction(rt.session_factory) as s:
        audit.append(
            s,
            g.officer.id,
            "case.viewed",
            bureau=row.bureau,
            application_id=application_id,
            ip=client_ip(),
            detail={"via": "api"},
            purpose=purpose,
        )
    keep = (
        "application_id",
        "receipt_number",
        "bureau",
        "office",
        "procedure",
        "status",
        "assignee",
        "version",
        "received_at",
        "period_of_stay_expiry",
        "status_of_residence",
        "nationality",
        "outcome",
        "decided_at",
        "fee_yen",
    )
    body = {k: _iso(file[k]) for k in keep}
    body["history"] = [
        {"at": _iso(h["at"]), "kind": h["kind"], "actor": h["actor"], "from": h["from_status"], "to": h["to_status"]}
        for h in file["history"]
    ]
    return jsonify(body)


@bp.post("/cases/<application_id>/office")
@login_required
def hand_over(application_id):
    """Hand the case to an office of its bureau ({"office": code}) or take it back ({"office": null}).

    Cookie session; instead of a CSRF token the call must carry ``X-Zairyu-Api: 1`` (a cross-site form
    cannot set a custom header without a CORS preflight, which is never granted)."""
    if request.headers.get("X-Zairyu-Api") != "1":
        return jsonify(error="header_missing", message="send the header X-Zairyu-Api: 1"), 400
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "office" not in body:  # a missing office must not mean "back to the bureau"
        body = {"office": 0}
    office, version = body["office"], body.get("version")
    if not (office is None or isinstance(office, str)) or not (version is None or type(version) is int):
        return jsonify(error="invalid", message='expected {"office": "<office code>" or null, "version": <int>}'), 400
    try:
        with transaction(runtime().session_factory) as s:
            handover.hand_over(runtime(), s, g.officer, application_id, office, version=version, ip=client_ip())
    except casework.NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    except IllegalHandOver as exc:
        return jsonify(error="illegal_hand_over", message=str(exc)), 409
    except casework.Conflict as exc:
        return jsonify(error="conflict", message=str(exc)), 409
    return jsonify(application_id=application_id, office=office)


def openapi_spec() -> dict:
    spec = APISpec(
        title="Zairyu review API",
        version="1.0.0",
        openapi_version="3.0.3",
        info={
            "description": "Bureau officers' API. Reachable only from the bureau network; "
            "officer endpoints need a signed-in session (password + TOTP)."
        },
    )
    spec.components.security_scheme("officerSession", {"type": "apiKey", "in": "cookie", "name": "review_session"})
    spec.components.schema(
        "ProcessingDays",
        {
            "type": "object",
            "properties": {
                "window_days": {"type": "integer"},
                "generated_at": {"type": "string", "format": "date-time"},
                "min_count": {"type": "integer", "description": "groups with fewer decisions are suppressed"},
                "groups": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "procedure": {"type": "string"},
                            "status_of_residence": {"type": "string"},
                            "bureau": {"type": "string"},
                            "count": {"type": "integer", "nullable": True},
                            "mean_days": {"type": "number", "nullable": True},
                            "median_days": {"type": "number", "nullable": True},
                            "p90_days": {"type": "number", "nullable": True},
                            "suppressed": {
                                "type": "boolean",
                                "description": "fewer than min_count decisions: no count, no days",
                            },
                        },
                    },
                },
            },
        },
    )
    filters = [
        {"name": n, "in": "query", "required": False, "schema": {"type": "string"}}
        for n in (
            "status",
            "procedure",
            "status_of_residence",
            "nationality",
            "min_age",
            "expiry_before",
            "sort",
            "after",
            "limit",
            "bureau",
            "office",
        )
    ]
    secured: list[dict[str, list[str]]] = [{"officerSession": []}]
    spec.path(
        path="/api/v1/statistics/processing-days",
        operations={
            "get": {
                "summary": "Processing days per procedure, status of residence and bureau (decided cases)",
                "parameters": [
                    {"name": "days", "in": "query", "schema": {"type": "integer", "default": 365}},
                    {"name": "bureau", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {
                        "description": "aggregates",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ProcessingDays"}}},
                    }
                },
            }
        },
    )
    spec.path(
        path="/api/v1/queue",
        operations={
            "get": {
                "summary": "A keyset page of the officer's bureau queue",
                "security": secured,
                "parameters": filters,
                "responses": {
                    "200": {"description": "cases and next_cursor"},
                    "401": {"description": "not signed in"},
                    "403": {"description": "role may not see the queue"},
                },
            }
        },
    )
    spec.path(
        path="/api/v1/cases/{application_id}",
        operations={
            "get": {
                "summary": "A case summary with its history (the view is audited and logged with its purpose)",
                "security": secured,
                "parameters": [
                    {"name": "application_id", "in": "path", "required": True, "schema": {"type": "string"}},
                    {
                        "name": "purpose",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "enum": list(PURPOSES)},
                    },
                ],
                "responses": {
                    "200": {"description": "the case"},
                    "400": {"description": "no purpose given"},
                    "404": {"description": "no such case in your scope"},
                },
            }
        },
    )
    spec.path(
        path="/api/v1/cases/{application_id}/office",
        operations={
            "post": {
                "summary": "Hand the case to an office of its bureau, or back to the bureau (office null); audited",
                "security": secured,
                "parameters": [
                    {"name": "application_id", "in": "path", "required": True, "schema": {"type": "string"}},
                    {
                        "name": "X-Zairyu-Api",
                        "in": "header",
                        "required": True,
                        "schema": {"type": "string", "enum": ["1"]},
                    },
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "office": {"type": "string", "nullable": True},
                                    "version": {"type": "integer"},
                                },
                                "required": ["office"],
                            }
                        }
                    },
                },
                "responses": {
                    "200": {"description": "handed over"},
                    "400": {"description": "header or body missing"},
                    "401": {"description": "not signed in"},
                    "403": {"description": "only a bureau-wide supervisor or administrator hands over"},
                    "404": {"description": "no such case in your scope"},
                    "409": {"description": "not an office of the bureau, case closed, or changed meanwhile"},
                },
            }
        },
    )
    return spec.to_dict()


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_spec())

"""The internal API (cluster network only, not routed from outside): intake reads the inbox here;
a bounce processor reports bounces here."""

from __future__ import annotations

import json
from datetime import datetime

from flask import Blueprint, current_app, jsonify, request

from notify.adapters import store
from notify.application.bounces import mark_bounced
from notify.domain import delivery

bp = Blueprint("internal", __name__, url_prefix="/internal/v1")


def _rt():
    return current_app.extensions["zairyu_runtime"]


def _iso(value):
    return value.isoformat() if value else None


@bp.get("/applicants/<applicant_id>/notices")
def applicant_notices(applicant_id: str):
    try:
        limit = min(max(int(request.args.get("limit", 50)), 1), 200)
        raw_before = request.args.get("before")
        before = datetime.fromisoformat(raw_before) if raw_before else None
    except ValueError:
        return jsonify(error="limit must be an integer 1-200, before an ISO-8601 time"), 400
    rows = store.inbox_for(_rt().engine, applicant_id, limit, before)
    return jsonify(
        applicant_id=applicant_id,
        notices=[
            {
                "id": r.id,
                "notice_type": r.notice_type,
                "application_id": r.application_id,
                "language": r.language,
                "subject": r.subject,
                "body_text": r.body_text,
                "body_html": r.body_html,
                "created_at": _iso(r.created_at),
                "email": None if r.email_state is None else {"state": r.email_state, "sent_at": _iso(r.email_sent_at)},
            }
            for r in rows
        ],
    )


def _json_object() -> tuple[dict | None, tuple | None]:
    """The request's JSON object, or an error response. An empty body is an empty object."""
    raw = request.get_data(cache=True)  # bounded by MAX_CONTENT_LENGTH (413 beyond it)
    if not raw:
        return {}, None
    if not request.is_json:
        return None, (jsonify(error="unsupported_media_type", detail="send application/json"), 415)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        return None, (jsonify(error="invalid_json", detail="the body is not valid JSON"), 400)
    if not isinstance(body, dict):
        return None, (jsonify(error="invalid_json", detail="the body must be a JSON object"), 400)
    return body, None


@bp.post("/notices/<notice_id>/bounce")
def bounce(notice_id: str):
    body, problem = _json_object()
    if body is None:  # (then problem says why)
        return problem
    reason = body.get("reason", "")
    if not isinstance(reason, str):
        return jsonify(error="invalid_reason", detail="reason must be a string"), 400
    result = mark_bounced(_rt(), notice_id, reason[:1000])
    if result is None:
        return jsonify(error="not_found", detail="no e-mail notice with this id"), 404
    if result is False:
        return jsonify(error="only a sent e-mail notice can bounce"), 409
    return jsonify(id=notice_id, state=delivery.BOUNCED)

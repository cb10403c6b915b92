"""Events from the other services (staged here as stand-ins for review, signing, notify, card delivery)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from intake.adapters.tables import applications
from zairyu_shared.db import transaction
from zairyu_shared.events import new_event


def _now():
    return datetime.now(UTC)


def emit(rt, event_type, source, payload, correlation_id):
    with transaction(rt.session_factory) as session:
        rt.stage(session, new_event(event_type, payload, source=source, correlation_id=correlation_id))


def application_row(rt, application_id):
    with rt.engine.connect() as conn:
        return conn.execute(sa.select(applications).where(applications.c.id == application_id)).first()


def verified(rt, submitted_event):
    p = submitted_event["payload"]
    emit(
        rt,
        "signature.verified",
        "signing",
        {
            "application_id": p["application_id"],
            "applicant_id": p["applicant_id"],
            "evidence": {"certificate_serial": "01", "issuer": "CN=sign CA", "validation_time": _now().isoformat()},
            "submission": p,
        },
        p["application_id"],
    )


def received(rt, app_id, applicant_id, receipt="TKY-2026-000123", **extra):
    emit(
        rt,
        "application.received",
        "review",
        {
            "application_id": app_id,
            "applicant_id": applicant_id,
            "receipt_number": receipt,
            "bureau": "tokyo",
            "procedure": "extension",
            "received_at": _now().isoformat(),
            **extra,
        },
        app_id,
    )


def transferred(rt, app_id, applicant_id, office):
    emit(
        rt,
        "application.transferred",
        "review",
        {
            "application_id": app_id,
            "applicant_id": applicant_id,
            "bureau": "tokyo",
            "office": office,
            "transferred_at": _now().isoformat(),
        },
        app_id,
    )


def examination(rt, app_id, applicant_id):
    emit(
        rt,
        "application.examination_started",
        "review",
        {"application_id": app_id, "applicant_id": applicant_id, "started_at": _now().isoformat()},
        app_id,
    )


def documents_requested(rt, app_id, applicant_id, request_id=None):
    request_id = request_id or f"req-{uuid.uuid4().hex[:8]}"
    emit(
        rt,
        "application.documents_requested",
        "review",
        {
            "application_id": app_id,
            "applicant_id": applicant_id,
            "request_id": request_id,
            "items": [{"code": "tax_certificate", "description": "住民税の課税（又は非課税）証明書"}],
            "message": "令和7年度分を提出してください。",
            "deadline": (date.today() + timedelta(days=14)).isoformat(),
        },
        app_id,
    )
    return request_id


def notice(rt, applicant_id, app_id, subject="Your application was received"):
    notice_id = f"n-{uuid.uuid4().hex[:8]}"
    emit(
        rt,
        "notice.created",
        "notify",
        {
            "notice_id": notice_id,
            "applicant_id": applicant_id,
            "application_id": app_id,
            "notice_type": "application_received",
            "language": "en",
            "subject": subject,
            "body_text": "We received it.",
            "created_at": _now().isoformat(),
        },
        app_id,
    )
    return notice_id


def decided(rt, app_id, applicant_id, outcome="approved", **extra):
    emit(
        rt,
        "application.decided",
        "review",
        {
            "application_id": app_id,
            "applicant_id": applicant_id,
            "outcome": outcome,
            "procedure": "extension",
            "bundled": ["reentry"],
            "bureau": "tokyo",
            "fee_yen": 12000,
            "card_by_mail": True,
            "granted_status": "engineer_humanities",
            "period_of_stay": "P3Y",
            "explanation": "Approved as requested.",
            "decided_at": _now().isoformat(),
            # a refusal grants nothing (review sends no status or period with one)
            **({"granted_status": None, "period_of_stay": None, "fee_yen": 0} if outcome == "refused" else {}),
            **extra,
        },
        app_id,
    )


def card(rt, event_type, app_id, applicant_id, **extra):
    emit(
        rt,
        event_type,
        "card-delivery",
        {
            "application_id": app_id,
            "applicant_id": applicant_id,
            "delivery_id": "d-1",
            "occurred_at": _now().isoformat(),
            **extra,
        },
        app_id,
    )

"""Paying the fee online: start an attempt, take the provider's notification, reconcile, show.

The provider's signed notification is the source of truth: the applicant's return from the
checkout page only shows "processing" until it arrives. A notification has its effect once (its
event id is recorded), a final payment never moves again, and at most one payment per application
is paid (checked here and by a partial unique index). Paid -> ``fee.paid`` through the outbox.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from intake.adapters.demo_psp import DemoProvider
from intake.adapters.payment_provider import BadNotification, Notification
from intake.adapters.tables import applications, payment_notifications, payments, timeline_entries
from intake.bootstrap import ports
from intake.domain.payment import IllegalTransition, Payment, PaymentRefused, State, check_payable

from .common import aware, new_id, now

log = logging.getLogger(__name__)
__all__ = ["BadNotification", "PaymentRefused", "provider", "start", "take_notification", "reconcile"]


def provider(runtime):
    """The configured provider (intake/bootstrap.py), or None: then paying online is unavailable and the fee
    slip takes stamps."""
    return ports(runtime).payment_provider


def _payment(row) -> Payment:
    values = {k: row._mapping[k] for k in Payment.__dataclass_fields__}
    values["state"] = State(values["state"])
    for key in ("created_at", "updated_at", "paid_at"):
        values[key] = aware(values[key])
    return Payment(**values)


def _save(session, payment: Payment, **extra) -> None:
    values = {
        k: getattr(payment, k)
        for k in ("state", "provider_session", "provider_reference", "method", "paid_at", "failure", "updated_at")
    }
    values["state"] = payment.state.value
    session.execute(payments.update().where(payments.c.id == payment.id).values(**values, **extra))


def attempts(session, application_id: str) -> list:
    return session.execute(
        sa.select(payments).where(payments.c.application_id == application_id).order_by(payments.c.created_at.desc())
    ).all()


def paid(session, application_id: str):
    return session.execute(
        sa.select(payments).where(payments.c.application_id == application_id, payments.c.state == State.PAID.value)
    ).first()


def amount_due(runtime, session, app) -> int:
    """The fee this application may be paid online now, or PaymentRefused(reason)."""
    envelope = session.execute(
        sa.select(timeline_entries.c.id).where(
            timeline_entries.c.application_id == app.id, timeline_entries.c.kind == "envelope_received"
        )
    ).first()
    due = check_payable(
        app.status, app.fee_yen, already_paid=paid(session, app.id) is not None, envelope_received=envelope is not None
    )
    if provider(runtime) is None:
        raise PaymentRefused("payment.unavailable")  # no provider configured: revenue stamps on the fee slip
    return due


def start(
    runtime,
    session,
    applicant_id: str,
    application_id: str,
    idempotency_key: str,
    return_url: str,
    describe: Callable[[Any], str] | None = None,
):
    """The attempt for this key (the same one again on a double click), with where to send the applicant.

    ``describe(application)`` is what the provider's checkout shows the payer the fee is for, in their language
    (the web and API fronts give it; English when none is given)."""
    app = session.execute(
        sa.select(applications).where(applications.c.id == application_id, applications.c.applicant_id == applicant_id)
    ).first()
    if app is None:
        raise PaymentRefused("error.not_found")
    key = (idempotency_key or "").strip()
    if not 8 <= len(key) <= 80:
        raise PaymentRefused("error.invalid")
    same = session.execute(
        sa.select(payments).where(payments.c.application_id == app.id, payments.c.idempotency_key == key)
    ).first()
    if same is not None:
        return same
    amount = amount_due(runtime, session, app)
    psp = provider(runtime)
    at = now()
    for row in session.execute(
        sa.select(payments).where(payments.c.application_id == app.id, payments.c.state.in_(("created", "pending")))
    ).all():
        # One open checkout per application: a new attempt closes the old one, unless it was just paid.
        if row.provider_session and not _cancel_at_provider(psp, row.provider_session, session):
            raise PaymentRefused("payment.in_progress")
        _save(session, _payment(row).cancel(at))
    payment = Payment.start(
        id=new_id(),
        application_id=app.id,
        applicant_id=applicant_id,
        amount_yen=amount,
        idempotency_key=key,
        now=at,
        provider=psp.name,
    )
    session.execute(
        payments.insert().values(
            id=payment.id,
            application_id=app.id,
            applicant_id=applicant_id,
            idempotency_key=key,
            amount_yen=amount,
            state=payment.state.value,
            provider=payment.provider,
            created_at=at,
            updated_at=at,
        )
    )
    checkout = _create_checkout(psp, session, payment, app, return_url, describe or _in_english)
    _save(session, payment.open_checkout(checkout.session_id, now()), checkout_url=checkout.redirect_url)
    return session.execute(sa.select(payments).where(payments.c.id == payment.id)).first()


def _in_english(app) -> str:
    return f"Residence procedure fee {app.receipt_number or app.provisional_number}"


def _create_checkout(psp, session, payment, app, return_url, describe):
    kw = dict(
        payment_id=payment.id,
        amount_yen=payment.amount_yen,
        return_url=return_url,
        description=describe(app),
        notify_url=runtime_webhook_url(psp),
    )
    if isinstance(psp, DemoProvider):
        return psp.create_checkout(session=session, **kw)  # the demo's table commits with the payment
    return psp.create_checkout(**kw)


def _cancel_at_provider(psp, session_id, session) -> bool:
    return psp.cancel(session_id, session=session) if isinstance(psp, DemoProvider) else psp.cancel(session_id)


def runtime_webhook_url(psp) -> str:
    return f"{psp.public_url}/payments/webhook"


# --- the provider's notification --------------------------------------------------------------------
def take_notification(runtime, session, body: bytes, signature_header: str | None) -> str:
    """Verify and apply one notification; returns its effect. BadNotification -> the caller answers 400."""
    psp = provider(runtime)
    if psp is None:
        raise BadNotification("no payment provider is configured")
    note = psp.verify(body, signature_header)
    seen = session.execute(
        sa.select(payment_notifications.c.effect).where(payment_notifications.c.event_id == note.event_id)
    ).first()
    if seen is not None:
        return "duplicate"
    effect = _apply(runtime, session, note)
    session.execute(
        payment_notifications.insert().values(
            event_id=note.event_id,
            payment_id=note.merchant_reference[:36],
            outcome=note.outcome,
            effect=effect,
            received_at=now(),
        )
    )
    return effect


def _apply(runtime, session, note: Notification) -> str:
    row = session.execute(sa.select(payments).where(payments.c.id == note.merchant_reference).with_for_update()).first()
    if row is None or row.provider_session != note.session_id:
        log.error("payment notification for an unknown payment", extra={"event_id": note.event_id})
        return "unknown_payment"
    payment = _payment(row)
    at = now()
    if note.outcome != "succeeded":
        if payment.final:
            return "ignored_final"  # e.g. a late "failed" after "paid": a final payment never moves
        changed = payment.fail(note.reason or note.outcome, at) if note.outcome == "failed" else payment.cancel(at)
        _save(session, changed)
        return note.outcome
    if payment.state is State.PAID:
        return "already_paid"
    if payment.final or paid(session, payment.application_id) is not None:
        # Money captured on an attempt we had closed, or a second one: staff must refund it.
        log.error(
            "payment captured that cannot be applied: refund needed",
            extra={"payment_id": payment.id, "state": payment.state.value},
        )
        return "refund_needed"
    try:
        done = payment.confirm(
            amount_yen=note.amount_yen,
            reference=note.provider_reference or note.session_id,
            method=note.method,
            paid_at=datetime.fromtimestamp(note.occurred_at, UTC),
            now=at,
        )
    except (ValueError, IllegalTransition) as exc:
        log.error("payment notification refused by the payment's rules", extra={"error": str(exc)})
        return "amount_mismatch" if "captured" in str(exc) else "rejected"
    _save(session, done)
    _publish_paid(runtime, session, done)
    return "paid"


def _publish_paid(runtime, session, p: Payment) -> None:
    runtime.emit(
        session,
        "fee.paid",
        {
            "application_id": p.application_id,
            "applicant_id": p.applicant_id,
            "payment_id": p.id,
            "amount_yen": p.amount_yen,
            "paid_at": p.paid_at,
            "payment_reference": p.provider_reference,
            "method": p.method,
            "provider": p.provider,
        },
        correlation_id=p.application_id,
    )
    session.execute(
        timeline_entries.insert().values(
            application_id=p.application_id,
            applicant_id=p.applicant_id,
            kind="fee_paid",
            occurred_at=p.paid_at,
            detail=json.dumps({"amount_yen": p.amount_yen, "reference": p.provider_reference, "method": p.method}),
        )
    )


# --- when a notification never came ------------------------------------------------------------------
def reconcile(runtime, session, older_than: timedelta = timedelta(minutes=10)) -> int:
    """Ask the provider about pending attempts older than ``older_than``; apply what it says."""
    psp = provider(runtime)
    if psp is None:
        return 0
    cutoff = now() - older_than
    moved = 0
    for row in session.execute(
        sa.select(payments).where(payments.c.state == State.PENDING.value, payments.c.updated_at < cutoff)
    ).all():
        status = psp.query(row.provider_session)
        if status is None or status.outcome is None:
            continue
        note = Notification(
            event_id=f"reconcile:{row.id}",
            outcome=status.outcome,
            session_id=row.provider_session,
            merchant_reference=row.id,
            amount_yen=status.amount_yen,
            method=status.method or "card",
            provider_reference=status.provider_reference,
            occurred_at=int(now().timestamp()),
        )
        if _apply(runtime, session, note) in ("paid", "failed", "cancelled"):
            moved += 1
    return moved

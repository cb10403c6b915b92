"""Cancelling an issued e-COE or certificate from the officer pages (issue 17): a supervisor of the bureau that
decided it, with a reason, after a confirmation step; audited (``document.cancelled``) in the same transaction
as the cancellation, after which the public check says "cancelled". The CLI's ``cancel-coe`` does the same
without an officer (an operator's tool)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from review.adapters import audit
from review.adapters.tables import cases, coe_documents
from review.application import coe
from review.domain.roles import MATRIX, Action, Forbidden, Officer, can, in_scope

REASON_MAX = 2000


class DocumentNotFound(LookupError):
    """No such document, or one out of the officer's scope (they learn nothing of it)."""


class AlreadyCancelled(Exception):
    pass


@dataclass(frozen=True)
class DocumentSummary:
    """What the confirmation step shows: enough to be sure it is the right document, no personal data."""

    document_id: str
    application_id: str
    receipt_number: str
    procedure: str
    bureau: str
    issued_on: date
    valid_until: date
    cancelled_at: datetime | None
    cancel_reason: str | None


def require_canceller(officer: Officer) -> None:
    """Whether the officer's role cancels documents at all (before any number is looked up)."""
    if Action.CANCEL_DOCUMENT not in MATRIX[officer.role]:
        raise Forbidden(f"{officer.role.value} {officer.id} may not cancel documents")


def load(session, officer: Officer, document_id: str) -> DocumentSummary:
    row = session.execute(
        sa.select(
            coe_documents.c.document_id,
            coe_documents.c.application_id,
            coe_documents.c.issued_on,
            coe_documents.c.valid_until,
            coe_documents.c.cancelled_at,
            coe_documents.c.cancel_reason,
            cases.c.receipt_number,
            cases.c.procedure,
            cases.c.bureau,
            cases.c.office,
        )
        .join(cases, cases.c.application_id == coe_documents.c.application_id)
        .where(coe_documents.c.document_id == document_id)
    ).first()
    if row is None or not in_scope(officer, row.bureau, row.office):
        raise DocumentNotFound(document_id)
    if not can(officer, Action.CANCEL_DOCUMENT, row.bureau, office=row.office):
        raise Forbidden(f"{officer.role.value} {officer.id} may not cancel documents")
    return DocumentSummary(
        document_id=row.document_id,
        application_id=row.application_id,
        receipt_number=row.receipt_number,
        procedure=row.procedure,
        bureau=row.bureau,
        issued_on=row.issued_on,
        valid_until=row.valid_until,
        cancelled_at=row.cancelled_at,
        cancel_reason=row.cancel_reason,
    )


def cancel(session, officer: Officer, document_id: str, reason: str, ip: str | None = None) -> DocumentSummary:
    """Cancel it; ValueError without a reason, AlreadyCancelled when it was (nothing changes twice)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("a cancellation states its reason")
    found = load(session, officer, document_id)
    if found.cancelled_at is not None or not coe.cancel(session, document_id, reason[:REASON_MAX]):
        raise AlreadyCancelled(document_id)
    audit.append(
        session,
        officer.id,
        "document.cancelled",
        bureau=found.bureau,
        application_id=found.application_id,
        target=document_id,
        ip=ip,
        detail={"reason": reason[:REASON_MAX]},
    )
    return load(session, officer, document_id)

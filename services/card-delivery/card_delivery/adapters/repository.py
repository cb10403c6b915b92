"""Delivery cases in the database: load (locked for the transition), save, history, listings."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from card_delivery.domain.case import Change, DeliveryCase, State
from zairyu_shared.subject_keys import sealing

from .tables import case_history, delivery_cases, early_fee_payments, metadata

_CASE_FIELDS = [f for f in DeliveryCase.__dataclass_fields__]


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands timestamps back without a zone; everything stored is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def utc(value):
    """Stored as UTC: SQLite keeps the wall time and drops the zone, so convert before writing."""
    return value.astimezone(UTC) if isinstance(value, datetime) and value.tzinfo else value


def _row_values(case: DeliveryCase) -> dict:
    values = {k: utc(v) for k, v in asdict(case).items()}
    values["state"] = case.state.value
    return values


class CaseNotFound(LookupError):
    pass


def _to_case(row) -> DeliveryCase:
    values = {name: row._mapping[name] for name in _CASE_FIELDS}
    values["state"] = State(values["state"])
    values["approved_at"] = aware(values["approved_at"])
    values["state_since"] = aware(values["state_since"])
    values["fee_paid_online_at"] = aware(values["fee_paid_online_at"])
    return DeliveryCase(**values)


def _locked(stmt, session: Session):
    # Row lock on PostgreSQL so two officers (or an officer and the CSV import) serialise on a case.
    return stmt.with_for_update() if session.get_bind().dialect.name == "postgresql" else stmt


def get(session: Session, delivery_id: str, lock: bool = False) -> DeliveryCase:
    stmt = sa.select(delivery_cases).where(delivery_cases.c.delivery_id == delivery_id)
    row = session.execute(_locked(stmt, session) if lock else stmt).first()
    if row is None:
        raise CaseNotFound(delivery_id)
    return _to_case(row)


def find_by_tracking(session: Session, tracking_number: str, lock: bool = False) -> DeliveryCase | None:
    stmt = (
        sa.select(delivery_cases)
        .where(delivery_cases.c.tracking_number == tracking_number)
        .order_by(delivery_cases.c.state_since.desc())
        .limit(1)
    )
    row = session.execute(_locked(stmt, session) if lock else stmt).first()
    return _to_case(row) if row else None


def exists_for_application(session: Session, application_id: str) -> bool:
    return (
        session.execute(
            sa.select(delivery_cases.c.delivery_id).where(delivery_cases.c.application_id == application_id)
        ).first()
        is not None
    )


def lock_application(session: Session, application_id: str) -> None:
    """Serialise the handlers of one application (decision and fee.paid come on separate queues):
    without it each could miss the other's uncommitted row and a held payment would never apply."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:a, 0))"), {"a": application_id})


def find_by_application(session: Session, application_id: str, lock: bool = False) -> DeliveryCase | None:
    stmt = sa.select(delivery_cases).where(delivery_cases.c.application_id == application_id)
    row = session.execute(_locked(stmt, session) if lock else stmt).first()
    return _to_case(row) if row else None


def hold_early_payment(session: Session, payment: dict, now: datetime) -> bool:
    """Keep a fee.paid whose case is not open yet; False when one is already held (redelivery)."""
    held = session.execute(
        sa.select(early_fee_payments.c.application_id).where(
            early_fee_payments.c.application_id == payment["application_id"]
        )
    ).first()
    if held:
        return False
    session.execute(
        early_fee_payments.insert().values(
            application_id=payment["application_id"],
            applicant_id=payment["applicant_id"],
            amount_yen=payment["amount_yen"],
            payment_reference=payment["payment_reference"],
            paid_at=utc(payment["paid_at"]),
            received_at=utc(now),
        )
    )
    return True


def take_early_payment(session: Session, application_id: str) -> dict | None:
    row = (
        session.execute(sa.select(early_fee_payments).where(early_fee_payments.c.application_id == application_id))
        .mappings()
        .first()
    )
    if row is None:
        return None
    session.execute(early_fee_payments.delete().where(early_fee_payments.c.application_id == application_id))
    return {**row, "paid_at": aware(row["paid_at"])}


def insert(session: Session, case: DeliveryCase) -> None:
    values = _row_values(case)
    with sealing(session, metadata, case.applicant_id):  # the applicant's own data key (erasure reaches backups)
        session.execute(delivery_cases.insert().values(**values))


def save(
    session: Session,
    case: DeliveryCase,
    change: Change,
    now: datetime,
    officer: str | None = None,
    note: str | None = None,
) -> None:
    values = _row_values(case)
    for key in ("delivery_id", "application_id", "applicant_id", "approved_at", "procedure", "fee_yen"):
        values.pop(key)
    with sealing(session, metadata, case.applicant_id):
        session.execute(
            delivery_cases.update()
            .where(delivery_cases.c.delivery_id == case.delivery_id)
            .values(**values, version=delivery_cases.c.version + 1)
        )
    record(session, case.delivery_id, change, now, officer, note)


def record(session: Session, delivery_id: str, change: Change, now: datetime, officer=None, note=None) -> None:
    session.execute(
        case_history.insert().values(
            delivery_id=delivery_id,
            action=change.action,
            from_state=change.from_state.value,
            to_state=change.to_state.value,
            officer=officer,
            note=note,
            at=utc(now),
        )
    )


def history(session: Session, delivery_id: str) -> list[dict]:
    rows = (
        session.execute(
            sa.select(case_history).where(case_history.c.delivery_id == delivery_id).order_by(case_history.c.id)
        )
        .mappings()
        .all()
    )
    return [{**r, "at": aware(r["at"])} for r in rows]


def in_state(session: Session, state: State, limit: int = 200, offset: int = 0) -> list[DeliveryCase]:
    rows = session.execute(
        sa.select(delivery_cases)
        .where(delivery_cases.c.state == state.value)
        .order_by(delivery_cases.c.state_since, delivery_cases.c.delivery_id)
        .limit(limit)
        .offset(offset)
    ).all()
    return [_to_case(r) for r in rows]


SEARCH_SCAN_LIMIT = 5000  # the newest cases read for a name search (names are encrypted: no SQL LIKE on them)


def _folded(text: str) -> str:
    import unicodedata

    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def search(session: Session, text: str, limit: int = 50) -> list[DeliveryCase]:
    """Cases found by what the person or the envelope shows: a card number (old or new), a tracking number,
    the printed reference, or part of the name (any case or width, spaces ignored)."""
    needle = _folded(text or "")
    if len(needle) < 2:
        return []
    code = needle.replace(" ", "").replace("-", "").upper()
    exact = session.execute(
        sa.select(delivery_cases).where(
            sa.or_(
                # the receipt number as printed (東オン-2026-000123); full-width digits and hyphens folded by NFKC
                delivery_cases.c.receipt_number == unicodedata.normalize("NFKC", text or "").strip(),
                delivery_cases.c.old_card_number == code,
                delivery_cases.c.card_number == code,
                delivery_cases.c.tracking_number == (text or "").strip(),
            )
        )
    ).all()
    found = {r.delivery_id: _to_case(r) for r in exact}
    if len(code) == 12 and all(c in "0123456789ABCDEF" for c in code):
        ref = code.lower()
        for r in session.execute(
            sa.select(delivery_cases).where(delivery_cases.c.delivery_id.like(f"{ref[:8]}-{ref[8:]}%"))
        ).all():
            found.setdefault(r.delivery_id, _to_case(r))
    rows = session.execute(
        sa.select(delivery_cases).order_by(delivery_cases.c.state_since.desc()).limit(SEARCH_SCAN_LIMIT)
    ).all()
    squeezed = needle.replace(" ", "")
    for r in rows:
        if len(found) >= limit:
            break
        if squeezed in _folded(r.name).replace(" ", ""):
            found.setdefault(r.delivery_id, _to_case(r))
    return list(found.values())[:limit]


def count_by_state(session: Session) -> dict[State, int]:
    rows = session.execute(sa.select(delivery_cases.c.state, sa.func.count()).group_by(delivery_cases.c.state)).all()
    counts = {state: 0 for state in State}
    for state, n in rows:
        counts[State(state)] = n
    return counts


def stalled_by_state(session: Session, now: datetime, stall_after: Mapping[State, timedelta]) -> dict[State, int]:
    """domain.deadlines.is_stalled as SQL (more than the limit in the state), counted per state; the two are
    checked against the same cases (tests/test_deadline_rules.py)."""
    counts = {state: 0 for state in State}
    for state, limit in stall_after.items():
        counts[state] = session.execute(
            sa.select(sa.func.count()).where(
                delivery_cases.c.state == state.value, delivery_cases.c.state_since < utc(now - limit)
            )
        ).scalar_one()
    return counts


def envelope_overdue_candidates(session: Session, cutoff: datetime) -> list[DeliveryCase]:
    """domain.deadlines.envelope_overdue as SQL, ``cutoff`` being now - ENVELOPE_GRACE (approved at or before it,
    still awaiting the envelope, never reminded); checked against the same cases (tests/test_deadline_rules.py)."""
    rows = session.execute(
        sa.select(delivery_cases).where(
            delivery_cases.c.state == State.AWAITING_ENVELOPE.value,
            delivery_cases.c.overdue_reminded_at.is_(None),
            delivery_cases.c.approved_at <= utc(cutoff),
        )
    ).all()
    return [_to_case(r) for r in rows]


def mark_reminded(session: Session, delivery_id: str, now: datetime) -> bool:
    """Claim the one reminder of a case; False when another run already claimed it."""
    result = session.execute(
        delivery_cases.update()
        .where(delivery_cases.c.delivery_id == delivery_id, delivery_cases.c.overdue_reminded_at.is_(None))
        .values(overdue_reminded_at=utc(now))
    )
    return cast("sa.CursorResult[Any]", result).rowcount == 1  # an UPDATE's result carries the count


def find_by_reference(session: Session, reference: str, state: State) -> DeliveryCase | None:
    """The case whose printed reference (first 12 hex digits of its id) was scanned off a label."""
    ref = reference.strip().lower()
    if len(ref) != 12 or any(c not in "0123456789abcdef" for c in ref):
        return None
    row = session.execute(
        sa.select(delivery_cases).where(
            delivery_cases.c.delivery_id.like(f"{ref[:8]}-{ref[8:]}%"), delivery_cases.c.state == state.value
        )
    ).first()
    return _to_case(row) if row else None

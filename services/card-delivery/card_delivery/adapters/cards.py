"""The card registry: which residence card numbers exist and whether each is still valid."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from card_delivery.domain.card_number import is_card_number, random_card_number

from .tables import cards

ATTEMPTS = 20


class NumberSpaceExhausted(RuntimeError):
    pass


def lookup(session: Session, card_number: str) -> str:
    """valid | invalid | unknown — and nothing else about the card."""
    if not is_card_number(card_number):
        return "unknown"
    status = session.execute(sa.select(cards.c.status).where(cards.c.card_number == card_number)).scalar()
    return status or "unknown"


def record_old_card(session: Session, card_number: str, delivery_id: str, now: datetime) -> None:
    """An old card named in a decision: valid until its replacement is issued (kept as is if known)."""
    exists = session.execute(sa.select(cards.c.card_number).where(cards.c.card_number == card_number)).first()
    if exists is None:
        with session.begin_nested():
            session.execute(
                cards.insert().values(
                    card_number=card_number,
                    status="valid",
                    origin="decision",
                    delivery_id=delivery_id,
                    recorded_at=now.astimezone(UTC),
                )
            )


def allocate(session: Session, delivery_id: str, now: datetime, draw: Callable[[], str] = random_card_number) -> str:
    """Draw random numbers until one is new, and register it valid in the caller's transaction.

    Two issuers drawing the same number at once both try to insert it: the primary key lets one
    win and the other fails inside its savepoint and draws again (no check-then-insert race).
    """
    for _ in range(ATTEMPTS):
        number = draw()
        try:
            with session.begin_nested():
                session.execute(
                    cards.insert().values(
                        card_number=number,
                        status="valid",
                        origin="issued",
                        delivery_id=delivery_id,
                        recorded_at=now.astimezone(UTC),
                    )
                )
            return number
        except IntegrityError:
            continue
    raise NumberSpaceExhausted(f"no free card number after {ATTEMPTS} draws")


def invalidate(session: Session, card_number: str, now: datetime) -> None:
    session.execute(
        cards.update()
        .where(cards.c.card_number == card_number, cards.c.status == "valid")
        .values(status="invalid", invalidated_at=now.astimezone(UTC))
    )

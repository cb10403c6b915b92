"""The card registry: which residence card numbers exist and whether each is still valid."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from card_delivery.domain.card_number import is_card_number, random_card_number
from card_delivery.domain.card_validity import CardValidity, printed_date_matches, status_on

from .tables import cards

ATTEMPTS = 20


class NumberSpaceExhausted(RuntimeError):
    pass


def lookup(session: Session, card_number: str, printed_until: date, today: date) -> str:
    """valid | special_period | expired | invalid | unknown (card_validity.status_on on Japan's ``today``) — and
    nothing else about the card: never its dates, which would tell a stranger the holder's period of stay. A number
    whose recorded validity date is not ``printed_until`` (the date on the card's front) is ``unknown``, as a number
    never issued is: the answer tells nothing to someone without the card (card_validity.printed_date_matches)."""
    if not is_card_number(card_number):
        return "unknown"
    row = session.execute(
        sa.select(cards.c.status, cards.c.valid_until, cards.c.runs_to_stay_expiry).where(
            cards.c.card_number == card_number
        )
    ).first()
    if row is None or not printed_date_matches(row.valid_until, printed_until):
        return "unknown"
    if row.status != "valid":
        return str(row.status)
    validity = CardValidity(row.valid_until, bool(row.runs_to_stay_expiry)) if row.valid_until else None
    return status_on(validity, today)


def valid_until(session: Session, card_number: str) -> date | None:
    """An issued card's last valid day as recorded at its issue (None: not known), for the mailroom's case page."""
    found: date | None = session.execute(
        sa.select(cards.c.valid_until).where(cards.c.card_number == card_number)
    ).scalar()
    return found


def record_old_card(
    session: Session, card_number: str, delivery_id: str, now: datetime, validity: CardValidity | None = None
) -> None:
    """An old card named in a decision: valid until its replacement is issued, or until ``validity`` ends
    (card_validity.old_card); kept as is if known."""
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
                    valid_until=validity.valid_until if validity else None,
                    runs_to_stay_expiry=bool(validity and validity.runs_to_stay_expiry),
                )
            )


def allocate(
    session: Session,
    delivery_id: str,
    now: datetime,
    draw: Callable[[], str] = random_card_number,
    validity: CardValidity | None = None,
) -> str:
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
                        valid_until=validity.valid_until if validity else None,
                        runs_to_stay_expiry=bool(validity and validity.runs_to_stay_expiry),
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

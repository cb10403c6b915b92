"""Receipt numbers after review's database was restored to an earlier point.

The restored serials are behind: numbers issued after the backup were e-mailed to applicants and are
recorded by intake. ``reserve`` takes intake's list (application id, receipt number): each serial moves
past the highest number seen, and every application the restored database does not know keeps its
number for when its submission is replayed (``receive`` takes no new serial for it, and then asks ``numbers_of``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import sqlalchemy as sa

from review.adapters.tables import cases, receipt_reservations, receipt_serials
from review.domain.receipt import parse_receipt_number
from zairyu_shared.db import statement_once


def reserve(session, seen: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Advance the serials past ``seen`` and keep the numbers of unknown applications. Returns counts."""
    highest: dict[tuple[str, int], int] = {}
    reserved = known = 0
    now = datetime.now(UTC)
    for application_id, number in seen:
        office, year, serial = parse_receipt_number(number)
        highest[(office, year)] = max(serial, highest.get((office, year), 0))
        if session.execute(sa.select(cases.c.application_id).where(cases.c.application_id == application_id)).first():
            known += 1
            continue
        exists = session.execute(
            sa.select(receipt_reservations.c.receipt_number).where(
                receipt_reservations.c.application_id == application_id
            )
        ).first()
        if exists is None:
            session.execute(
                receipt_reservations.insert().values(
                    application_id=application_id, receipt_number=number, reserved_at=now
                )
            )
            reserved += 1
    advanced = 0
    s = receipt_serials
    for (office, year), serial in highest.items():
        current = session.execute(
            sa.select(s.c.last_serial).where(s.c.bureau == office, s.c.year == year).with_for_update()
        ).scalar()
        if current is None:
            session.execute(s.insert().values(bureau=office, year=year, last_serial=serial))
            advanced += 1
        elif current < serial:
            session.execute(s.update().where(s.c.bureau == office, s.c.year == year).values(last_serial=serial))
            advanced += 1
    return {"reserved": reserved, "already_cases": known, "serials_advanced": advanced}


def numbers_of(session, application_id: str) -> tuple[str | None, str | None]:
    """(the receipt number of the application's case if it has one already, the number reserved for it after a
    restore if any): one statement, asked when receiving a case took no new serial."""
    row = session.execute(
        statement_once(
            ("review.numbers_of",),
            lambda: sa.select(
                sa.select(cases.c.receipt_number)
                .where(cases.c.application_id == sa.bindparam("numbers_application_id"))
                .scalar_subquery(),
                sa.select(receipt_reservations.c.receipt_number)
                .where(receipt_reservations.c.application_id == sa.bindparam("numbers_application_id"))
                .scalar_subquery(),
            ),
        ),
        {"numbers_application_id": application_id},
    ).one()
    return row[0], row[1]

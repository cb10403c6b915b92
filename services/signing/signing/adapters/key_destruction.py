"""What signing's keys per day (outbox bodies, verdicts) share: a purge step's run that destroys the keys its
``where`` names through the erasure ledger (``Keyring.erase_many`` writes the ledger first), so a restored backup
destroys them again at ``migrate``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from zairyu_shared.subject_keys import Keyring

from .tables import subject_key_tables

Where = Callable[[datetime], sa.ColumnElement[bool]]
Run = Callable[[sessionmaker[Session], datetime, bool, int], int]


def destroy_through_ledger(keyring: Keyring | None, where: Where, what: str) -> Run:
    keys = subject_key_tables.keys

    def run(session_factory: sessionmaker[Session], cutoff: datetime, dry_run: bool, batch: int) -> int:
        with session_factory() as session, session.begin():
            subjects = list(session.execute(sa.select(keys.c.subject).where(where(cutoff))).scalars())
            if dry_run or not subjects:
                return len(subjects)
            if keyring is None:  # (a runtime always has one: signing's metadata holds the key tables)
                raise RuntimeError(f"signing's {what} need its keyring to be destroyed through the ledger")
            return keyring.erase_many(session.connection(), subjects)

    return run

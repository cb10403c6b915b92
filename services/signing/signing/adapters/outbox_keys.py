"""Signing's outbox bodies under a data key per day (issue 20: erasure that reaches backups).

``signature.verified`` carries the whole submission (name, nationality, the signed content) and waits in
signing's outbox a day after it was sent (``outbox_sent``): ``republish --since`` reads it again after another
service's restore (docs/operations.md), so the body cannot simply be cleared once the broker confirmed it.
Signing keeps no per-person keys (it never learns when a person is erased; its verdicts are case-file evidence):
each personal event's body is sealed under the key of the UTC day it was staged (``outbox-YYYY-MM-DD``). Once no
outbox row is under a day's key any more (the day's rows sent and purged) and the day is two days gone, the purge
destroys the key through the erasure ledger (``Keyring.erase_many``): every backup holding those bodies reads
them nowhere from then on, a restored one included (``migrate`` re-applies the ledger).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from zairyu_shared.events import Envelope
from zairyu_shared.outbox import SEALED_PREFIX
from zairyu_shared.retention import PurgeStep
from zairyu_shared.subject_keys import Keyring

from .key_destruction import destroy_through_ledger
from .tables import outbox, subject_key_tables

PREFIX = "outbox-"
# A day's key is never destroyed before the day is this far gone: a transaction still staging under it has long
# committed, and its rows sent a day before the purge's cutoff (``outbox_sent``: 1 day) are gone.
GRACE = timedelta(days=1)


def day_subject(event: Envelope | None = None, now: datetime | None = None) -> str:
    """The key a personal event's body is sealed under: the day it is staged (ServiceDefinition.outbox_seal_subject)."""
    return f"{PREFIX}{(now or datetime.now(UTC)).astimezone(UTC).date().isoformat()}"


def purge_step(keyring: Keyring | None) -> PurgeStep:
    """``outbox_sent``: the day keys no row is under any more, destroyed through the erasure ledger (the purge after
    the one that took the day's last rows)."""
    keys = subject_key_tables.keys

    def where(cutoff: datetime) -> sa.ColumnElement[bool]:
        still_used = sa.exists().where(outbox.c.body.startswith(sa.literal(SEALED_PREFIX) + keys.c.subject + ":"))
        return sa.and_(keys.c.subject.startswith(PREFIX), keys.c.created_at < cutoff - GRACE, ~still_used)

    run = destroy_through_ledger(keyring, where, "day keys")
    return PurgeStep("outbox_sent", keys, keys.c.subject, where, label="outbox_sent:day_keys", run=run)

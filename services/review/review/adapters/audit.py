"""Appending to and reading the audit chain."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from review.domain.audit_chain import GENESIS, check, entry_hash
from zairyu_shared.db import statement_once

from . import access_log
from .tables import audit_log

_LOCK_KEY = 0x52455649  # advisory lock serialising appends to the chain ("REVI")


def append(
    session,
    actor: str,
    action: str,
    *,
    bureau: str | None = None,
    application_id: str | None = None,
    target: str | None = None,
    ip: str | None = None,
    detail: dict | None = None,
    purpose: str | None = None,
) -> dict:
    """Append one entry in the caller's transaction (so the action and its record commit together).

    An officer's read, decision, hand-over or export of a case also gets its leaf in the access log (issue 22),
    under the same lock; a read or export without ``purpose`` raises access.PurposeRequired."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    last = session.execute(
        statement_once(
            ("review.audit_last",),
            lambda: sa.select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1),
        )
    ).first()
    moment = datetime.now(UTC)
    entry: dict[str, Any] = {
        "seq": (last.seq + 1) if last else 1,
        "at": moment.isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "bureau": bureau,
        "application_id": application_id,
        "target": target,
        "ip": ip,
        "detail": json.dumps(detail or {}, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
    }
    entry["prev_hash"] = last.hash if last else GENESIS
    entry["hash"] = entry_hash(entry["prev_hash"], entry)
    session.execute(statement_once(("review.audit_insert",), audit_log.insert), entry)
    if application_id is not None:
        access_log.record(
            session, officer_id=actor, action=action, application_id=application_id, at=moment, purpose=purpose
        )
    return entry


def entries(connection, application_id: str | None = None, bureau: str | None = None):
    query = sa.select(audit_log).order_by(audit_log.c.seq)
    if application_id:
        query = query.where(audit_log.c.application_id == application_id)
    if bureau:
        query = query.where(audit_log.c.bureau == bureau)
    return [dict(r._mapping) for r in connection.execute(query)]


def verify_chain(connection, batch: int = 5000) -> tuple[int, list[str]]:
    """Walk the whole chain in batches (constant memory); returns (entries checked, problems)."""
    problems: list[str] = []
    count, prev, expected_seq, last_seq = 0, GENESIS, 1, 0
    while True:
        rows = [
            dict(r._mapping)
            for r in connection.execute(
                sa.select(audit_log).where(audit_log.c.seq > last_seq).order_by(audit_log.c.seq).limit(batch)
            )
        ]
        if not rows:
            return count, problems
        for e in rows:
            problems += check(e, prev, expected_seq)
            prev, expected_seq = e["hash"], e["seq"] + 1
        last_seq = rows[-1]["seq"]
        count += len(rows)

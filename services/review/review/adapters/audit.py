"""Appending to, reading, verifying and trimming the audit chain."""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
from sqlalchemy.orm import Session, sessionmaker

from review.domain.audit_chain import ANCHOR_ACTION, GENESIS, Anchor, SignatureCheck, SignedAnchor, Walk, entry_hash
from zairyu_shared import access_log as fmt
from zairyu_shared.db import statement_once

from . import access_log
from .tables import audit_log, cases

log = logging.getLogger(__name__)

_LOCK_KEY = 0x52455649  # advisory lock serialising appends to the chain ("REVI"; audit_log_locked_head's too)


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
    last = _chain_head(session)
    moment = datetime.now(UTC)
    entry: dict[str, Any] = {
        "seq": (last[0] + 1) if last else 1,
        "at": moment.isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "bureau": bureau,
        "application_id": application_id,
        "target": target,
        "ip": ip,
        "detail": json.dumps(detail or {}, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
    }
    entry["prev_hash"] = last[1] if last else GENESIS
    entry["hash"] = entry_hash(entry["prev_hash"], entry)
    session.execute(statement_once(("review.audit_insert",), audit_log.insert), entry)
    session.info[_HEAD] = (entry["seq"], entry["hash"])
    if application_id is not None:
        access_log.record(
            session, officer_id=actor, action=action, application_id=application_id, at=moment, purpose=purpose
        )
    return entry


# session.info key: (seq, hash) of the entry the session's current transaction appended last.
_HEAD = "review.audit_head"


def _chain_head(session) -> tuple[int, str] | None:
    """(seq, hash) of the chain's last entry, read under the lock. A transaction that appended already holds the
    lock until it ends (pg_advisory_xact_lock; SQLite: its write lock) and nobody else appended since: its own last
    entry is the head (a consumer batch's cases, one audit entry each, read it once)."""
    head = session.info.get(_HEAD)
    if head is not None:
        return head
    if session.get_bind().dialect.name == "postgresql":
        # The lock and then the head, in one statement: the function's query for the head sees what the lock's
        # previous holder committed (migration 0016; its key is _LOCK_KEY).
        last = session.execute(
            statement_once(
                ("review.audit_locked_head",), lambda: sa.text("SELECT seq, hash FROM audit_log_locked_head()")
            )
        ).first()
    else:  # SQLite: no advisory lock (its write lock serialises the appends)
        last = session.execute(
            statement_once(
                ("review.audit_last",),
                lambda: sa.select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1),
            )
        ).first()
    return (last.seq, last.hash) if last else None


@sa.event.listens_for(Session, "after_begin")
@sa.event.listens_for(Session, "after_commit")
@sa.event.listens_for(Session, "after_soft_rollback")
def _forget_head(session: Session, *_args: object) -> None:
    """The head is known only inside the transaction that wrote it: forgotten when it ends (the lock goes with it;
    the session's next transaction may append before its first statement begins it), when a savepoint begins, and
    when one rolls back (the entry it remembered may be gone)."""
    session.info.pop(_HEAD, None)


def _lock(session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            statement_once(("review.audit_lock",), lambda: sa.text("SELECT pg_advisory_xact_lock(:k)")),
            {"k": _LOCK_KEY},
        )


def entries(connection, application_id: str | None = None, bureau: str | None = None):
    query = sa.select(audit_log).order_by(audit_log.c.seq)
    if application_id:
        query = query.where(audit_log.c.application_id == application_id)
    if bureau:
        query = query.where(audit_log.c.bureau == bureau)
    return [dict(r._mapping) for r in connection.execute(query)]


def signature_check(public_keys: Iterable[bytes]) -> SignatureCheck:
    """Checks a trim anchor's signature against review's audit keys (PEM or DER P-256 public keys: the
    access log's key, which signs its tree heads too; older keys after a rotation)."""
    keys = [fmt.load_public_key(k) for k in public_keys]

    def ok(signed: SignedAnchor) -> bool:
        try:
            raw = base64.b64decode(signed.signature, validate=True)
        except (binascii.Error, ValueError):
            return False
        if len(raw) != 64:
            return False
        der = utils.encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        for key in keys:
            try:
                key.verify(der, signed.anchor.digest(), ec.ECDSA(utils.Prehashed(hashes.SHA256())))
                return True
            except (InvalidSignature, UnsupportedAlgorithm):
                continue
        return False

    return ok


def anchors(connection) -> list[dict]:
    """The trim anchors the chain holds, oldest first."""
    query = sa.select(audit_log).where(audit_log.c.action == ANCHOR_ACTION).order_by(audit_log.c.seq)
    return [dict(r._mapping) for r in connection.execute(query)]


def verify_chain(connection, batch: int = 5000, keys: Iterable[bytes] = ()) -> tuple[int, list[str]]:
    """Walk the whole chain in batches (constant memory); returns (entries checked, problems).

    A trimmed chain verifies from its trim anchor, whose signature is checked with ``keys`` (review's audit
    keys); without keys no anchor verifies, so a trimmed chain reports its missing start."""
    walk = Walk(anchors(connection), signature_check(keys))
    last_seq = 0
    while True:
        rows = [
            dict(r._mapping)
            for r in connection.execute(
                sa.select(audit_log).where(audit_log.c.seq > last_seq).order_by(audit_log.c.seq).limit(batch)
            )
        ]
        if not rows:
            return walk.count, walk.problems
        for e in rows:
            walk.feed(e)
        last_seq = rows[-1]["seq"]


def first_seq(connection) -> int | None:
    return connection.execute(sa.select(sa.func.min(audit_log.c.seq))).scalar()


# --- trimming -------------------------------------------------------------------------------------------------
# The chain can only be cut at its start: the cut ends before the oldest entry that must stay, either because its
# own period has not ended (``audit_entry``) or because it is about a case file review still holds (the audit is
# evidence about the file: it never goes before the file does).
def _kept_from(session, cutoff: str) -> int | None:
    held = sa.exists().where(cases.c.application_id == audit_log.c.application_id)
    return session.execute(
        sa.select(sa.func.min(audit_log.c.seq)).where(
            sa.or_(audit_log.c.at >= cutoff, sa.and_(audit_log.c.application_id.is_not(None), held))
        )
    ).scalar()


def _pending(session, first: int) -> tuple[int, int] | None:
    """(anchor's seq, through) of the anchor whose cut has not been finished (entries it covers remain)."""
    best = None
    for entry in anchors(session):
        try:
            through = SignedAnchor.from_entry(entry).anchor.through_seq
        except (ValueError, KeyError, TypeError):
            continue
        if through >= first and (best is None or through > best[1]):
            best = (entry["seq"], through)
    return best


def trim(
    session_factory: sessionmaker[Session],
    cutoff: datetime,
    signer: Callable[[], fmt.Signer | None],
    *,
    batch: int = 500,
    dry_run: bool = False,
) -> int:
    """Cut the entries written before ``cutoff`` from the start of the chain, after a signed trim anchor.

    The anchor is appended (and committed) first; then the entries it covers are deleted oldest first,
    ``batch`` per transaction, through the database's ``audit_log_trim`` (PostgreSQL: the only way the
    application's role may delete audit rows, and only those an anchor covers, at least 10 years old). A run
    stopped half-way leaves a chain that still verifies; the next run finishes the cut. Returns the number of
    entries deleted (a dry run: that would be). No audit key configured: nothing is cut (logged)."""
    stamp = cutoff.astimezone(UTC).isoformat(timespec="microseconds")
    with session_factory() as session, session.begin():
        _lock(session)
        first = first_seq(session)
        if first is None:
            return 0
        kept = _kept_from(session, stamp)
        last = session.execute(sa.select(audit_log).order_by(audit_log.c.seq.desc()).limit(1)).one()
        through = (kept - 1) if kept is not None else last.seq
        pending = _pending(session, first)
        target = max(through, pending[1] if pending else 0)
        if dry_run or target < first:
            return max(0, target - first + 1)
        anchor_seq = pending[0] if pending else 0
        if through > (pending[1] if pending else 0):
            key = signer()
            if key is None:
                log.warning(
                    "audit entries have outlived their retention period but no audit key is configured to sign "
                    "the cut: kept",
                    extra={"expired": through - first + 1},
                )
                if not pending:
                    return 0
                target = pending[1]
            else:
                anchor_seq = _write_anchor(session, key, first, through, last)
    deleted = 0
    while True:
        with session_factory() as session, session.begin():
            n = _delete_batch(session, anchor_seq, target, batch)
        deleted += n
        if n < batch:
            break
    log.info("audit chain trimmed", extra={"count": deleted, "through_seq": target, "anchor_seq": anchor_seq})
    return deleted


def _write_anchor(session, key: fmt.Signer, first: int, through: int, last) -> int:
    ends = {r.seq: r for r in session.execute(sa.select(audit_log).where(audit_log.c.seq.in_((first, through)))).all()}
    anchor = Anchor(
        first_seq=first,
        through_seq=through,
        through_hash=ends[through].hash,
        count=through - first + 1,
        first_at=ends[first].at,
        last_at=ends[through].at,
        head_seq=last.seq,
        head_hash=last.hash,
    )
    signature = base64.b64encode(key.sign_digest(anchor.digest())).decode()
    entry = append(session, "system", ANCHOR_ACTION, detail=SignedAnchor(anchor, key.kid, signature).detail())
    return int(entry["seq"])


def _delete_batch(session, anchor_seq: int, through: int, batch: int) -> int:
    if session.get_bind().dialect.name == "postgresql":
        return int(
            session.execute(
                sa.text("SELECT audit_log_trim(:anchor, :batch)"), {"anchor": anchor_seq, "batch": batch}
            ).scalar_one()
        )
    oldest = sa.select(audit_log.c.seq).where(audit_log.c.seq <= through).order_by(audit_log.c.seq).limit(batch)
    return session.execute(audit_log.delete().where(audit_log.c.seq.in_(oldest))).rowcount

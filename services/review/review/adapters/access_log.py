"""The access log in review's database (issue 22): appending leaves, signing tree heads, proofs, export.

One leaf per officer's read, decision, hand-over or export of a case, appended in the same transaction as the
audit entry (adapters/audit.py calls ``record``), so under the same lock: leaf indexes have no gaps. Tree heads
are signed at intervals by the periodic worker with the access log's key (document_keys.signer_from with its
own label: the e-COE token, never a second key machinery); each signing publishes the head and, for every leaf
it newly covers, the entry with its inclusion proof to the applicant (events access.tree_head_published and
application.accessed).
"""

from __future__ import annotations

import base64
import json
import logging
from datetime import UTC, datetime

import sqlalchemy as sa

from review.domain import access
from zairyu_shared import access_log as fmt
from zairyu_shared import merkle
from zairyu_shared.db import statement_once

from .tables import access_log, access_purposes, cases, officers, tree_heads

log = logging.getLogger(__name__)


def record(
    session, *, officer_id: str, action: str, application_id: str, at: datetime, purpose: str | None
) -> int | None:
    """Append the leaf for an audited action when it is an access the applicant sees; returns its index.
    A read or export without a purpose raises access.PurposeRequired (the caller's transaction rolls back)."""
    kind = access.kind_of(action)
    if kind is None:
        return None
    chosen = access.purpose_for(kind, purpose)
    # One round trip for the officer, the case and the last leaf (this runs for every read of a case).
    row = session.execute(
        statement_once(
            ("review.access_context",),
            lambda: (
                sa.select(
                    officers.c.role,
                    officers.c.bureau,
                    officers.c.office,
                    cases.c.bureau.label("case_bureau"),
                    cases.c.office.label("case_office"),
                    cases.c.applicant_id,
                    sa.select(sa.func.max(access_log.c.leaf_index)).scalar_subquery().label("last"),
                )
                .select_from(officers.join(cases, sa.true()))  # one row each: no cartesian product to speak of
                .where(
                    officers.c.id == sa.bindparam("officer_id"),
                    cases.c.application_id == sa.bindparam("application_id"),
                )
            ),
        ),
        {"officer_id": officer_id, "application_id": application_id},
    ).first()
    if row is None:
        return None  # the system's own steps (receipt) are not an officer's access
    index = 0 if row.last is None else row.last + 1
    entry = access.entry(
        at=at.isoformat(timespec="seconds"),
        application_id=application_id,
        officer_id=officer_id,
        role=row.role,
        office=row.office or row.bureau or "national",
        action=action,
        kind=kind,
        purpose=chosen,
    )
    data = fmt.entry_bytes(entry)
    session.execute(
        statement_once(("review.access_insert",), access_log.insert),
        {
            "leaf_index": index,
            "entry": data.decode("utf-8"),
            "leaf_hash": merkle.leaf_hash(data).hex(),
            "at": at,
            "application_id": application_id,
            "applicant_id": row.applicant_id,
            "officer_id": officer_id,
            "officer_bureau": row.bureau,
            "officer_office": row.office,
            "case_bureau": row.case_bureau,
            "case_office": row.case_office,
            "kind": kind,
            "purpose": chosen,
        },
    )
    return index


def leaf_hashes(conn, size: int | None = None) -> list[bytes]:
    query = sa.select(access_log.c.leaf_hash).order_by(access_log.c.leaf_index)
    if size is not None:
        query = query.where(access_log.c.leaf_index < size)
    return [bytes.fromhex(h) for (h,) in conn.execute(query)]


def latest_head(conn) -> fmt.TreeHead | None:
    row = conn.execute(sa.select(tree_heads).order_by(tree_heads.c.tree_size.desc()).limit(1)).first()
    return _head(row) if row else None


def heads(conn) -> list[fmt.TreeHead]:
    return [_head(r) for r in conn.execute(sa.select(tree_heads).order_by(tree_heads.c.tree_size))]


def public_keys(conn) -> dict[str, bytes]:
    return {
        r.kid: r.public_key_der
        for r in conn.execute(sa.select(tree_heads.c.kid, tree_heads.c.public_key_der).distinct())
    }


def _head(row) -> fmt.TreeHead:
    return fmt.TreeHead(row.tree_size, row.timestamp, row.root_hash, row.kid, row.signature)


def sign_head(runtime, session, signer, at: datetime | None = None) -> fmt.TreeHead | None:
    """Sign a tree head over every leaf so far, when there are new ones, and publish it with the new leaves'
    entries and inclusion proofs. Returns the head, or None when nothing was appended since the last one."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": 0x52455649})  # the audit's lock
    previous = latest_head(session)
    leaves = leaf_hashes(session)
    if not leaves or (previous is not None and previous.tree_size == len(leaves)):
        return None
    moment = (at or datetime.now(UTC)).astimezone(UTC)
    head = fmt.sign_tree_head(
        len(leaves),
        merkle.root_from_leaf_hashes(leaves),
        moment.isoformat(timespec="seconds").replace("+00:00", "Z"),
        signer,
    )
    session.execute(
        tree_heads.insert().values(
            tree_size=head.tree_size,
            timestamp=head.timestamp,
            root_hash=head.root_hash,
            kid=head.kid,
            signature=head.signature,
            public_key_der=signer.public_key_der,
        )
    )
    runtime.emit(
        session,
        "access.tree_head_published",
        {
            **{k: v for k, v in head.as_dict().items() if k != "v"},
            "public_key": base64.b64encode(signer.public_key_der).decode(),
        },
        correlation_id=f"tree-head-{head.tree_size}",
    )
    start = previous.tree_size if previous else 0
    tree = merkle.levels(leaves)  # once: each new leaf's proof is then O(log n)
    for row in session.execute(
        sa.select(access_log.c.leaf_index, access_log.c.entry, access_log.c.application_id, access_log.c.applicant_id)
        .where(access_log.c.leaf_index >= start)
        .order_by(access_log.c.leaf_index)
    ):
        if row.applicant_id is None:
            continue
        runtime.emit(
            session,
            "application.accessed",
            {
                "application_id": row.application_id,
                "applicant_id": row.applicant_id,
                "leaf_index": row.leaf_index,
                "entry": json.loads(row.entry),
                "tree_size": head.tree_size,
                "root_hash": head.root_hash,
                "inclusion_proof": [p.hex() for p in merkle.inclusion_proof_from_levels(row.leaf_index, tree)],
            },
            correlation_id=row.application_id,
        )
    return head


def export(conn) -> dict[str, list[dict]]:
    """What an outside auditor needs, with no database: every signed head, every entry with its proof
    against the latest head, and a consistency proof between each two heads in turn (zairyu-audit verify)."""
    all_heads = heads(conn)
    if not all_heads:
        return {"tree_heads": [], "entries": [], "proofs": []}
    last = all_heads[-1].tree_size
    leaves = leaf_hashes(conn, last)
    tree = merkle.levels(leaves)
    entries = [
        {
            "leaf_index": r.leaf_index,
            "entry": json.loads(r.entry),
            "tree_size": last,
            "inclusion_proof": [p.hex() for p in merkle.inclusion_proof_from_levels(r.leaf_index, tree)],
        }
        for r in conn.execute(
            sa.select(access_log.c.leaf_index, access_log.c.entry)
            .where(access_log.c.leaf_index < last, access_log.c.entry != REDACTED["entry"])  # past retention: no entry
            .order_by(access_log.c.leaf_index)
        )
    ]
    proofs = [
        {
            "old_size": a.tree_size,
            "new_size": b.tree_size,
            "proof": [p.hex() for p in merkle.consistency_proof(a.tree_size, leaves[: b.tree_size])],
        }
        for a, b in zip(all_heads, all_heads[1:], strict=False)
    ]
    return {"tree_heads": [h.as_dict() for h in all_heads], "entries": entries, "proofs": proofs}


# --- retention (access_entry) -------------------------------------------------------------------------------------
# What a leaf keeps once its retention ended: its index, hash and time; everything else emptied (migration 0015's
# trigger lets exactly this change through, inside access_log_redact only).
REDACTED: dict[str, str | None] = {
    "entry": "",
    "application_id": "",
    "applicant_id": None,
    "officer_id": "",
    "officer_bureau": None,
    "officer_office": None,
    "case_bureau": "",
    "case_office": None,
    "kind": "",
    "purpose": "",
}


def redact_expired(session_factory, cutoff: datetime, dry_run: bool, batch: int) -> int:
    """Empty the content of the leaves made before ``cutoff`` (the purge's ``access_entry`` step) whose case file
    review no longer holds (it went with ``case_closed``), oldest first, ``batch`` per transaction; the tree's hashes,
    signed heads and proofs are untouched. Returns how many leaves (a dry run: would be). On PostgreSQL through
    ``access_log_redact``, the only change the table allows."""
    expired = sa.and_(
        access_log.c.entry != "",
        access_log.c.at < cutoff,
        ~sa.exists().where(cases.c.application_id == access_log.c.application_id),
    )
    if dry_run:
        with session_factory() as session:
            return session.execute(sa.select(sa.func.count()).select_from(access_log).where(expired)).scalar_one()
    total = 0
    while True:
        with session_factory() as session, session.begin():
            if session.get_bind().dialect.name == "postgresql":
                done = session.execute(
                    sa.text("SELECT access_log_redact(:cutoff, :batch)"), {"cutoff": cutoff, "batch": batch}
                ).scalar_one()
            else:  # the embedded SQLite run: no roles or triggers
                keys = sa.select(access_log.c.leaf_index).where(expired).order_by(access_log.c.leaf_index).limit(batch)
                result = session.execute(
                    access_log.update().where(access_log.c.leaf_index.in_(keys.scalar_subquery())).values(**REDACTED)
                )
                done = result.rowcount
        total += done
        if done < batch:
            break
    if total:
        log.info("access log leaves past their retention emptied", extra={"count": total})
    return total


def consistency(conn, old_size: int, new_size: int) -> list[str]:
    return [p.hex() for p in merkle.consistency_proof(old_size, leaf_hashes(conn, new_size))]


# --- the purpose an officer gave, remembered for the sign-in session ------------------------------------------
def remembered_purpose(conn, token_sha256: str, application_id: str) -> str | None:
    return conn.execute(
        sa.select(access_purposes.c.purpose).where(
            access_purposes.c.token_sha256 == token_sha256, access_purposes.c.application_id == application_id
        )
    ).scalar()


def remember_purpose(session, token_sha256: str, application_id: str, purpose: str) -> None:
    session.execute(
        access_purposes.delete().where(
            access_purposes.c.token_sha256 == token_sha256, access_purposes.c.application_id == application_id
        )
    )
    session.execute(
        access_purposes.insert().values(token_sha256=token_sha256, application_id=application_id, purpose=purpose)
    )


# --- the supervisors' monitor ------------------------------------------------------------------------------------
def monitor(conn, bureau: str | None, since: datetime, limit: int = 500) -> list[tuple[access.Read, list[str]]]:
    """Reads of the bureau's cases since ``since`` worth a look (domain/access.findings)."""
    query = sa.select(access_log).where(access_log.c.kind == "read", access_log.c.at >= since)
    if bureau is not None:
        query = query.where(access_log.c.case_bureau == bureau)
    reads = [
        access.Read(
            r.leaf_index,
            r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC),
            r.application_id,
            r.officer_id,
            r.officer_bureau,
            r.officer_office,
            r.case_bureau,
            r.case_office,
            r.purpose,
        )
        for r in conn.execute(query.order_by(access_log.c.leaf_index.desc()).limit(limit))
    ]
    from .tables import audit_log

    acted = set()
    ids = {r.application_id for r in reads}
    if ids:
        acted = {
            (a, c)
            for a, c in conn.execute(
                sa.select(audit_log.c.actor, audit_log.c.application_id)
                .distinct()
                .where(
                    audit_log.c.application_id.in_(ids),
                    audit_log.c.action.like("case.%"),
                    audit_log.c.action != "case.viewed",
                )
            )
        }
    return access.findings(reads, sorted(acted))

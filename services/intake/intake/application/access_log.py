"""Who at the bureau opened my file (issue 22): review's access entries kept per applicant, each checked
against the signed tree head it was proven in (RFC 9162 inclusion proof, ES256 signature), and the bundle an
applicant sees on "Who opened my file"."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from intake.adapters.access_tables import access_entries, access_tree_heads
from intake.adapters.tables import applications
from zairyu_shared import access_log as fmt


def on_event(runtime, session, event) -> None:
    """application.accessed: keep the entry for its applicant; access.tree_head_published: keep the head.
    Both are idempotent by their key (a leaf index, a tree size never changes meaning in an honest log)."""
    data = event.data
    if event.type == "access.tree_head_published":
        if (
            session.execute(
                sa.select(access_tree_heads.c.tree_size).where(access_tree_heads.c.tree_size == data["tree_size"])
            ).first()
            is None
        ):
            session.execute(
                access_tree_heads.insert().values(
                    tree_size=data["tree_size"],
                    timestamp=data["timestamp"],
                    root_hash=data["root_hash"],
                    kid=data["kid"],
                    signature=data["signature"],
                    public_key=data["public_key"],
                )
            )
        return
    owner = session.execute(
        sa.select(applications.c.applicant_id).where(applications.c.id == data["application_id"])
    ).scalar()
    if owner is None or owner != data["applicant_id"] or data["entry"]["application_id"] != data["application_id"]:
        raise LookupError(f"application {data['application_id']} is not known to intake")
    if (
        session.execute(
            sa.select(access_entries.c.leaf_index).where(access_entries.c.leaf_index == data["leaf_index"])
        ).first()
        is not None
    ):
        return
    session.execute(
        access_entries.insert().values(
            leaf_index=data["leaf_index"],
            application_id=data["application_id"],
            applicant_id=data["applicant_id"],
            entry=fmt.entry_bytes(data["entry"]).decode("utf-8"),
            at=datetime.fromisoformat(data["entry"]["at"]),
            tree_size=data["tree_size"],
            inclusion_proof=json.dumps(data["inclusion_proof"]),
        )
    )


@dataclass(frozen=True)
class Access:
    leaf_index: int
    application_id: str
    at: datetime
    entry: dict[str, Any]
    tree_size: int
    proof: list[str]
    head: fmt.TreeHead | None
    verified: bool  # the signed head's signature holds and the entry is included in it

    @property
    def signed_at(self) -> datetime | None:
        return datetime.fromisoformat(self.head.timestamp.replace("Z", "+00:00")) if self.head else None


def _heads(session, sizes) -> dict[int, tuple[fmt.TreeHead, str]]:
    if not sizes:
        return {}
    rows = session.execute(sa.select(access_tree_heads).where(access_tree_heads.c.tree_size.in_(sizes))).all()
    return {
        r.tree_size: (fmt.TreeHead(r.tree_size, r.timestamp, r.root_hash, r.kid, r.signature), r.public_key)
        for r in rows
    }


def mine(session, applicant_id: str) -> list[Access]:
    """The applicant's own entries, newest first, each verified against its signed tree head."""
    rows = session.execute(
        sa.select(access_entries)
        .where(access_entries.c.applicant_id == applicant_id)
        .order_by(access_entries.c.leaf_index.desc())
    ).all()
    heads = _heads(session, {r.tree_size for r in rows})
    out = []
    for r in rows:
        entry, proof = json.loads(r.entry), json.loads(r.inclusion_proof)
        head, key = heads.get(r.tree_size, (None, None))
        verified = False
        if head is not None and key is not None:
            try:
                public = fmt.load_public_key(base64.b64decode(key))
            except ValueError:
                public = None
            verified = (
                public is not None
                and fmt.signature_valid(head, [public])
                and fmt.inclusion_ok(entry, r.leaf_index, proof, head)
            )
        out.append(Access(r.leaf_index, r.application_id, r.at, entry, r.tree_size, proof, head, verified))
    return out

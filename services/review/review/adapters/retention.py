"""What review's retention purge deletes (periods: zairyu_shared.retention.RULES, README "Retention").

- closed case files, 10 years from the 特定日 after the decision or withdrawal, with their history,
  notes, requests, corrections, proposals and e-COEs; rejected signatures that never became a case, likewise;
- officers' sessions (they carry the IP address) 90 days after they expired;
- organisations' applications for use, refused or whose approval ended, 5 years from the 特定日 after that
  (``organisation_use``; pending or running ones never).
- the access log's leaves (who opened a file, and why), 10 years from the 特定日 after the access and never while
  the case file is held (``access_entry``): each keeps its index, hash and time and loses the rest, so every signed tree head and proof still verifies
  (adapters/access_log.py ``redact_expired``; PostgreSQL: ``access_log_redact``, migration 0015);
- the audit chain's oldest entries, 10 years from the 特定日 after each (``audit_entry``), cut from its start
  after a trim anchor signed with the audit key (adapters/audit.py ``trim``); the cut stops at the oldest entry
  still about a case file review holds.
Each purge appends one entry with the counts per kind, never which rows went.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from zairyu_shared.access_log import Signer
from zairyu_shared.japan_time import JAPAN
from zairyu_shared.retention import PurgeReport, PurgeStep

from . import audit
from .access_log import redact_expired
from .organisation_tables import organisation_requests
from .tables import (
    access_log,
    audit_log,
    case_history,
    cases,
    coe_documents,
    corrections,
    document_requests,
    notes,
    officer_sessions,
    proposals,
    signature_rejections,
)

_CASE_CHILDREN = (case_history, notes, document_requests, corrections, proposals, coe_documents)


def purge_steps(audit_key: Callable[[], Signer | None] = lambda: None) -> list[PurgeStep]:
    """``audit_key`` opens the key that signs the audit chain's trim anchors (only when entries have expired)."""

    def before_cases(session: Session, ids: list[object]) -> None:
        for table in _CASE_CHILDREN:
            session.execute(table.delete().where(table.c.application_id.in_(ids)))

    ended = sa.func.coalesce(cases.c.decided_at, cases.c.withdrawal_requested_at, cases.c.received_at)
    return [
        PurgeStep(
            "case_closed",
            cases,
            cases.c.application_id,
            lambda cutoff: sa.and_(cases.c.is_open.is_(False), ended < cutoff),
            before=before_cases,
        ),
        PurgeStep(
            "case_closed",
            signature_rejections,
            signature_rejections.c.application_id,
            lambda cutoff: signature_rejections.c.at < cutoff,
            label="case_closed:signature_rejections",
        ),
        PurgeStep(
            "organisation_use",
            organisation_requests,
            organisation_requests.c.organisation_id,
            lambda cutoff: sa.or_(
                sa.and_(organisation_requests.c.status == "refused", organisation_requests.c.decided_at < cutoff),
                sa.and_(
                    organisation_requests.c.status == "approved",
                    # the approval's last day is a date in Japan
                    organisation_requests.c.approved_until < cutoff.astimezone(JAPAN).date(),
                ),
            ),
        ),
        PurgeStep(
            "ip_address",
            officer_sessions,
            officer_sessions.c.token_sha256,
            lambda cutoff: officer_sessions.c.expires_at < cutoff,
        ),
        # The access log's leaves: their content emptied, their hashes kept (a Merkle tree loses no leaf).
        PurgeStep(
            "access_entry",
            access_log,
            access_log.c.leaf_index,
            lambda cutoff: access_log.c.at < cutoff,  # not used: ``run`` redacts (and waits for the case file)
            run=redact_expired,
        ),
        # Last: the case files that went above no longer hold back the entries about them.
        PurgeStep(
            "audit_entry",
            audit_log,
            audit_log.c.seq,
            lambda cutoff: audit_log.c.at < cutoff.isoformat(),  # not used: ``run`` cuts the chain
            run=lambda factory, cutoff, dry_run, batch: audit.trim(
                factory, cutoff, audit_key, batch=batch, dry_run=dry_run
            ),
        ),
    ]


def record_purge(session: Session, report: PurgeReport) -> None:
    """The audit keeps that a purge happened and how many rows of each kind went; not what they were."""
    audit.append(
        session,
        "system",
        "retention.purged",
        detail={"counts": {kind: n for kind, n in sorted(report.counts.items()) if n}},
    )

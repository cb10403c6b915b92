"""Signing's part of a person's data export (APPI art. 76): the verdicts on their signatures, with the
holder attributes read from their certificate. Only rows under the asking applicant's id. A verdict whose
retention day's key is destroyed (a restored backup's, until the next purge takes it) gives its outcome and time,
its holder and evidence as null."""

from __future__ import annotations

import sqlalchemy as sa

from signing.adapters import verdict_keys
from signing.adapters.tables import verdicts
from zairyu_shared.personal_data import answer, from_json, record


def on_export_requested(runtime, session, event) -> None:
    rows = session.execute(
        sa.select(verdicts).where(verdicts.c.applicant_id == event.data["applicant_id"]).order_by(verdicts.c.created_at)
    ).all()
    runtime.stage(
        session,
        answer(
            event,
            "signing",
            [
                record(
                    "signature_verdict",
                    r.created_at,
                    application_id=r.application_id,
                    verdict=r.verdict,
                    reason=r.reason,
                    holder=from_json(r.holder),
                    evidence=from_json(verdict_keys.evidence_of(r)),
                )
                for r in rows
            ],
        ),
    )

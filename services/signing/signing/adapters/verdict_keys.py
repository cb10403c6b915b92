"""Signing's verdicts under a data key per retention day (issue 20: erasure that reaches backups).

A verdict is the evidence of a signature check and keeps, besides its outcome, the certificate's personal data
(the holder's name, date of birth, sex and address; the authentication certificate's subject; the card's serial;
for an organisation's filing, its staff member). Signing keeps it 11 years from the 特定日 (``signature_verdict``)
and then deletes it, but under the service key a backup taken before kept it readable for as long as the backup
lived. So each verdict's personal fields (``holder``, ``sealed_evidence``) are sealed under the key of the day its
retention ends, ``verdicts-YYYY-MM-DD`` (Japan's date: every verdict of one fiscal year ends on the same April 1,
so that is one key a fiscal year), named in the row (``data_key``). Once that day's verdicts are purged and none is
left under the key, the same purge destroys it through the erasure ledger (``Keyring.erase_many``): every backup
holding them reads nothing of them from then on, a restored one included (``migrate`` re-applies the ledger).
What stays plain in the row: its ids, outcome, reason and time (no personal data). A value under a destroyed key
reads as null (``EncryptedText(erased="null")``), so the rows a restore brings back until the next purge break no
reader. Verdicts written under the service key before (``data_key`` null, ``evidence`` plain) move under their
day's key with ``rotate-keys`` (``rotate_rows``).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from zairyu_shared import crypto
from zairyu_shared.db import statement_once
from zairyu_shared.japan_time import JAPAN
from zairyu_shared.retention import RULES, PurgeStep
from zairyu_shared.subject_keys import Keyring, SubjectErased, sealing

from .key_destruction import destroy_through_ledger
from .tables import metadata, subject_key_tables, verdicts

if TYPE_CHECKING:
    from zairyu_shared.runtime import Runtime

PREFIX = "verdicts-"
# Built once (json.dumps with options makes an encoder on every call); compact: fewer bytes to seal and store.
_to_json = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


def subject_for(created_at: datetime) -> str:
    """The key a verdict made at ``created_at`` is sealed under: the (Japan) day its retention ends."""
    keep = RULES["signature_verdict"].keep
    assert keep is not None  # signature_verdict has a period
    return f"{PREFIX}{keep.expires(created_at).astimezone(JAPAN).date().isoformat()}"


def store(session: Session, *, evidence: dict[str, Any], holder: dict[str, Any] | None, **row: Any) -> str:
    """Insert a verdict (``row``: event_id, application_id, applicant_id, verdict, reason, created_at) with its
    evidence and holder attributes sealed under its retention day's key; that key's subject is returned."""
    subject = subject_for(row["created_at"])
    with sealing(session, metadata, subject):
        # Core on the transaction's connection: a plain INSERT needs none of the ORM session's execution machinery.
        session.connection().execute(
            statement_once(("signing.verdict_insert",), verdicts.insert),
            dict(
                row,
                data_key=subject,
                evidence=None,
                sealed_evidence=_to_json(evidence),
                holder=_to_json(holder) if holder else None,
            ),
        )
    return subject


def evidence_of(row: Any) -> str | None:
    """A verdict row's evidence JSON: sealed (null once its key is destroyed), or plain in a row from before."""
    return row.sealed_evidence if row.data_key is not None else row.evidence


def purge_step(keyring: Keyring | None) -> PurgeStep:
    """``signature_verdict``: the retention days' keys whose verdicts are all gone, destroyed through the erasure
    ledger. Runs after the verdicts' own step, so the purge that deletes a day's verdicts destroys its key."""
    keys = subject_key_tables.keys

    def where(cutoff: datetime) -> sa.ColumnElement[bool]:
        # The latest retention day already over: that of a verdict made just before the cutoff (monotonic).
        last_over = subject_for(cutoff - timedelta(microseconds=1))
        still_used = sa.exists().where(verdicts.c.data_key == keys.c.subject)
        return sa.and_(keys.c.subject.startswith(PREFIX), keys.c.subject <= last_over, ~still_used)

    run = destroy_through_ledger(keyring, where, "verdict keys")
    return PurgeStep("signature_verdict", keys, keys.c.subject, where, label="signature_verdict:day_keys", run=run)


def rotate_rows(runtime: Runtime, batch: int) -> dict[str, int]:
    """``rotate-keys``: verdicts stored before (holder under the service key, evidence plain) sealed under their
    retention day's key, in batches, each update conditional on the values read (a concurrent write is kept)."""
    keyring = runtime.keyring
    assert keyring is not None
    report = {"verdicts_sealed": 0, "verdicts_raced": 0}
    raw = sa.table("verdicts", *[sa.column(c) for c in ("id", "data_key", "evidence", "holder", "sealed_evidence")])
    stored_holder = sa.type_coerce(verdicts.c.holder, sa.LargeBinary())  # the token as stored, not decrypted
    last = None
    while True:
        with runtime.engine.begin() as conn:
            query = sa.select(verdicts.c.id, verdicts.c.evidence, stored_holder, verdicts.c.created_at)
            query = query.where(verdicts.c.data_key.is_(None)).order_by(verdicts.c.id).limit(batch)
            rows = conn.execute(query if last is None else query.where(verdicts.c.id > last)).all()
            for id_, evidence, holder, created_at in rows:
                last = id_
                subject = subject_for(created_at)
                try:
                    key = keyring.key_for_writing(conn, subject)
                except SubjectErased:  # its day is over and purged: the row goes with the next purge
                    continue
                sealed_holder = None
                if holder is not None:
                    plain = crypto.cipher().decrypt(bytes(holder))
                    sealed_holder = crypto.subject_token(subject, key.encrypt(plain))
                sealed = crypto.subject_token(subject, key.encrypt((evidence or "").encode("utf-8")))
                done = conn.execute(
                    raw.update()
                    .where(raw.c.id == id_, raw.c.data_key.is_(None))
                    .values(data_key=subject, evidence=None, holder=sealed_holder, sealed_evidence=sealed)
                ).rowcount
                report["verdicts_sealed" if done else "verdicts_raced"] += 1
        if len(rows) < batch:
            return report


def rows_left(runtime: Runtime) -> int:
    """Verdicts not yet under their retention day's key (``rotate-keys --check``)."""
    with runtime.engine.connect() as conn:
        return conn.execute(
            sa.select(sa.func.count()).select_from(verdicts).where(verdicts.c.data_key.is_(None))
        ).scalar_one()

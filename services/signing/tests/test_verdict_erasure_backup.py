"""Signing's verdicts under a key per retention day (issue 20: erasure that reaches backups).

A verdict keeps the certificate's personal data (the holder's attributes, the card's serial) 11 years from the
特定日 (``signature_verdict``). Its holder and evidence are sealed under the key of the day its retention ends
(``verdicts-YYYY-MM-DD``); the purge that deletes that day's verdicts destroys the key through the erasure ledger.
So a pg_dump taken before, restored after the purge (``migrate`` re-applies the ledger), holds the purged verdict
unreadable while a younger one reads whole; readers (the person's export) still work on the restored copy.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine
from service_support import make_runtime, submission, submitted_event

from signing.adapters import verdict_keys
from signing.adapters.tables import outbox, verdicts
from signing.application import personal_data, verifying
from zairyu_shared import testing
from zairyu_shared.events import new_event
from zairyu_shared.japan_time import JAPAN
from zairyu_shared.outbox import open_body
from zairyu_shared.subject_keys import SubjectErased

OLD_HOLDER = {"name": "GUEN VAN OLD", "date_of_birth": "1990-01-02", "sex": "1", "address": "東京都千代田区1-1"}


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=JAPAN).astimezone(UTC)


def _old_verdict(rt) -> None:
    """A verdict of fiscal 2015 (特定日 2016-04-01, + 11 years: its retention ends 2027-04-01), stored as the
    handlers store one (verdict_keys.store)."""
    with rt.session_factory() as s, s.begin():
        verdict_keys.store(
            s,
            event_id=str(uuid.uuid4()),
            application_id="app-old",
            applicant_id="applicant-old",
            verdict="verified",
            reason=None,
            evidence={"certificate_serial": "0BADC0DE", "detail": None},
            holder=OLD_HOLDER,
            created_at=jst(2015, 6, 1, 10),
        )


def _rows(rt) -> dict[str, object]:
    with rt.engine.connect() as conn:
        return {r.application_id: r for r in conn.execute(sa.select(verdicts))}


def _raw(rt) -> dict[str, tuple[str, bytes, bytes]]:
    with rt.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT application_id, data_key, holder, sealed_evidence FROM verdicts"))
        return {r[0]: (r[1], bytes(r[2]), bytes(r[3])) for r in rows}


def _export(rt, applicant_id: str) -> list[dict]:
    request = new_event(
        "personal_data.export_requested",
        {
            "request_id": str(uuid.uuid4()),
            "applicant_id": applicant_id,
            "language": "en",
            "requested_at": datetime.now(UTC),
        },
        source="intake",
        correlation_id=applicant_id,
    )
    with rt.session_factory() as s, s.begin():
        personal_data.on_export_requested(rt, s, request)
    with rt.engine.connect() as conn:
        bodies = conn.execute(
            sa.select(outbox.c.body)
            .where(outbox.c.event_type == "personal_data.signing_part")
            .order_by(outbox.c.seq.desc())
        ).scalars()
        return json.loads(open_body(next(iter(bodies)), rt.keyring))["payload"]["records"]


def test_a_purged_verdict_is_unreadable_in_a_restored_backup_and_a_younger_one_whole(tmp_path, test_pki):
    ledger = f"{tmp_path}/erasures/"  # a directory outside the database, never restored (as in Kubernetes)
    with testing.fresh_database("zt_sign_vk") as live_url, testing.fresh_database("zt_sign_vk_back") as back_url:
        rt = make_runtime(test_pki, live_url, f"memory://{tmp_path.name}", erasure_ledger=ledger)
        try:
            rt.migrate()
            _old_verdict(rt)
            young = submission(test_pki, test_pki.first("valid"))
            with rt.session_factory() as s, s.begin():
                verifying.on_application_submitted(rt, s, submitted_event(young))
            raw = _raw(rt)
            old_key, young_key = raw["app-old"][0], raw[young["application_id"]][0]
            assert old_key == "verdicts-2027-04-01"
            assert young_key == verdict_keys.subject_for(datetime.now(UTC)) and young_key > old_key
            for key, holder, evidence in raw.values():  # sealed at rest, under the day's key
                assert holder.startswith(f"zk1:{key}:".encode()) and evidence.startswith(f"zk1:{key}:".encode())
            assert b"0BADC0DE" not in raw["app-old"][2] and b"GUEN" not in raw["app-old"][1]

            backup = tmp_path / "signing.dump"
            testing.pg_dump(live_url, backup)  # the nightly backup, holding both verdicts and both keys

            with time_machine.travel(jst(2027, 3, 31, 23, 59), tick=False):
                assert rt.purge().counts["signature_verdict"] == 0  # not a minute early
            with time_machine.travel(jst(2027, 4, 1, 0, 1), tick=False):
                # the row, then its day's key (no verdict left under it), through the ledger
                assert rt.purge().counts["signature_verdict"] == 2
            assert list(_rows(rt)) == [young["application_id"]]
            ledger_lines = "".join(p.read_text() for p in (tmp_path / "erasures").iterdir())
            assert old_key in ledger_lines and young_key not in ledger_lines
        finally:
            rt.stop()
            rt.engine.dispose()

        testing.pg_restore(back_url, backup)  # the old verdict and its wrapped key are back in this copy...
        restored = make_runtime(test_pki, back_url, f"memory://{tmp_path.name}-r", erasure_ledger=ledger)
        try:
            restored.migrate()  # ...and migrate (run after every restore) destroyed the key again
            raw = _raw(restored)
            with pytest.raises(SubjectErased):  # the purged verdict: ciphertext under a key nobody has
                restored.keyring.open(*_split(raw["app-old"][1]))
            rows = _rows(restored)
            old, new = rows["app-old"], rows[young["application_id"]]
            assert (old.verdict, old.holder, verdict_keys.evidence_of(old)) == ("verified", "null", "null")  # JSON null
            assert json.loads(new.holder)["name"] == test_pki.first("valid").attributes["name"]
            assert json.loads(verdict_keys.evidence_of(new))["certificate_serial"]
            # The person's export still answers on the restored copy: the outcome, nothing of the purged content.
            [record] = _export(restored, "applicant-old")
            assert record["kind"] == "signature_verdict"
            assert (record["data"]["verdict"], record["data"]["holder"], record["data"]["evidence"]) == (
                "verified",
                None,
                None,
            )
            [record] = _export(restored, young["applicant_id"])
            assert record["data"]["holder"]["name"] == test_pki.first("valid").attributes["name"]
            # The restore procedure's purge takes the row again; its key is already gone.
            with time_machine.travel(jst(2027, 4, 1, 0, 2), tick=False):
                assert restored.purge().counts["signature_verdict"] == 1
            assert list(_rows(restored)) == [young["application_id"]]
        finally:
            restored.stop()
            restored.engine.dispose()


def _split(token: bytes) -> tuple[str, bytes]:
    from zairyu_shared.crypto import split_subject_token

    parts = split_subject_token(token)
    assert parts is not None
    return parts


def test_rotate_keys_seals_verdicts_stored_before_under_their_day_key(tmp_path, test_pki):
    """Verdicts stored before (holder under the service key, evidence plain, no data_key) go under their retention
    day's key with rotate-keys; --check counts them until then."""
    rt = make_runtime(test_pki, f"sqlite:///{tmp_path}/s.db", f"memory://{tmp_path.name}")
    try:
        rt.migrate()
        with rt.session_factory() as s, s.begin():  # as signing stored them before
            s.execute(
                verdicts.insert().values(
                    event_id="before",
                    application_id="app-before",
                    applicant_id="a",
                    verdict="verified",
                    evidence='{"certificate_serial": "0BADC0DE"}',
                    holder=json.dumps(OLD_HOLDER),
                    created_at=jst(2025, 5, 1),
                )
            )
        assert rt.definition.rows_left(rt) == 1
        assert rt.definition.rotate_rows(rt, 500) == {"verdicts_sealed": 1, "verdicts_raced": 0}
        assert rt.definition.rows_left(rt) == 0
        key, holder, evidence = _raw(rt)["app-before"]
        assert key == "verdicts-2037-04-01"  # fiscal 2025: 特定日 2026-04-01 + 11 years
        assert holder.startswith(b"zk1:verdicts-2037-04-01:") and b"0BADC0DE" not in evidence
        [row] = _rows(rt).values()
        assert json.loads(row.holder) == OLD_HOLDER and row.evidence is None
        assert json.loads(verdict_keys.evidence_of(row)) == {"certificate_serial": "0BADC0DE"}
        assert rt.definition.rotate_rows(rt, 500) == {"verdicts_sealed": 0, "verdicts_raced": 0}  # idempotent
    finally:
        rt.stop()
        rt.engine.dispose()

"""The sealed e-COE PDF and the events carrying it are the applicant's personal data (issue 20).

The PDF names the person (name, date of birth, nationality). It is stored under the case's applicant's own data
key, and so is the ``coe.issued`` body waiting in (and kept a day by) review's outbox. A pg_dump taken before the
person is erased, restored afterwards, reads neither: ``migrate`` re-applies the erasure ledger. Another person's
e-COE in the same dump stays whole. A PDF stored before this change (service key) moves under the applicant's key
with ``rotate-keys``.
"""

from __future__ import annotations

import base64
import json

import pytest
import sqlalchemy as sa
from review_testkit import make_runtime
from test_coe import _approve_coe

from review.adapters.tables import coe_documents, metadata
from review.bootstrap import ports
from review.entrypoints.service import definition
from zairyu_shared import crypto, documents, subject_keys, testing
from zairyu_shared.japan_time import japan_today
from zairyu_shared.outbox import open_body
from zairyu_shared.subject_keys import SubjectErased
from zairyu_shared.testing_databases import migrated_database


def _raw(url: str, table: str, column: str, where: str, value: str) -> list[bytes | str]:
    """Stored values, as a backup holds them (no decryption)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return list(
                conn.execute(sa.text(f"SELECT {column} FROM {table} WHERE {where} = :v"), {"v": value}).scalars()
            )
    finally:
        engine.dispose()


def _pdf(rt, application_id: str) -> bytes:
    with rt.engine.connect() as conn:
        sealed = conn.execute(
            sa.select(coe_documents.c.sealed).where(coe_documents.c.application_id == application_id)
        ).scalar_one()
    return base64.b64decode(sealed)


def _coe_issued(rt, application_id: str) -> dict:
    """The coe.issued event of that application, opened from the outbox (SubjectErased once the person is)."""
    with rt.engine.connect() as conn:
        (body,) = conn.execute(
            sa.select(rt.outbox.c.body).where(
                rt.outbox.c.event_type == "coe.issued", rt.outbox.c.correlation_id == application_id
            )
        ).scalars()
    return json.loads(open_body(body, rt.keyring))


def test_an_erased_person_s_e_coe_is_unreadable_in_a_restored_backup(tmp_path):
    ledger = tmp_path / "erasures" / "review.ledger"  # outside the database, never restored
    with migrated_database(definition, "zt_coe_erase") as live_url, testing.fresh_database("zt_coe_back") as back_url:
        rt = make_runtime(live_url, f"memory://{tmp_path.name}", erasure_ledger=str(ledger))
        try:
            ports(rt).coe_signer = testing.SoftKey()
            erased_row, kept_row = _approve_coe(rt), _approve_coe(rt)
            with rt.engine.connect() as conn:
                owner = dict(conn.execute(sa.text("SELECT application_id, applicant_id FROM cases")).all())
            erased, kept = owner[erased_row.application_id], owner[kept_row.application_id]
            # Stored under each applicant's own key, the PDF and the event carrying it alike.
            for application_id, applicant in ((erased_row.application_id, erased), (kept_row.application_id, kept)):
                (token,) = _raw(live_url, "coe_documents", "sealed", "application_id", application_id)
                assert bytes(token).startswith(f"zk1:{applicant}:".encode())
                outbox = _raw(live_url, "outbox", "body", "correlation_id", application_id)
                assert outbox and all(body.startswith(f"zk1:{applicant}:") for body in outbox)
                assert "TRAN THI BINH" not in " ".join(outbox)
            pdf = _pdf(rt, erased_row.application_id)
            assert documents.verify(pdf, japan_today()).payload["holder"]["name"] == "TRAN THI BINH"
            assert (
                _coe_issued(rt, erased_row.application_id)["payload"]["document_b64"] == base64.b64encode(pdf).decode()
            )
            kept_pdf = _pdf(rt, kept_row.application_id)

            backup = tmp_path / "review.dump"
            testing.pg_dump(live_url, backup)  # the nightly backup, taken before the erasure
            with rt.engine.begin() as conn:
                assert rt.keyring.erase(conn, erased)
            with pytest.raises(SubjectErased):
                _pdf(rt, erased_row.application_id)
        finally:
            rt.stop()
            rt.engine.dispose()

        testing.pg_restore(back_url, backup)  # the wrapped key is back in this copy...
        restored = make_runtime(back_url, f"memory://{tmp_path.name}-r", erasure_ledger=str(ledger))
        try:
            # ...and migrate (run after every restore) destroyed it again before anything served.
            with pytest.raises(SubjectErased):
                _pdf(restored, erased_row.application_id)
            with pytest.raises(SubjectErased):
                _coe_issued(restored, erased_row.application_id)
            assert _raw(back_url, "subject_keys", "subject", "subject", erased) == []
            # Everyone else is whole: their PDF still verifies, their event still opens.
            assert _pdf(restored, kept_row.application_id) == kept_pdf
            assert documents.verify(kept_pdf, japan_today()).valid
            assert _coe_issued(restored, kept_row.application_id)["payload"]["document_id"] == kept_row.document_id
        finally:
            restored.stop()
            restored.engine.dispose()


def test_rotate_keys_moves_an_e_coe_stored_under_the_service_key_under_the_applicant_s_key(pg_rt):
    rt = pg_rt
    ports(rt).coe_signer = testing.SoftKey()
    row = _approve_coe(rt)
    pdf = _pdf(rt, row.application_id)
    with rt.engine.connect() as conn:
        applicant = conn.execute(sa.text("SELECT applicant_id FROM cases")).scalar_one()
    # As review stored it before: base64 of the PDF under the service key.
    old = crypto.cipher().encrypt(base64.b64encode(pdf))
    with rt.engine.begin() as conn:
        conn.execute(sa.text("UPDATE coe_documents SET sealed = :t"), {"t": old})
    report = subject_keys.rotate_keys(rt.engine, metadata)
    assert report["values_sealed"] >= 1
    (token,) = _raw(rt.settings.database_url, "coe_documents", "sealed", "application_id", row.application_id)
    assert bytes(token).startswith(f"zk1:{applicant}:".encode())
    assert _pdf(rt, row.application_id) == pdf
    assert subject_keys.values_needing_old_keys(rt.engine, metadata) == 0

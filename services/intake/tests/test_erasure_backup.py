"""Erasure that reaches backups (issue 20): each applicant's data is under their own data key.

A pg_dump taken before an erasure still holds the person's wrapped key; restoring it would bring them
back. The erasure ledger (outside the database) is re-applied by ``migrate``: the restored copy forgets
them, while everyone else stays readable.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import sqlalchemy as sa
from intake_testkit import make_runtime
from journey import fill_draft, register, submit

from intake.adapters.tables import applicants, applications, attachments, drafts
from intake.bootstrap import ports
from zairyu_shared import subject_keys, testing
from zairyu_shared.outbox import open_body
from zairyu_shared.subject_keys import SubjectErased


def _app(rt):
    from intake.entrypoints.web import create_app

    app = create_app(rt)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    return app


def _person(rt, applicant_id):
    """Everything personal intake holds about one applicant, decrypted (raises SubjectErased)."""
    with rt.engine.connect() as conn:
        who = conn.execute(
            sa.select(applicants.c.name, applicants.c.email, applicants.c.address).where(
                applicants.c.id == applicant_id
            )
        ).one()
        forms = conn.execute(
            sa.select(applications.c.form, applications.c.signed_content).where(
                applications.c.applicant_id == applicant_id
            )
        ).all()
        data = conn.execute(sa.select(drafts.c.data).where(drafts.c.applicant_id == applicant_id)).all()
    return tuple(who), [tuple(f) for f in forms], [d.data for d in data]


def _raw_tokens(url, applicant_id):
    """The stored bytes of the applicant's personal columns (no decryption)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT name, email, address, date_of_birth FROM applicants WHERE id = :a "
                    "UNION ALL SELECT form, signed_content, form, form FROM applications WHERE applicant_id = :a "
                    "UNION ALL SELECT data, data, data, data FROM drafts WHERE applicant_id = :a"
                ),
                {"a": applicant_id},
            ).all()
    finally:
        engine.dispose()
    return [bytes(v) for row in rows for v in row]


def _outbox(url, applicant_id) -> list[str]:
    """The stored bodies of the events about the applicant (as a backup holds them: sent rows stay a day)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            bodies = conn.execute(sa.text("SELECT body FROM outbox")).scalars().all()
    finally:
        engine.dispose()
    return [b for b in bodies if b.startswith(f"zk1:{applicant_id}:") or applicant_id in b]


def _libpq(url: str) -> str:
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_dump(url: str, path) -> None:
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={path}", _libpq(url)], check=True)


def _pg_restore(url: str, path) -> None:
    subprocess.run(["pg_restore", "--no-owner", f"--dbname={_libpq(url)}", str(path)], check=True)


def test_an_erased_applicant_stays_erased_in_a_restored_backup(tmp_path):
    ledger = tmp_path / "erasures" / "intake.ledger"  # outside the database, never restored
    with testing.fresh_database("zt_erase") as live_url, testing.fresh_database("zt_restored") as restored_url:
        rt = make_runtime(tmp_path, database_url=live_url, erasure_ledger=str(ledger))
        try:
            erased_client, kept_client = _app(rt).test_client(), _app(rt).test_client()
            erased = register(erased_client, rt, holder="nguyen", email="an@example.jp")
            kept = register(kept_client, rt, holder="silva", email="ana@example.jp")
            for client, holder in ((erased_client, "nguyen"), (kept_client, "silva")):
                _, answer = submit(client, fill_draft(client), holder=holder)
                assert answer.status_code == 200, answer.json
            fill_draft(erased_client)  # and a draft never submitted
            # Rows written before per-person keys existed (service key) move under them: the migration path.
            subject_keys.rotate_keys(rt.engine, rt.definition.metadata)
            before = _person(rt, erased)
            assert "NGUYEN" in before[0][0].upper() and before[1] and before[2]
            # Every personal value of theirs is under their own key (none under the service key).
            tokens = _raw_tokens(live_url, erased)
            assert tokens and all(t.startswith(f"zk1:{erased}:".encode()) for t in tokens)
            # So are the events about them in the outbox (their submission: name, address, signed form).
            events = _outbox(live_url, erased)
            assert len(events) >= 2 and all(b.startswith(f"zk1:{erased}:") for b in events)
            assert any("application.submitted" in open_body(b, rt.keyring) for b in events)
            assert not any("NGUYEN" in b.upper() for b in events)

            backup = tmp_path / "intake.dump"
            _pg_dump(live_url, backup)  # the nightly backup, taken before the erasure
            store_backup = tmp_path / "store-backup"  # and the attachment store's, the same night
            shutil.copytree(ports(rt).store.root, store_backup)
            with rt.engine.connect() as conn:
                scan = conn.execute(
                    sa.select(attachments.c.sha256).where(
                        attachments.c.applicant_id == erased, attachments.c.kind == "passport"
                    )
                ).scalar()
            passport = ports(rt).store.get(scan, erased)
            assert passport and ports(rt).store.get(scan, kept) == passport  # the same sample scan, both people

            with rt.engine.begin() as conn:
                assert rt.keyring.erase(conn, erased)
            with pytest.raises(SubjectErased):
                _person(rt, erased)
            kept_before = _person(rt, kept)
        finally:
            rt.stop()
            rt.engine.dispose()

        # Restore the old dump into a new database: the wrapped key is back in it...
        _pg_restore(restored_url, backup)
        restored = make_runtime(
            tmp_path / "r",
            database_url=restored_url,
            erasure_ledger=str(ledger),
            data_keys=rt.settings.data_keys,
            store_dir=str(store_backup),
        )  # the same service key as production, the store restored from its copy
        try:
            # ...and ``migrate`` (run after every restore) re-applied the ledger before anything served.
            with pytest.raises(SubjectErased):
                _person(restored, erased)
            with restored.engine.connect() as conn:
                assert (
                    conn.execute(
                        sa.text("SELECT count(*) FROM subject_keys WHERE subject = :s"), {"s": erased}
                    ).scalar()
                    == 0
                )
            assert _person(restored, kept) == kept_before  # everyone else is whole
            # The outbox rows of that night's backup: theirs unreadable, the other person's whole.
            for body in _outbox(restored_url, erased):
                with pytest.raises(SubjectErased):
                    open_body(body, restored.keyring)
            kept_events = [json.loads(open_body(b, restored.keyring)) for b in _outbox(restored_url, kept)]
            assert any(e["type"] == "application.submitted" for e in kept_events)
            # The restored store's copy of their passport scan is sealed under the destroyed key: unreadable;
            # the other person's copy of the same bytes reads.
            assert ports(restored).store.get(scan, erased) is None
            assert ports(restored).store.get(scan, kept) == passport
        finally:
            restored.stop()
            restored.engine.dispose()


def test_without_the_ledger_a_restore_would_bring_the_person_back(tmp_path):
    """Why the ledger lives outside the database: the dump alone resurrects the erased person."""
    with testing.fresh_database("zt_erase") as live_url, testing.fresh_database("zt_restored") as restored_url:
        rt = make_runtime(tmp_path, database_url=live_url)  # no ledger
        try:
            client = _app(rt).test_client()
            person = register(client, rt)
            backup = tmp_path / "intake.dump"
            _pg_dump(live_url, backup)
            with rt.engine.begin() as conn:
                rt.keyring.erase(conn, person)
        finally:
            rt.stop()
            rt.engine.dispose()
        _pg_restore(restored_url, backup)
        restored = make_runtime(tmp_path / "r", database_url=restored_url, data_keys=rt.settings.data_keys)
        try:
            assert "NGUYEN" in _person(restored, person)[0][0].upper()
        finally:
            restored.stop()
            restored.engine.dispose()

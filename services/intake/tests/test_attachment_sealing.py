"""Uploaded files are sealed under their owner's data key (issue 20: erasure that reaches backups).

A copy of the attachment store taken before an erasure (the backups kept for 30 days) holds the erased
person's passport scan only as ciphertext under a data key that no longer exists: the service's keys
cannot read it. The same bytes uploaded by two people are two files under two keys.
"""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa
from cryptography.fernet import InvalidToken
from intake_testkit import make_runtime
from journey import fill_draft, register

from intake.adapters import attachment_owners
from intake.adapters.store import AttachmentStore
from intake.adapters.tables import attachments
from intake.bootstrap import ports
from intake.entrypoints.service import definition
from zairyu_shared import crypto, testing
from zairyu_shared.service_cli import main as service_main
from zairyu_shared.subject_keys import SubjectErased


@pytest.fixture(params=["sqlite", "postgresql"])
def rt(request, tmp_path):
    ledger = str(tmp_path / "erasures" / "intake.ledger")
    if request.param == "sqlite":
        runtime = make_runtime(tmp_path, erasure_ledger=ledger)
        yield runtime
        runtime.stop()
        return
    with testing.fresh_database("zt_intake_seal") as url:
        runtime = make_runtime(tmp_path, database_url=url, erasure_ledger=ledger)
        yield runtime
        runtime.stop()
        runtime.engine.dispose()


def _app(rt):
    from intake.entrypoints.web import create_app

    app = create_app(rt)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    return app


def _passport(rt, applicant_id):
    with rt.engine.connect() as conn:
        return conn.execute(
            sa.select(attachments.c.id, attachments.c.sha256).where(
                attachments.c.applicant_id == applicant_id, attachments.c.kind == "passport"
            )
        ).one()


def _two_applicants(rt):
    app = _app(rt)
    clients = {"nguyen": app.test_client(), "silva": app.test_client()}
    ids = {}
    for holder, client in clients.items():
        ids[holder] = register(client, rt, holder=holder, email=f"{holder}@example.jp")
        fill_draft(client)  # the journey's sample passport scan and photo: the same bytes for both
    return app, clients, ids


def test_the_same_scan_from_two_people_is_two_sealed_files_each_read_by_its_owner(rt):
    app, clients, ids = _two_applicants(rt)
    store = ports(rt).store
    (an_file, sha), (ana_file, same) = _passport(rt, ids["nguyen"]), _passport(rt, ids["silva"])
    assert sha == same
    paths = [store.sealed_path(sha, ids[h]) for h in ("nguyen", "silva")]
    assert paths[0] != paths[1] and all(p.is_file() for p in paths)
    scan = store.get(sha, ids["nguyen"])
    assert scan and store.get(sha, ids["silva"]) == scan
    assert store.plain_files() == []  # nothing on disk in the clear
    for path in paths:
        assert scan[:64] not in path.read_bytes() and sha not in str(path)
    # The applicant's own copy, and review's byte-exact internal fetch by hash, still read it.
    own = clients["nguyen"].get(f"/files/{an_file}")
    assert own.status_code == 200 and own.data == scan
    assert clients["nguyen"].get(f"/files/{ana_file}").status_code == 404  # the other person's upload
    internal = app.test_client().get(f"/internal/v1/attachments/{sha}", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert internal.status_code == 200 and internal.data == scan


def test_an_erased_persons_file_in_a_copy_of_the_store_taken_before_stays_unreadable(rt, tmp_path):
    app, clients, ids = _two_applicants(rt)
    store = ports(rt).store
    _, sha = _passport(rt, ids["nguyen"])
    scan = store.get(sha, ids["nguyen"])
    backup = tmp_path / "store-backup"
    shutil.copytree(store.root, backup)  # the nightly copy of the store, taken before the erasure

    with rt.engine.begin() as conn:
        assert rt.keyring.erase(conn, ids["nguyen"])

    copy = AttachmentStore(backup, rt.keyring, owners=attachment_owners.lookup(rt.engine))
    sealed = copy.sealed_path(sha, ids["nguyen"]).read_bytes()
    assert scan not in sealed
    assert copy.get(sha, ids["nguyen"]) is None  # the person's key is gone: so is their scan, in the copy too
    with pytest.raises(SubjectErased):
        rt.keyring.open(ids["nguyen"], sealed.split(b"\n", 1)[1])
    with pytest.raises(InvalidToken):  # the service's own keys never could read it
        crypto.cipher().decrypt(sealed.split(b"\n", 1)[1])
    assert copy.get(sha, ids["silva"]) == scan  # the other person's copy of the same bytes is whole
    assert store.get(sha, ids["silva"]) == scan
    # Review's fetch by hash finds only the living owner's file.
    internal = app.test_client().get(f"/internal/v1/attachments/{sha}", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert internal.status_code == 200 and internal.data == scan


def test_rotate_keys_seals_the_files_stored_plain_before(rt, capsys, monkeypatch):
    app, clients, ids = _two_applicants(rt)
    store = ports(rt).store
    _, sha = _passport(rt, ids["nguyen"])
    scan = store.get(sha, ids["nguyen"])
    # The store as the older code left it: one plain file named by its hash, shared by both people.
    for holder in ("nguyen", "silva"):
        store.delete(sha, ids[holder])
    store.plain_path(sha).parent.mkdir(parents=True, exist_ok=True)
    store.plain_path(sha).write_bytes(scan)
    assert store.get(sha, ids["nguyen"]) == scan  # still read meanwhile
    for key, value in {
        "DATABASE_URL": rt.settings.database_url,
        "ZAIRYU_EMBEDDED": "true",
        "ZAIRYU_DATA_KEYS": ",".join(rt.settings.data_keys),
        "ZAIRYU_INTAKE_STORE": rt.settings.store_dir,
    }.items():
        monkeypatch.setenv(key, value)

    assert service_main(definition, ["rotate-keys", "--check"]) == 1  # the old key may not go yet
    assert "intake: 1 files not yet under their owner's key" in capsys.readouterr().out
    assert service_main(definition, ["rotate-keys", "--batch", "1"]) == 0
    out = capsys.readouterr().out
    assert "files_sealed 2" in out and "files_unreferenced 0" in out
    assert service_main(definition, ["rotate-keys", "--check"]) == 0
    assert "intake: 0 files not yet under their owner's key" in capsys.readouterr().out
    assert store.plain_files() == []
    assert all(store.sealed_path(sha, ids[h]).is_file() for h in ("nguyen", "silva"))
    assert store.get(sha, ids["nguyen"]) == scan == store.get(sha, ids["silva"])

    with rt.engine.begin() as conn:
        rt.keyring.erase(conn, ids["nguyen"])
    assert store.get(sha, ids["nguyen"]) is None and store.get(sha, ids["silva"]) == scan

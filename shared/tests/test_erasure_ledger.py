"""The erasure ledger as a directory, a file per process (issue 20).

In Kubernetes every pod of a service appends to one ReadWriteMany volume (zairyu-<service>-erasure-ledger). O_APPEND
keeps lines whole on a local file system but not across NFS clients, so each process writes a file of its own in the
directory and the reader (``reapply``, run by ``migrate`` after a restore) takes every file there.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from zairyu_shared import crypto, subject_keys
from zairyu_shared.db import make_engine
from zairyu_shared.subject_keys import TombstoneLedger

# One pod's process: its host name is the pod's, and it appends ``batches`` batches of 1-3 erasures.
APPENDER = """
import socket, sys
from zairyu_shared.subject_keys import TombstoneLedger
folder, host, prefix, batches = sys.argv[1:]
socket.gethostname = lambda: host
ledger = TombstoneLedger(folder)
for n in range(int(batches)):
    ledger.append_many([f"{prefix}-{n}-{i}" for i in range(n % 3 + 1)])
"""


def test_processes_on_several_pods_each_write_a_file_and_the_reader_takes_them_all(tmp_path):
    folder = f"{tmp_path}/ledger/"  # the manifests' form: a trailing slash, the directory made on first use
    procs = [
        subprocess.Popen([sys.executable, "-c", APPENDER, folder, f"zairyu-intake-web-{p % 2}", f"p{p}", "60"])
        for p in range(4)
    ]
    assert [proc.wait(60) for proc in procs] == [0, 0, 0, 0]
    ledger = TombstoneLedger(folder)
    files = ledger.files()
    assert len(files) == 4 and {f.name.rsplit("-", 2)[0] for f in files} == {
        "zairyu-intake-web-0",
        "zairyu-intake-web-1",
    }
    expected = {f"p{p}-{n}-{i}" for p in range(4) for n in range(60) for i in range(n % 3 + 1)}
    assert len(expected) == 480
    assert set(ledger.subjects()) == expected and len(ledger.subjects()) == 480
    for f in files:  # each file holds one process's lines only, every line whole
        lines = f.read_text().splitlines()
        assert len({line.split("-", 1)[0] for line in lines}) == 1
        assert all(line.count("\t") == 1 and line.endswith("+00:00") for line in lines)
        assert oct(f.stat().st_mode & 0o777) == "0o600"


def test_a_process_keeps_its_file_and_a_forked_child_begins_its_own(tmp_path, monkeypatch):
    (tmp_path / "ledger").mkdir()
    ledger = TombstoneLedger(tmp_path / "ledger")  # an existing directory, without the slash
    assert ledger.directory
    ledger.append("a")
    ledger.append_many(["b", "c"])
    assert len(ledger.files()) == 1
    monkeypatch.setattr(os, "getpid", lambda: 999_999)  # gunicorn forked the worker after the ledger was made
    ledger.append("d")
    assert len(ledger.files()) == 2 and "-999999-" in ledger.files()[0].name + ledger.files()[1].name
    assert set(ledger.subjects()) == {"a", "b", "c", "d"}


def test_a_file_write_once_storage_committed_is_left_and_a_new_one_begun(tmp_path, monkeypatch):
    ledger = TombstoneLedger(f"{tmp_path}/ledger/")
    ledger.append("before")
    (committed,) = ledger.files()
    real_open = os.open

    def worm_open(path, flags, mode=0o777, **kw):
        if Path(path) == committed and flags & os.O_WRONLY:
            raise PermissionError(13, "Permission denied", str(path))  # SnapLock and the like, once committed
        return real_open(path, flags, mode, **kw)

    monkeypatch.setattr(os, "open", worm_open)
    ledger.append("after")
    assert len(ledger.files()) == 2
    assert committed.read_text().startswith("before\t")
    assert set(ledger.subjects()) == {"before", "after"}


def test_one_file_still_works_and_a_missing_ledger_is_empty(tmp_path):
    assert TombstoneLedger(tmp_path / "none").subjects() == []
    assert TombstoneLedger(f"{tmp_path}/none-dir/").subjects() == []
    single = TombstoneLedger(tmp_path / "ledger.tsv")
    assert not single.directory
    single.append_many(["x", "y", "x"])
    assert single.files() == [tmp_path / "ledger.tsv"] and single.subjects() == ["x", "y"]


def test_reapply_after_a_restore_reads_every_pods_file(tmp_path):
    """Two pods erased a person each; the restored database had both keys: migrate's reapply destroys both."""
    metadata = sa.MetaData()
    tables = subject_keys.add_subject_key_tables(metadata)
    engine = make_engine(f"sqlite:///{tmp_path}/svc.db")
    metadata.create_all(engine)
    crypto.configure([crypto.new_key()])
    folder = f"{tmp_path}/ledger/"
    ring = subject_keys.bind(metadata, engine, TombstoneLedger(folder))
    with engine.begin() as conn:
        for person in ("anna", "binh", "chen"):
            ring.key_for_writing(conn, person)
    with engine.connect() as conn:
        backup = [dict(row._mapping) for row in conn.execute(sa.select(tables.keys))]
    with engine.begin() as conn:
        ring.erase(conn, "anna")
    TombstoneLedger(folder).append("binh")  # what another pod's erasure wrote, in a file of its own
    assert len(TombstoneLedger(folder).files()) == 2
    with engine.begin() as conn:  # "restore": the keys are back, the erasures forgotten
        conn.execute(tables.erased.delete())
        conn.execute(tables.keys.delete())
        conn.execute(tables.keys.insert(), backup)
    with engine.begin() as conn:
        assert subject_keys.keyring_of(metadata).reapply(conn) == 2
        left = set(conn.execute(sa.select(tables.keys.c.subject)).scalars())
    assert left == {"chen"}
    engine.dispose()


@pytest.mark.parametrize("path", ["ledger/", "ledger"])
def test_the_ledger_directory_is_made_on_first_use_only_when_named_as_one(tmp_path, path):
    ledger = TombstoneLedger(f"{tmp_path}/{path}")
    ledger.append("z")
    assert (tmp_path / "ledger").is_dir() == path.endswith("/")

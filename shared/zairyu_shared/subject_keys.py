"""One data key per person (envelope encryption), so that erasing a person reaches the backups.

Each person (subject: the applicant id every event carries) gets a random Fernet data key, stored
in the service's own ``subject_keys`` table *wrapped* (encrypted) by the service key
(ZAIRYU_DATA_KEYS). Their personal data is encrypted under that data key (``crypto.EncryptedText``
inside a ``sealing(...)`` scope). Erasure deletes the wrapped key: nothing can decrypt that
person's values any more, wherever copies of them are (replicas, pg_dump files, base backups).

A backup taken before the erasure still holds the wrapped key. So every erasure is also written to
a *tombstone ledger* kept outside the database (ZAIRYU_ERASURE_LEDGER: an append-only file, or a
directory of them, one per process; in production the service's ``zairyu-<service>-erasure-ledger``
volume on write-once storage with its own, longer retention, never restored to the past).
``reapply`` (run by ``zairyu-<service> migrate`` and ``reapply-erasures``) deletes again the keys of
every subject in the ledger: a restored backup forgets those people before it serves.

Unwrapped keys are cached per process (bounded LRU with a time to live): the request path decrypts
without a key look-up, and an erasure done by another process takes effect here within the TTL.
"""

from __future__ import annotations

import contextvars
import logging
import os
import secrets
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from . import crypto
from .crypto import EncryptedText, SubjectErased
from .db import after_commit, make_engine, reading

log = logging.getLogger(__name__)

__all__ = [
    "SubjectErased",
    "SubjectKeyTables",
    "SubjectVia",
    "Keyring",
    "TombstoneLedger",
    "add_subject_key_tables",
    "bind",
    "keyring_of",
    "sealing",
    "session_key",
    "current_seal",
    "rotate_keys",
    "values_needing_old_keys",
]

_INFO = "zairyu_subject_keys"
_SEAL: contextvars.ContextVar[tuple[str, Fernet] | None] = contextvars.ContextVar("zairyu_seal", default=None)


@dataclass(frozen=True)
class SubjectKeyTables:
    keys: sa.Table
    erased: sa.Table


def add_subject_key_tables(metadata: sa.MetaData) -> SubjectKeyTables:
    """The key table and the erased-subjects table, in the service's own metadata."""
    keys = sa.Table(
        "subject_keys",
        metadata,
        sa.Column("subject", sa.String(80), primary_key=True),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),  # the data key, Fernet-encrypted by the service key
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    erased = sa.Table(
        "erased_subjects",
        metadata,
        sa.Column("subject", sa.String(80), primary_key=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
    )
    tables = SubjectKeyTables(keys, erased)
    metadata.info[_INFO] = tables
    return tables


def create_subject_key_tables() -> None:
    """For a service's migration: both tables exactly as ``add_subject_key_tables`` defines them."""
    from alembic import op

    metadata = sa.MetaData()
    add_subject_key_tables(metadata)
    metadata.create_all(op.get_bind())


def drop_subject_key_tables() -> None:
    from alembic import op

    op.drop_table("erased_subjects")
    op.drop_table("subject_keys")


class TombstoneLedger:
    """Append-only list of erased subjects, outside the database (one ``subject<TAB>time`` a line).

    ``path`` is one file, or a directory (it is one already, or the path ends with "/"): then each process appends to
    a file of its own in it, ``<host>-<pid>-<random>.tsv``, and ``subjects`` reads every file there. A directory is
    what a volume several pods append to needs (Kubernetes' ``zairyu-<service>-erasure-ledger`` claim, ReadWriteMany):
    O_APPEND keeps lines whole on one machine's file system, not on NFS, where two clients appending to one file can
    write over each other's lines (open(2), O_APPEND). A process's file that can no longer be opened for writing
    (write-once storage commits a file that stayed unchanged for a while) is left as it is and a new one begun.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.directory = str(path).endswith(("/", os.sep)) or self.path.is_dir()
        self._own: tuple[int, Path] | None = None  # (pid, file): a forked child begins its own
        self._lock = threading.Lock()

    def append(self, subject: str) -> None:
        self.append_many([subject])

    def append_many(self, subjects: list[str]) -> None:
        """One write and one fsync for a batch (a purge's)."""
        if not subjects:
            return
        at = datetime.now(UTC).isoformat()
        data = "".join(f"{subject}\t{at}\n" for subject in subjects).encode()
        with self._lock:
            try:
                fd = self._open()
            except PermissionError:
                if not self.directory:
                    raise
                self._own = None  # committed by write-once storage (or made read-only): a new file
                fd = self._open()
            try:
                while data:
                    data = data[os.write(fd, data) :]
                os.fsync(fd)  # durable before the key goes
            finally:
                os.close(fd)

    def _open(self) -> int:
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
        if not self.directory:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return os.open(self.path, flags, 0o600)
        if self._own is not None and self._own[0] == os.getpid():
            return os.open(self._own[1], flags, 0o600)
        self.path.mkdir(parents=True, exist_ok=True)
        own = self.path / f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}.tsv"
        fd = os.open(own, flags | os.O_EXCL, 0o600)
        folder = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(folder)  # the new file's name durable too
        finally:
            os.close(folder)
        self._own = (os.getpid(), own)
        return fd

    def files(self) -> list[Path]:
        """The files read: the one file, or every file in the directory (a name beginning with "." left out)."""
        if not self.directory:
            return [self.path] if self.path.exists() else []
        if not self.path.is_dir():
            return []
        return sorted(p for p in self.path.iterdir() if p.is_file() and not p.name.startswith("."))

    def subjects(self) -> list[str]:
        seen: dict[str, None] = {}
        for path in self.files():
            for line in path.read_bytes().decode("utf-8", "replace").splitlines():
                subject = line.split("\t", 1)[0].strip()
                if subject:
                    seen[subject] = None
        return list(seen)


class _KeyCache:
    """Unwrapped data keys, bounded (LRU) and aged (TTL), shared by the threads of a process.

    An entry is *committed* when it was read from committed rows (a look-up on a connection of its own):
    only those spare a writer its key query. A key made in a transaction that may still roll back is
    cached for reading only.
    """

    def __init__(self, size: int, ttl: float) -> None:
        self.size, self.ttl = size, ttl
        self._items: OrderedDict[str, tuple[bytes, Fernet, float, bool]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, subject: str, wrapped: bytes | None = None, committed: bool = False) -> Fernet | None:
        with self._lock:
            item = self._items.get(subject)
            if item is None:
                return None
            if time.monotonic() - item[2] > self.ttl or (wrapped is not None and item[0] != wrapped):
                del self._items[subject]
                return None
            if committed and not item[3]:
                return None
            self._items.move_to_end(subject)
            return item[1]

    def put(self, subject: str, wrapped: bytes, key: Fernet, committed: bool = False) -> None:
        with self._lock:
            old = self._items.get(subject)
            committed = committed or (old is not None and old[0] == wrapped and old[3])
            self._items[subject] = (wrapped, key, time.monotonic(), committed)
            self._items.move_to_end(subject)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def confirm(self, subject: str, key: Fernet) -> None:
        """``key`` was written with in a transaction that committed: its row is durable now (it was already, or that
        transaction made it), so it spares later writers their look-up. Its time to live runs on unchanged."""
        with self._lock:
            item = self._items.get(subject)
            if item is not None and item[1] is key and not item[3]:
                self._items[subject] = (item[0], key, item[2], True)

    def evict(self, subject: str) -> None:
        with self._lock:
            self._items.pop(subject, None)

    def __len__(self) -> int:
        return len(self._items)


def _insert_ignore(conn: sa.Connection, table: sa.Table, values: dict[str, Any]) -> None:
    dialect = conn.dialect.name
    if dialect == "postgresql":
        conn.execute(postgresql.insert(table).values(**values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        conn.execute(sqlite.insert(table).values(**values).on_conflict_do_nothing())
    else:  # pragma: no cover - the services run on PostgreSQL (SQLite in the embedded demo)
        raise RuntimeError(f"subject keys: unsupported database {dialect}")


class Keyring:
    """A service's per-person data keys: look-up, creation, erasure (one per service database)."""

    def __init__(
        self,
        tables: SubjectKeyTables,
        engine: sa.Engine | None,
        ledger: TombstoneLedger | None = None,
        cache_size: int = 20_000,
        cache_ttl: float = 300.0,
    ) -> None:
        self.tables = tables
        self.ledger = ledger
        self.cache = _KeyCache(cache_size, cache_ttl)
        self.misses = 0
        # Key look-ups on a cache miss use a pool of their own: a request already holding a connection
        # of the service's pool never waits on that same pool for a second one. make_engine: its connections are
        # checked on checkout as the service's are (one the server ended after a restart is never used).
        self._lookup_engine: sa.Engine | None = engine
        if engine is not None and engine.dialect.name == "postgresql":
            self._lookup_engine = make_engine(
                engine.url.render_as_string(hide_password=False), pool_size=2, max_overflow=8
            )

    # -- reading --------------------------------------------------------------------------------
    def open(self, subject: str, token: bytes) -> bytes:
        key = self.cache.get(subject)
        if key is None:
            key = self._load(subject)
        try:
            return key.decrypt(token)
        except InvalidToken as exc:
            raise RuntimeError(f"a value of subject {subject} does not decrypt under its data key") from exc

    def preload(self, conn: sa.Connection, subjects: set[str] | list[str]) -> int:
        """Put in the cache, with one query per 500, the keys of ``subjects`` not cached yet (an outbox relay's
        batch: staged by another process, each person's key would otherwise be one look-up). Keys loaded;
        a subject without a key is left out (erased: ``open`` raises SubjectErased for it)."""
        missing = [subject for subject in subjects if self.cache.get(subject) is None]
        keys, loaded = self.tables.keys, 0
        for start in range(0, len(missing), 500):
            query = sa.select(keys.c.subject, keys.c.wrapped).where(keys.c.subject.in_(missing[start : start + 500]))
            for subject, wrapped in conn.execute(query):
                self._unwrap(subject, bytes(wrapped), committed=True)
                loaded += 1
        return loaded

    def _load(self, subject: str) -> Fernet:
        seal = _SEAL.get()
        if seal is not None and seal[0] == subject:
            return seal[1]
        if self._lookup_engine is None:
            raise RuntimeError("keyring has no database to look keys up in")
        self.misses += 1
        with reading(self._lookup_engine) as conn:
            wrapped = conn.execute(
                sa.select(self.tables.keys.c.wrapped).where(self.tables.keys.c.subject == subject)
            ).scalar()
        if wrapped is None:
            raise SubjectErased(f"the data key of subject {subject} is destroyed: the value is erased")
        return self._unwrap(subject, bytes(wrapped), committed=True)

    def _unwrap(self, subject: str, wrapped: bytes, committed: bool = False) -> Fernet:
        key = self.cache.get(subject, wrapped)
        if key is None or committed:
            key = key or Fernet(crypto.cipher().decrypt(wrapped))
            self.cache.put(subject, wrapped, key, committed)
        return key

    # -- writing --------------------------------------------------------------------------------
    def key_for_writing(self, conn: sa.Connection, subject: str) -> Fernet:
        """The subject's data key, created in the caller's transaction if it has none yet."""
        known = self.cache.get(subject, committed=True)
        if known is not None:  # read from committed rows (the request read the person's data first)
            return known
        keys = self.tables.keys
        query = sa.select(keys.c.wrapped).where(keys.c.subject == subject)
        wrapped = conn.execute(query).scalar()
        if wrapped is None:
            if self.is_erased(conn, subject):
                raise SubjectErased(f"subject {subject} was erased: no new personal data is stored for them")
            _insert_ignore(
                conn,
                keys,
                {
                    "subject": subject,
                    "created_at": datetime.now(UTC),
                    "wrapped": crypto.cipher().encrypt(Fernet.generate_key()),
                },
            )
            wrapped = conn.execute(query).scalar()  # ours, or the one a concurrent writer committed first
            if wrapped is None:  # erased between the two statements
                raise SubjectErased(f"subject {subject} was erased while their key was being made")
        return self._unwrap(subject, bytes(wrapped))

    def is_erased(self, conn: sa.Connection, subject: str) -> bool:
        erased = self.tables.erased
        return conn.execute(sa.select(erased.c.subject).where(erased.c.subject == subject)).first() is not None

    # -- erasing --------------------------------------------------------------------------------
    def erase(self, conn: sa.Connection, subject: str) -> bool:
        """Destroy the subject's data key (in the caller's transaction). True if a key was destroyed.

        The tombstone goes to the ledger first: if the transaction then fails, a later restore erases
        a person whose erasure was asked for anyway; the other order could forget an erasure.
        """
        if self.ledger is not None:
            self.ledger.append(subject)
        else:
            log.warning(
                "erasing without a tombstone ledger: a restored backup would bring this person back",
                extra={"subject": subject},
            )
        destroyed = self._destroy(conn, [subject])
        self.cache.evict(subject)
        return destroyed > 0

    def erase_many(self, conn: sa.Connection, subjects: list[str]) -> int:
        """``erase`` for a batch (records whose retention ended: their keys go with them, through the ledger, so a
        restored backup forgets them as well). Keys destroyed."""
        if self.ledger is not None:
            self.ledger.append_many(subjects)
        return self._destroy(conn, subjects)

    def _destroy(self, conn: sa.Connection, subjects: list[str]) -> int:
        count = 0
        now = datetime.now(UTC)
        for start in range(0, len(subjects), 500):
            chunk = subjects[start : start + 500]
            count += conn.execute(self.tables.keys.delete().where(self.tables.keys.c.subject.in_(chunk))).rowcount
            for subject in chunk:
                _insert_ignore(conn, self.tables.erased, {"subject": subject, "erased_at": now})
                self.cache.evict(subject)
        return count

    def reapply(self, conn: sa.Connection) -> int:
        """Destroy again the keys of every subject in the ledger (after a restore). Keys destroyed."""
        if self.ledger is None:
            return 0
        return self._destroy(conn, self.ledger.subjects())


def bind(
    metadata: sa.MetaData, engine: sa.Engine | None, ledger: TombstoneLedger | None = None, **cache: Any
) -> Keyring:
    """Give the service's encrypted columns their keyring (once per runtime)."""
    tables = metadata.info.get(_INFO)
    if not isinstance(tables, SubjectKeyTables):
        raise RuntimeError("this metadata has no subject key tables (add_subject_key_tables)")
    ring = Keyring(tables, engine, ledger, **cache)
    metadata.info[_INFO + ".ring"] = ring
    for table in metadata.tables.values():
        for column in table.columns:
            if isinstance(column.type, EncryptedText):
                column.type.slot.keyring = ring
    return ring


def has_subject_keys(metadata: sa.MetaData) -> bool:
    return isinstance(metadata.info.get(_INFO), SubjectKeyTables)


def keyring_of(metadata: sa.MetaData) -> Keyring:
    ring = metadata.info.get(_INFO + ".ring")
    if not isinstance(ring, Keyring):
        raise RuntimeError("no keyring bound to this metadata (subject_keys.bind)")
    return ring


def current_seal() -> tuple[str, Fernet] | None:
    return _SEAL.get()


# session.info key: the data keys written with in the session's current transaction (looked up once per transaction).
_TRANSACTION_KEYS = "zairyu_transaction_keys"


@sa.event.listens_for(Session, "after_begin")
def _forget_transaction_keys(session: Session, _transaction: object, _connection: object) -> None:
    session.info.pop(_TRANSACTION_KEYS, None)


@sa.event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back_keys(session: Session, _previous: object) -> None:
    session.info.pop(_TRANSACTION_KEYS, None)  # a key made in a rolled-back savepoint no longer exists


def session_key(session: Session, ring: Keyring, subject: str) -> Fernet:
    """``subject``'s data key for writing in ``session``'s transaction, looked up (or made) once per transaction:
    a transaction sealing several things of one person (a case and the events it stages) reads their key once."""
    conn = session.connection()  # first: beginning a transaction forgets the previous one's keys (after_begin)
    keys: dict[str, Fernet] = session.info.setdefault(_TRANSACTION_KEYS, {})
    key = keys.get(subject)
    if key is None:
        if not keys:  # the transaction's first key: once it commits, the keys it still holds are durable
            after_commit(session, lambda: _confirm(session, ring))
        key = keys[subject] = ring.key_for_writing(conn, subject)
    return key


def _confirm(session: Session, ring: Keyring) -> None:
    """After the commit: the keys the transaction wrote with are in committed rows, and the next transactions of
    this process take them from the cache instead of looking them up (the notices, cases and timelines of a person
    written one event at a time). A key a rolled-back savepoint made is not among them (_forget_rolled_back_keys)."""
    for subject, key in session.info.get(_TRANSACTION_KEYS, {}).items():
        ring.cache.confirm(subject, key)


@contextmanager
def sealing(db: Session | sa.Connection, metadata: sa.MetaData, subject: str) -> Iterator[None]:
    """Encrypt the personal data written inside this block under ``subject``'s own data key."""
    ring = keyring_of(metadata)
    key = session_key(db, ring, subject) if isinstance(db, Session) else ring.key_for_writing(db, subject)
    token = _SEAL.set((subject, key))
    try:
        yield
    finally:
        _SEAL.reset(token)


# -- rotation --------------------------------------------------------------------------------------


def _newest_reads(token: bytes) -> bool:
    try:
        crypto.newest().decrypt(token)
    except InvalidToken:
        return False
    return True


def _encrypted_columns(table: sa.Table) -> list[str]:
    return [c.name for c in table.columns if isinstance(c.type, EncryptedText)]


def rotate_keys(engine: sa.Engine, metadata: sa.MetaData, batch: int = 500, pause: float = 0.0) -> dict[str, int]:
    """Bring every key and value under the newest service key, in short batches, while the service runs.

    - wrapped data keys are re-wrapped (the data under them is unchanged: cheap);
    - service-key values of tables naming their subject (``table.info["subject"]``) move under
      that person's data key; the other service-key values are re-encrypted with the newest key.
    Each update is conditional on the value read, so a concurrent write (which already uses the newest
    key) is never overwritten: nothing is lost; such rows are counted as ``raced``.
    """
    ring = keyring_of(metadata)
    report = {"keys_rewrapped": 0, "values_rotated": 0, "values_sealed": 0, "raced": 0, "erased_left": 0}
    keys = ring.tables.keys
    last: Any = None
    while True:
        with engine.begin() as conn:
            query = sa.select(keys.c.subject, keys.c.wrapped).order_by(keys.c.subject).limit(batch)
            rows = conn.execute(query if last is None else query.where(keys.c.subject > last)).all()
            for subject, wrapped in rows:
                last = subject
                if _newest_reads(bytes(wrapped)):
                    continue
                done = conn.execute(
                    keys.update()
                    .where(keys.c.subject == subject, keys.c.wrapped == wrapped)
                    .values(wrapped=crypto.cipher().rotate(bytes(wrapped)))
                ).rowcount
                report["keys_rewrapped" if done else "raced"] += 1
        if not rows:
            break
        time.sleep(pause)
    for table in metadata.sorted_tables:
        columns = _encrypted_columns(table)
        if not columns or table is ring.tables.keys:
            continue
        pk = [c.name for c in table.primary_key.columns]
        if not pk:
            raise RuntimeError(f"rotate-keys needs a primary key on {table.name}")
        _rotate_table(engine, ring, table, pk, columns, table.info.get("subject"), batch, pause, report)
    return report


@dataclass(frozen=True)
class SubjectVia:
    """A table whose rows name their subject through a parent row (a case's notes: the case's applicant).

    ``table.info["subject"] = SubjectVia("application_id", "cases", "application_id", "applicant_id")``."""

    column: str  # this table's column pointing at the parent
    parent: str  # the parent table's name
    parent_key: str
    parent_subject: str


def _rotate_table(
    engine: sa.Engine,
    ring: Keyring,
    table: sa.Table,
    pk: list[str],
    columns: list[str],
    subject_column: str | SubjectVia | None,
    batch: int,
    pause: float,
    report: dict[str, int],
) -> None:
    via = subject_column if isinstance(subject_column, SubjectVia) else None
    own = subject_column if isinstance(subject_column, str) else None
    # A plain table clause: the raw tokens, not EncryptedText's decrypted text.
    wanted = list(dict.fromkeys([*pk, *columns, *([own] if own else []), *([via.column] if via else [])]))
    raw = sa.table(table.name, *[sa.column(name) for name in wanted])
    key = sa.tuple_(*[raw.c[name] for name in pk])
    selected: list[Any] = [raw.c[name] for name in wanted]
    if via is not None:
        parent = sa.table(via.parent, sa.column(via.parent_key), sa.column(via.parent_subject))
        selected.append(
            sa.select(parent.c[via.parent_subject])
            .where(parent.c[via.parent_key] == raw.c[via.column])
            .scalar_subquery()
            .label("_zairyu_subject")
        )
    last: tuple[Any, ...] | None = None
    while True:
        with engine.begin() as conn:
            query = sa.select(*selected).order_by(*[raw.c[name] for name in pk]).limit(batch)
            rows = conn.execute(query if last is None else query.where(key > sa.tuple_(*last))).mappings().all()
            for row in rows:
                last = tuple(row[name] for name in pk)
                this_row = sa.and_(*[raw.c[name] == row[name] for name in pk])
                subject = row[own] if own else row["_zairyu_subject"] if via else None
                for column in columns:
                    if row[column] is None:
                        continue
                    token = bytes(row[column])
                    if crypto.split_subject_token(token) is not None:
                        continue  # under a data key: unchanged by a service-key rotation
                    if subject is not None:
                        try:
                            data_key = ring.key_for_writing(conn, str(subject))
                        except SubjectErased:
                            report["erased_left"] += 1
                            continue
                        new = crypto.subject_token(str(subject), data_key.encrypt(crypto.cipher().decrypt(token)))
                        kind = "values_sealed"
                    elif _newest_reads(token):
                        continue
                    else:
                        new, kind = crypto.cipher().rotate(token), "values_rotated"
                    done = conn.execute(
                        raw.update().where(this_row, raw.c[column] == token).values({column: new})
                    ).rowcount
                    report[kind if done else "raced"] += 1
        if not rows:
            return
        time.sleep(pause)


def values_needing_old_keys(engine: sa.Engine, metadata: sa.MetaData) -> int:
    """How many wrapped keys and service-key values the newest key alone cannot read (0: drop the old)."""
    ring = keyring_of(metadata)
    count = 0
    with engine.connect() as conn:
        for (wrapped,) in conn.execute(sa.select(ring.tables.keys.c.wrapped)):
            count += not _newest_reads(bytes(wrapped))
        for table in metadata.sorted_tables:
            columns = _encrypted_columns(table)
            if not columns:
                continue
            raw = sa.table(table.name, *[sa.column(name) for name in columns])
            for row in conn.execute(sa.select(*raw.c)):
                for value in row:
                    if value is not None and crypto.split_subject_token(bytes(value)) is None:
                        count += not _newest_reads(bytes(value))
    return count

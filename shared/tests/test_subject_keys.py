"""Per-person data keys and key rotation on real PostgreSQL (issue 20).

Rotation runs while writers keep writing: afterwards every row holds its last committed value and
reads under the newest key alone (the old one can be dropped).
"""

from __future__ import annotations

import random
import threading

import pytest
import sqlalchemy as sa

from zairyu_shared import crypto, subject_keys, testing
from zairyu_shared.subject_keys import SubjectErased, sealing


def _schema():
    metadata = sa.MetaData()
    people = sa.Table(
        "people",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("owner", sa.String(36), nullable=False),
        sa.Column("name", crypto.EncryptedText(), nullable=True),
        info={"subject": "owner"},
    )
    staff = sa.Table(
        "staff",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("secret", crypto.EncryptedText(), nullable=True),
    )
    subject_keys.add_subject_key_tables(metadata)
    return metadata, people, staff


@pytest.fixture
def db():
    with testing.fresh_database("zt_keys") as url:
        engine = sa.create_engine(url, pool_size=12)
        yield engine
        engine.dispose()


def _names(engine, table, column):
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(table.c.id, table.c[column])).all())


def test_rotation_while_writers_write_loses_nothing(db):
    metadata, people, staff = _schema()
    metadata.create_all(db)
    old, new = crypto.new_key(), crypto.new_key()
    crypto.configure([old])
    subject_keys.bind(metadata, db)
    rows = 1200
    with db.begin() as conn:
        # Half the people written before per-person keys existed (service key), half under their key.
        conn.execute(people.insert(), [{"id": i, "owner": f"p{i % 300}", "name": f"{i}:0"} for i in range(0, rows, 2)])
        for i in range(1, rows, 2):
            with sealing(conn, metadata, f"p{i % 300}"):
                conn.execute(people.insert().values(id=i, owner=f"p{i % 300}", name=f"{i}:0"))
        conn.execute(staff.insert(), [{"id": i, "secret": f"{i}:0"} for i in range(rows)])

    crypto.configure([new, old])  # step 1: the new key first, every process restarted with it
    expected_people = {i: f"{i}:0" for i in range(rows)}
    expected_staff = dict(expected_people)
    lock, stop, errors = threading.Lock(), threading.Event(), []
    writes = [0]

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        n = 0
        try:
            while not stop.is_set():
                n += 1
                i = rng.randrange(rows)
                value = f"{i}:{seed}-{n}"
                with db.begin() as conn:
                    if rng.random() < 0.5:
                        with sealing(conn, metadata, f"p{i % 300}"):
                            conn.execute(people.update().where(people.c.id == i).values(name=value))
                        target = expected_people
                    else:
                        conn.execute(staff.update().where(staff.c.id == i).values(secret=value))
                        target = expected_staff
                    # Row lock held until commit: the expected value follows commit order.
                    with lock:
                        target[i] = value
                        writes[0] += 1
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    try:
        testing.wait_until(lambda: writes[0] > 50, message="writers running")
        report = subject_keys.rotate_keys(db, metadata, batch=50)
        with db.begin() as conn:  # the older per-column helper rotates safely too
            crypto.rotate_column(conn, staff, "secret", batch=50)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors, errors
    assert writes[0] > 100, "the writers barely ran during rotation"
    assert report["values_sealed"] > 0 and report["keys_rewrapped"] == 150  # the odd owners had keys before

    crypto.configure([new])  # step 2: the old key is gone
    assert subject_keys.values_needing_old_keys(db, metadata) == 0
    subject_keys.bind(metadata, db)  # a fresh process: no cached keys
    assert _names(db, people, "name") == expected_people
    assert _names(db, staff, "secret") == expected_staff
    with db.connect() as conn:  # every person's value is now under their own key
        tokens = conn.execute(sa.text("SELECT name FROM people")).scalars().all()
    assert all(bytes(t).startswith(b"zk1:") for t in tokens)


def test_erasure_destroys_one_person_and_a_new_key_is_refused(db):
    metadata, people, _ = _schema()
    metadata.create_all(db)
    crypto.configure([crypto.new_key()])
    ring = subject_keys.bind(metadata, db)
    with db.begin() as conn:
        for i, owner in enumerate(("gone", "kept")):
            with sealing(conn, metadata, owner):
                conn.execute(people.insert().values(id=i, owner=owner, name=f"name of {owner}"))
    with db.begin() as conn:
        assert ring.erase(conn, "gone")
    with pytest.raises(SubjectErased):
        _names(db, people, "name")
    with db.connect() as conn:
        kept = conn.execute(sa.select(people.c.name).where(people.c.owner == "kept")).scalar()
    assert kept == "name of kept"
    with db.begin() as conn, pytest.raises(SubjectErased):
        with sealing(conn, metadata, "gone"):  # nothing new is stored for an erased person
            pass


def test_the_key_cache_is_bounded_and_forgets_erased_keys(db):
    metadata, people, _ = _schema()
    metadata.create_all(db)
    crypto.configure([crypto.new_key()])
    ring = subject_keys.bind(metadata, db, cache_size=10)
    with db.begin() as conn:
        for i in range(40):
            with sealing(conn, metadata, f"s{i}"):
                conn.execute(people.insert().values(id=i, owner=f"s{i}", name=str(i)))
    assert len(ring.cache) == 10
    other = subject_keys.Keyring(ring.tables, db, cache_size=10, cache_ttl=0.0)  # another process, TTL 0
    assert other.open("s1", _token(db, 1)) == b"1"
    with db.begin() as conn:
        ring.erase(conn, "s1")
    with pytest.raises(SubjectErased):
        other.open("s1", _token(db, 1))


def _token(engine, row_id):
    with engine.connect() as conn:
        raw = bytes(conn.execute(sa.text("SELECT name FROM people WHERE id = :i"), {"i": row_id}).scalar())
    return crypto.split_subject_token(raw)[1]


def test_a_key_is_looked_up_once_its_first_transaction_committed_and_never_from_a_rollback(db):
    """Written one event at a time (notify's notices, review's cases), a person's key was looked up by every
    transaction: the cache trusted only keys read from committed rows. A key a transaction committed with is now
    trusted too; one made in a transaction or a savepoint that rolled back never is (its row does not exist)."""
    from sqlalchemy.orm import sessionmaker

    metadata, people, _ = _schema()
    metadata.create_all(db)
    crypto.configure([crypto.new_key()])
    subject_keys.bind(metadata, db)
    looked_up: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if "subject_keys" in statement:
            looked_up.append(statement)

    sa.event.listen(db, "before_cursor_execute", count)
    sessions = sessionmaker(db)
    rows = iter(range(100))

    def write(session, owner: str) -> None:
        with sealing(session, metadata, owner):
            session.execute(people.insert().values(id=next(rows), owner=owner, name=f"name of {owner}"))

    def lookups(owner: str, savepoint_fails: bool = False, fails: bool = False) -> int:
        looked_up.clear()
        try:
            with sessions() as session, session.begin():
                if savepoint_fails:
                    with pytest.raises(RuntimeError), session.begin_nested():
                        write(session, owner)
                        raise RuntimeError("the savepoint rolls back")
                    write(session, "someone else")
                else:
                    write(session, owner)
                if fails:
                    raise RuntimeError("the transaction rolls back")
        except RuntimeError:
            pass
        return len(looked_up)

    assert lookups("p") > 0  # made
    assert lookups("p") == 0  # committed: taken from the cache
    assert lookups("q", fails=True) > 0 and lookups("q") > 0  # the first key's row was rolled back: looked up
    assert lookups("q") == 0
    assert lookups("r", savepoint_fails=True) > 0 and lookups("r") > 0  # made in a savepoint that rolled back
    assert lookups("r") == 0
    fresh = subject_keys.Keyring(subject_keys.keyring_of(metadata).tables, db, cache_ttl=0.0)  # another process
    with db.connect() as conn:
        stored = conn.execute(sa.text("SELECT id, owner, name FROM people")).all()
    assert {fresh.open(owner, crypto.split_subject_token(bytes(name))[1]).decode() for _, owner, name in stored} == {
        f"name of {owner}" for owner in ("p", "q", "r", "someone else")
    }

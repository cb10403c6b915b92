"""The statements psycopg prepares on a pooled connection stay prepared (issue 24).

psycopg prepares a statement the fifth time a connection runs it, and forgets all of them when the connection
rolls back (``DEALLOCATE ALL``). A read ended with ROLLBACK (``with engine.connect()``: notify's backlog gauge every
second, every relay's every 5 s, every readiness probe, every key look-up) wiped the pool's prepared statements
under the hot paths, and the relay's mark-sent was a new statement text for each batch size, so never prepared.
Counted over a 400-application bench_e2e run: unprepared runs 2,825 -> 1,578, DEALLOCATE ALL 51 -> 0.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from zairyu_shared import testing
from zairyu_shared.db import add_messaging_tables, make_engine, reading, transaction
from zairyu_shared.events import new_event
from zairyu_shared.outbox import OutboxRelay, add_event


@pytest.fixture
def one_connection(pg_url):
    """A pool of one connection, so every use below is the same server session."""
    engine = make_engine(pg_url, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def _prepared(engine, like: str = "%") -> int:
    with engine.begin() as conn:  # COMMIT: leaves psycopg's cache alone
        query = sa.text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE :like")
        return int(conn.execute(query, {"like": like}).scalar_one())


def _warm(engine) -> None:
    for n in range(6):  # psycopg's prepare_threshold is 5
        with engine.begin() as conn:
            conn.execute(sa.text("SELECT 1 + :n"), {"n": n}).all()


def test_a_read_through_reading_keeps_the_connections_prepared_statements(one_connection):
    _warm(one_connection)
    assert _prepared(one_connection, "SELECT 1 + %") == 1
    with reading(one_connection) as conn:
        assert conn.execute(sa.text("SELECT 2")).scalar_one() == 2
    assert _prepared(one_connection, "SELECT 1 + %") == 1


def test_a_read_ended_by_rollback_loses_them_which_is_what_reading_avoids(one_connection):
    """The behaviour ``reading`` exists for: if psycopg stops forgetting on ROLLBACK, this fails and the helper can go."""
    _warm(one_connection)
    with one_connection.connect() as conn:
        conn.execute(sa.text("SELECT 2")).all()
    assert _prepared(one_connection, "SELECT 1 + %") == 0


def test_reading_runs_outside_a_transaction(one_connection):
    with reading(one_connection) as conn:
        first = conn.execute(sa.text("SELECT txid_current()")).scalar_one()
        second = conn.execute(sa.text("SELECT txid_current()")).scalar_one()
    assert first != second  # each statement its own transaction: no BEGIN held open, no ROLLBACK at the end


def test_the_relays_mark_sent_is_one_prepared_statement_whatever_the_batch_size():
    metadata = sa.MetaData()
    outbox, _ = add_messaging_tables(metadata)
    with testing.fresh_database("zt_prepared") as url:  # the service's own outbox table, in a database of its own
        engine = make_engine(url, pool_size=1, max_overflow=0)
        metadata.create_all(engine)
        factory = sessionmaker(engine)

        class Confirming:
            def publish_batch(self, messages):
                return {m.event_id for m in messages}, {}

        relay = OutboxRelay("intake", factory, outbox, Confirming())
        try:
            for size in (1, 2, 3, 4, 5, 6, 7):
                with transaction(factory) as session:
                    for n in range(size):
                        event = new_event(
                            "applicant.registered",
                            {
                                "applicant_id": f"a{size}-{n}",
                                "email": "a@example.jp",
                                "language": "vi",
                                "display_name": "A",
                            },
                            source="intake",
                            correlation_id="c",
                        )
                        add_event(session, outbox, event)
                assert relay.relay_once() == size
            assert relay.observe_backlog()[0] == 0
            # seven batch sizes, one statement text: prepared after its fifth run (an expanding IN made seven texts)
            assert _prepared(engine, "UPDATE outbox SET sent_at%") == 1
        finally:
            engine.dispose()


def test_a_session_through_reading_session_keeps_them_too(one_connection):
    from zairyu_shared.db import make_session_factory, reading_session

    _warm(one_connection)
    with reading_session(make_session_factory(one_connection)) as session:
        assert session.execute(sa.text("SELECT 2")).scalar_one() == 2
    assert _prepared(one_connection, "SELECT 1 + %") == 1


# -- run_alone: one writing statement in autocommit (issue 24, session 23) -------------------------------------------
@pytest.fixture
def scratch_table(one_connection):
    with one_connection.begin() as conn:
        conn.execute(sa.text("CREATE TEMP TABLE IF NOT EXISTS claims (id int PRIMARY KEY, state text)"))
        conn.execute(sa.text("DELETE FROM claims"))
        conn.execute(sa.text("INSERT INTO claims VALUES (1, 'sending'), (2, 'sending')"))
    return one_connection


def test_run_alone_commits_its_statement_and_counts_the_rows_it_changed(scratch_table, pg_url):
    from zairyu_shared.db import run_alone

    mark = sa.text("UPDATE claims SET state = 'sent' WHERE id = :id AND state = 'sending'")
    assert run_alone(scratch_table, mark, {"id": 1}) == 1
    assert run_alone(scratch_table, mark, {"id": 1}) == 0  # no longer 'sending': the claim was not ours any more
    with reading(scratch_table) as conn:  # a pool of one: had it not committed, the pool's reset rolled it back
        assert dict(conn.execute(sa.text("SELECT id, state FROM claims")).all()) == {1: "sent", 2: "sending"}


def test_the_connection_run_alone_used_is_transactional_again_for_the_next_user(scratch_table):
    """Autocommit is the connection's for one statement: the pool's next ``engine.begin()`` must still roll back."""
    from zairyu_shared.db import run_alone

    run_alone(scratch_table, sa.text("UPDATE claims SET state = 'sent' WHERE id = 2"))
    with pytest.raises(RuntimeError), scratch_table.begin() as conn:
        conn.execute(sa.text("UPDATE claims SET state = 'lost' WHERE id = 1"))
        raise RuntimeError("the use case failed after its first write")
    with reading(scratch_table) as conn:
        assert conn.execute(sa.text("SELECT state FROM claims WHERE id = 1")).scalar_one() == "sending"


def test_rows_alone_returns_the_rows_of_a_committed_update(scratch_table):
    from zairyu_shared.db import rows_alone

    claim = sa.text("UPDATE claims SET state = 'claimed' WHERE state = 'sending' RETURNING id")
    assert sorted(r.id for r in rows_alone(scratch_table, claim)) == [1, 2]
    assert rows_alone(scratch_table, claim) == []  # committed: a second claim finds nothing left to take
    with pytest.raises(RuntimeError), scratch_table.begin() as conn:
        conn.execute(sa.text("UPDATE claims SET state = 'lost'"))
        raise RuntimeError("rolled back")
    with reading(scratch_table) as conn:
        assert set(conn.execute(sa.text("SELECT state FROM claims")).scalars()) == {"claimed"}

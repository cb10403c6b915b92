"""On real PostgreSQL: concurrent officers, the append-only audit table, migrations."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from review_testkit import verified_event

from review.adapters import audit
from review.adapters.accounts import create_officer
from review.adapters.tables import audit_log, cases
from review.application import casework, inbound
from review.domain.case import Proposal
from review.domain.roles import Officer, Role
from zairyu_shared import testing
from zairyu_shared.db import transaction


def setup_case(rt):
    made = {}
    with transaction(rt.session_factory) as s:
        for name, role in (("ex1", "examiner"), ("ex2", "examiner"), ("sv1", "supervisor"), ("sv2", "supervisor")):
            oid, _, _ = create_officer(s, name, name, role, "tokyo", password="pw")
            made[name] = Officer(oid, Role(role), "tokyo")
    event = verified_event(bureau="tokyo")
    with transaction(rt.session_factory) as s:
        inbound.receive(rt, s, event)
    return made, event.payload["application_id"]


def race(rt, monkeypatch, calls):
    """Run the calls in two threads that both read the case before either writes."""
    barrier = threading.Barrier(len(calls), timeout=20)
    real_load = casework.load_case

    def load_then_wait(session, application_id):
        row = real_load(session, application_id)
        barrier.wait()
        return row

    monkeypatch.setattr(casework, "load_case", load_then_wait)
    outcomes = [None] * len(calls)

    def run(i, func, args):
        try:
            with transaction(rt.session_factory) as s:
                func(rt, s, *args)
            outcomes[i] = "ok"
        except casework.Conflict:
            outcomes[i] = "conflict"
        except Exception as exc:  # anything else is a failure of the test
            outcomes[i] = repr(exc)

    threads = [threading.Thread(target=run, args=(i, f, a)) for i, (f, a) in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    monkeypatch.setattr(casework, "load_case", real_load)
    return sorted(outcomes)


def test_two_examiners_cannot_both_claim_one_case(pg_rt, monkeypatch):
    o, app = setup_case(pg_rt)
    outcomes = race(pg_rt, monkeypatch, [(casework.claim, (o["ex1"], app)), (casework.claim, (o["ex2"], app))])
    assert outcomes == ["conflict", "ok"]
    with pg_rt.engine.connect() as conn:
        row = conn.execute(sa.select(cases).where(cases.c.application_id == app)).one()
        assert row.assignee in (o["ex1"].id, o["ex2"].id) and row.status == "under_examination"
        started = conn.execute(
            sa.select(sa.func.count()).where(pg_rt.outbox.c.event_type == "application.examination_started")
        ).scalar()
    assert started == 1


def test_two_supervisors_cannot_both_decide_one_case(pg_rt, monkeypatch):
    o, app = setup_case(pg_rt)
    with transaction(pg_rt.session_factory) as s:
        casework.claim(pg_rt, s, o["ex1"], app)
    with transaction(pg_rt.session_factory) as s:
        casework.propose(pg_rt, s, o["ex1"], app, Proposal("approved", o["ex1"].id, "student", "1 year"))
    outcomes = race(pg_rt, monkeypatch, [(casework.confirm, (o["sv1"], app)), (casework.confirm, (o["sv2"], app))])
    assert outcomes == ["conflict", "ok"]
    with pg_rt.engine.connect() as conn:
        decided = conn.execute(
            sa.select(sa.func.count()).where(pg_rt.outbox.c.event_type == "application.decided")
        ).scalar()
        assert decided == 1
        assert audit.verify_chain(conn)[1] == []


def test_the_application_role_cannot_update_or_delete_audit_rows(pg_rt):
    setup_case(pg_rt)
    with pg_rt.engine.connect() as conn:
        conn.execute(sa.text("SET ROLE zairyu_review_app"))
        conn.execute(sa.text("SELECT count(*) FROM audit_log"))  # reading is allowed
        for statement in ("UPDATE audit_log SET actor = 'someone-else'", "DELETE FROM audit_log"):
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                with conn.begin_nested():
                    conn.execute(sa.text(statement))
        conn.rollback()
    with pg_rt.engine.connect() as conn:  # even the owner is stopped by the trigger
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            conn.execute(sa.text("UPDATE audit_log SET actor = 'x'"))
        conn.rollback()
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            conn.execute(sa.text("TRUNCATE audit_log"))
        conn.rollback()


def test_the_application_role_may_append_audit_and_work_cases(pg_rt):
    o, app = setup_case(pg_rt)
    with pg_rt.engine.connect() as conn:
        conn.execute(sa.text("SET ROLE zairyu_review_app"))
        from sqlalchemy.orm import Session

        with Session(bind=conn) as s:
            casework.claim(pg_rt, s, o["ex1"], app)
            s.commit()
        assert conn.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar() == 2


def test_tampering_is_detected_even_if_someone_disables_the_trigger(pg_rt):
    o, app = setup_case(pg_rt)
    with transaction(pg_rt.session_factory) as s:
        casework.claim(pg_rt, s, o["ex1"], app)
        casework.add_note(pg_rt, s, o["ex1"], app, "looks fine")
    with pg_rt.engine.begin() as conn:
        assert audit.verify_chain(conn) == (3, [])
        conn.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        conn.execute(sa.text("UPDATE audit_log SET actor = 'nobody' WHERE seq = 2"))
    with pg_rt.engine.connect() as conn:
        count, problems = audit.verify_chain(conn)
    assert count == 3 and problems == ["seq 2: hash does not match its content (entry altered)"]


def test_the_migrations_build_exactly_the_declared_schema(pg_rt):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from review.adapters.tables import metadata

    with pg_rt.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diffs == []


def test_migrations_go_down_and_up_again(pg_rt):
    from alembic import command

    from zairyu_shared.migrations import alembic_config

    cfg = alembic_config(pg_rt.definition.migrations, pg_rt.settings.database_url)
    command.downgrade(cfg, "0001")
    with pg_rt.engine.connect() as conn:
        assert not sa.inspect(conn).has_table("cases")
    command.upgrade(cfg, "head")
    setup_case(pg_rt)  # works again, trigger and grants included
    with pg_rt.engine.connect() as conn:
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            conn.execute(sa.text("DELETE FROM audit_log"))


def test_writers_appending_several_entries_a_transaction_keep_one_chain(pg_rt):
    """Each transaction reads the chain's head once, under the advisory lock it then holds to its end: two
    writers whose transactions append three entries each, at once, still make one unbroken chain."""
    start = threading.Barrier(2, timeout=20)
    errors = []

    def writer(name):
        try:
            start.wait()
            for t in range(10):
                with transaction(pg_rt.session_factory) as s:
                    for i in range(3):
                        audit.append(s, name, "case.received", detail={"t": t, "i": i})
        except Exception as exc:  # reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with pg_rt.engine.connect() as conn:
        assert audit.verify_chain(conn) == (60, [])


def test_an_appender_that_waited_for_the_lock_reads_the_head_its_holder_committed(pg_rt):
    """The lock and the head are one statement (audit_log_locked_head, migration 0016): a writer that asked while
    another held the lock (audit._lock, the same key) reads the head after it is granted, so it chains onto the
    entry the holder committed meanwhile instead of the head as it was when it asked (that would repeat a seq)."""
    with pg_rt.engine.connect() as conn:
        before = audit.verify_chain(conn)[0]
    errors: list[str] = []

    def second():
        try:
            with transaction(pg_rt.session_factory) as s:
                audit.append(s, "b", "case.received")
        except Exception as exc:  # reported below
            errors.append(repr(exc))

    waiting = sa.text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
    with transaction(pg_rt.session_factory) as s:
        audit._lock(s)
        thread = threading.Thread(target=second)
        thread.start()
        with pg_rt.engine.connect() as conn:
            testing.wait_until(lambda: conn.execute(waiting).scalar_one() == 1, message="the second writer waits")
        audit.append(s, "a", "case.received")
    thread.join(20)
    assert errors == []
    with pg_rt.engine.connect() as conn:
        assert audit.verify_chain(conn) == (before + 2, [])
        actors = conn.execute(sa.select(audit_log.c.actor).order_by(audit_log.c.seq.desc()).limit(2)).scalars().all()
    assert actors == ["b", "a"]

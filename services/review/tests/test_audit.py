"""The audit chain: altered, removed or inserted entries are found; the CLI says so and exits 1."""

from __future__ import annotations

import io
import json

import sqlalchemy as sa

from review.adapters import audit
from review.adapters.tables import audit_log
from review.domain.audit_chain import entry_hash
from review.entrypoints.cli import audit_main
from zairyu_shared.db import transaction


def write(rt, n=5):
    with transaction(rt.session_factory) as s:
        for i in range(n):
            audit.append(
                s,
                f"officer-{i}",
                "case.viewed",
                bureau="tokyo",
                application_id=f"app-{i % 2}",
                ip="10.1.2.3",
                detail={"i": i},
                purpose="examination",
            )


def verify(rt):
    out = io.StringIO()
    code = audit_main(["verify"], runtime=rt, out=out)
    return code, out.getvalue()


def test_an_intact_chain_verifies(rt):
    write(rt)
    assert verify(rt) == (0, "audit chain: 5 entries, intact\n")


def test_an_altered_entry_is_detected(rt):
    write(rt)
    with rt.engine.begin() as conn:
        conn.execute(audit_log.update().where(audit_log.c.seq == 3).values(ip="192.0.2.1"))
    code, text = verify(rt)
    assert code == 1 and "seq 3: hash does not match its content" in text


def test_recomputing_one_hash_breaks_the_next_link(rt):
    write(rt)
    with rt.engine.begin() as conn:
        row = dict(conn.execute(sa.select(audit_log).where(audit_log.c.seq == 2)).one()._mapping)
        row["actor"] = "forger"
        conn.execute(
            audit_log.update()
            .where(audit_log.c.seq == 2)
            .values(actor="forger", hash=entry_hash(row["prev_hash"], row))
        )
    code, text = verify(rt)
    assert code == 1 and "seq 3: prev_hash does not match" in text and "seq 2" not in text


def test_a_removed_entry_is_detected(rt):
    write(rt)
    with rt.engine.begin() as conn:
        conn.execute(audit_log.delete().where(audit_log.c.seq == 4))
    code, text = verify(rt)
    assert code == 1 and "seq 5: expected 4" in text
    with rt.engine.connect() as conn:  # found the same way when the walk crosses batch boundaries
        assert audit.verify_chain(conn, batch=2)[1][0] == "seq 5: expected 4 (entry missing or inserted)"


def test_export_is_json_lines_filtered_by_case(rt):
    write(rt)
    out = io.StringIO()
    assert audit_main(["export", "--application", "app-1"], runtime=rt, out=out) == 0
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [e["seq"] for e in lines] == [2, 4]
    assert all(e["hash"] == entry_hash(e["prev_hash"], e) for e in lines)


def test_a_transaction_appending_after_a_rolled_back_savepoint_keeps_the_chain(rt):
    """One transaction's appends read the chain's head once (it holds the lock); an entry appended in a
    savepoint that rolled back is not taken as the head of the next."""
    with transaction(rt.session_factory) as s:
        audit.append(s, "system", "case.received", detail={"n": 1})
        savepoint = s.begin_nested()
        audit.append(s, "system", "case.received", detail={"n": "rolled back"})
        savepoint.rollback()
        audit.append(s, "system", "case.received", detail={"n": 2})
    with transaction(rt.session_factory) as s:
        audit.append(s, "system", "case.received", detail={"n": 3})
    assert verify(rt) == (0, "audit chain: 3 entries, intact\n")
    with rt.engine.connect() as conn:
        assert [json.loads(d)["n"] for d in conn.scalars(sa.select(audit_log.c.detail).order_by(audit_log.c.seq))] == [
            1,
            2,
            3,
        ]


def test_a_session_s_next_transaction_reads_the_head_again(rt):
    """The head a transaction wrote is forgotten when it commits: the session's next transaction appends after what
    others appended meanwhile."""
    session = rt.session_factory()
    with session.begin():
        audit.append(session, "system", "case.received", detail={"n": 1})
    with transaction(rt.session_factory) as other:
        audit.append(other, "system", "case.received", detail={"n": 2})
    with session.begin():
        audit.append(session, "system", "case.received", detail={"n": 3})
    session.close()
    assert verify(rt) == (0, "audit chain: 3 entries, intact\n")

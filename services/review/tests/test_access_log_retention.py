"""The access log's retention under a frozen clock (issue 20; SQLite and PostgreSQL).

A leaf (who opened a file, and why) is kept 10 years from the 特定日 after the access, and never while review still
holds the case file (``access_entry``). A Merkle tree cannot lose a leaf, so what goes is its content: the leaf keeps
its index, hash and time, and every signed tree head, inclusion proof and consistency proof still verifies (the
export too, with the emptied leaves left out). On PostgreSQL the table stays append-only: only
``access_log_redact`` (migration 0015) may make that one change, to a leaf more than 10 years old.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine
from test_casework import officers_of, receive

from review.adapters import access_log, audit
from review.adapters import tables as t
from review.application.tree_heads import publish as publish_tree_head
from review.entrypoints import access_cli
from zairyu_shared import access_log as fmt
from zairyu_shared import audit_cli, merkle
from zairyu_shared.db import transaction
from zairyu_shared.japan_time import JAPAN

# As in test_access_log.py (intake has a module of that name too, so its helpers are not imported from there).


def leaves(rt):
    with rt.engine.connect() as conn:
        return conn.execute(sa.select(t.access_log).order_by(t.access_log.c.leaf_index)).all()


def read(rt, officer, app_id, purpose="examination"):
    with transaction(rt.session_factory) as s:
        audit.append(s, officer.id, "case.viewed", bureau="tokyo", application_id=app_id, purpose=purpose)


def _export(rt, path):
    assert access_cli.main(["export", "--out", str(path)], runtime=rt, out=io.StringIO()) == 0
    return path


def _verify(*dirs):
    last = dirs[-1]
    args = ["verify", "--json", "--key", str(next(last.glob("*.pem")))]
    for d in dirs:
        args += ["--heads", str(d / "tree-heads.json")]
    args += ["--entries", str(last / "entries.json"), "--proofs", str(last / "consistency.json")]
    out = io.StringIO()
    return audit_cli.main(args, out=out), json.loads(out.getvalue())


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=JAPAN).astimezone(UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(request):
    return request.getfixturevalue("rt" if request.param == "sqlite" else "pg_rt")


def _log_with_old_and_new_reads(rt):
    """Two cases received in fiscal 2015 and read then (fiscal 2015), in fiscal 2016 and in 2025, a head each time.
    "gone" was refused in fiscal 2015 (its file goes with case_closed on 2026-04-01), "held" is still open."""
    with time_machine.travel(jst(2015, 5, 1, 9), tick=False):
        o = officers_of(rt, "tokyo")
        gone, held = receive(rt, bureau="tokyo"), receive(rt, bureau="tokyo")
    for moment in (jst(2015, 6, 1, 10), jst(2016, 3, 31, 23, 50), jst(2016, 4, 1, 0, 10), jst(2025, 7, 1, 10)):
        with time_machine.travel(moment, tick=False):
            read(rt, o["examiner"], gone)
            read(rt, o["examiner"], held)
            publish_tree_head(rt)
    with rt.engine.begin() as conn:
        conn.execute(
            t.cases.update()
            .where(t.cases.c.application_id == gone)
            .values(is_open=False, status="decided", outcome="refused", decided_at=jst(2015, 6, 1, 11))
        )
    return gone, held


def test_leaves_lose_their_content_ten_years_from_the_tokutei_bi_and_the_tree_still_verifies(runtime, tmp_path):
    rt = runtime
    gone, held = _log_with_old_and_new_reads(rt)
    before = leaves(rt)
    assert len(before) == 8
    with rt.engine.connect() as conn:
        heads = access_log.heads(conn)
        root = merkle.root_from_leaf_hashes(access_log.leaf_hashes(conn)).hex()
    assert root == heads[-1].root_hash
    exported_before = _export(rt, tmp_path / "before")
    assert _verify(exported_before)[0] == 0

    with time_machine.travel(jst(2026, 3, 31, 23, 59), tick=False):  # fiscal 2015 + 1 + 10 not yet begun
        assert rt.purge().counts.get("access_entry", 0) == 0
    with time_machine.travel(jst(2026, 4, 1, 0, 1), tick=False):
        report = rt.purge()
    # Fiscal 2015: two reads of each case; the case file "gone" went first (case_closed), so only its two reads
    # lose their content; "held"'s file is still held and its reads stay whole.
    assert report.counts["case_closed"] == 1 and report.counts["access_entry"] == 2
    after = leaves(rt)
    emptied = [r for r in after if r.entry == ""]
    assert [r.leaf_index for r in emptied] == [0, 2]
    for r in emptied:
        assert (r.application_id, r.applicant_id, r.officer_id, r.officer_bureau, r.officer_office) == (
            "",
            None,
            "",
            None,
            None,
        )
        assert (r.case_bureau, r.case_office, r.kind, r.purpose) == ("", None, "", "")
    assert [(r.leaf_index, r.leaf_hash, r.at) for r in after] == [(r.leaf_index, r.leaf_hash, r.at) for r in before]
    assert [r.entry for r in after if r.leaf_index not in (0, 2)] == [
        r.entry for r in before if r.leaf_index not in (0, 2)
    ]
    assert all(json.loads(r.entry)["application_id"] == held for r in after if r.entry and r.leaf_index < 4)

    # The tree is the same tree: the root, every head's consistency, every kept entry's inclusion.
    with rt.engine.connect() as conn:
        assert merkle.root_from_leaf_hashes(access_log.leaf_hashes(conn)).hex() == root
        for a, b in zip(heads, heads[1:], strict=False):
            assert fmt.consistency_ok(a, b, access_log.consistency(conn, a.tree_size, b.tree_size))
    exported = _export(rt, tmp_path / "after")
    code, result = _verify(exported_before, exported)
    assert code == 0 and result["ok"], result
    assert result["entries"] == 6  # the two emptied leaves are not exported
    entries = json.loads((exported / "entries.json").read_text())
    assert [e["leaf_index"] for e in entries] == [1, 3, 4, 5, 6, 7]
    assert gone not in json.dumps([e for e in entries if e["leaf_index"] < 4])

    # A new access after the purge is a leaf like any other, and the next head extends the old ones.
    with time_machine.travel(jst(2026, 4, 2, 9), tick=False):
        read(rt, officers_of(rt, "osaka")["auditor"], held, "audit")
        new_head = publish_tree_head(rt)
    assert new_head is not None and new_head.tree_size == 9
    with rt.engine.connect() as conn:
        assert fmt.consistency_ok(heads[-1], new_head, access_log.consistency(conn, 8, 9))
    with time_machine.travel(jst(2026, 4, 2, 10), tick=False):
        assert rt.purge().counts.get("access_entry", 0) == 0  # nothing more has expired


def test_on_postgresql_only_the_redaction_function_changes_a_leaf(pg_rt):
    rt = pg_rt
    gone, _held = _log_with_old_and_new_reads(rt)
    with time_machine.travel(jst(2026, 4, 1, 0, 1), tick=False):
        assert rt.purge().counts["access_entry"] == 2  # leaves 0 and 2
    with rt.engine.connect() as conn:
        old = conn.execute(sa.select(t.access_log).where(t.access_log.c.leaf_index == 4)).one()
    assert json.loads(old.entry)["application_id"] == gone
    # Not even the owner may empty a leaf by hand, nor rewrite its hash.
    for values in (access_log.REDACTED, {"leaf_hash": "0" * 64}):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), rt.engine.begin() as conn:
            conn.execute(t.access_log.update().where(t.access_log.c.leaf_index == 4).values(**values))
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), rt.engine.begin() as conn:
        conn.execute(t.access_log.delete().where(t.access_log.c.leaf_index == 0))
    # The function keeps the database's own floor: asked for everything (a cutoff in 2100), it empties the leaf of
    # 2016-04-01 (more than 10 years before the server's real clock, December 2026 or later) and not the 2025 one;
    # nor any leaf about the case file still held.
    with rt.engine.begin() as conn:
        conn.execute(sa.text("SET LOCAL ROLE zairyu_review_app"))
        done = conn.execute(
            sa.text("SELECT access_log_redact(:cutoff, 100)"), {"cutoff": datetime(2100, 1, 1, tzinfo=UTC)}
        ).scalar_one()
    assert done == 1
    with rt.engine.connect() as conn:
        emptied = set(conn.execute(sa.select(t.access_log.c.leaf_index).where(t.access_log.c.entry == "")).scalars())
    assert emptied == {0, 2, 4}
    # The application's role may not update the table itself.
    with pytest.raises(sa.exc.DBAPIError), rt.engine.begin() as conn:
        conn.execute(sa.text("SET LOCAL ROLE zairyu_review_app"))
        conn.execute(t.access_log.update().where(t.access_log.c.leaf_index == 1).values(**access_log.REDACTED))


def test_the_export_of_a_log_whose_first_leaves_are_emptied_still_verifies_alone(rt, tmp_path):
    _log_with_old_and_new_reads(rt)
    with time_machine.travel(jst(2026, 4, 1, 0, 1), tick=False):
        rt.purge()
    code, result = _verify(_export(rt, tmp_path / "x"))
    assert code == 0 and result["tree_heads"] == 4 and result["consistency_proofs"] == 3 and result["entries"] == 6

"""Trimming the audit chain (issue 20, retention ``audit_entry``), on SQLite and PostgreSQL, under a frozen clock.

Entries go 10 years from the 特定日 after they were written, cut from the chain's start after a trim anchor
signed with the audit key; the rest verifies from the anchor; the anchor says how many went and when they were
written, never what they were; a changed anchor, a changed first kept entry or more entries removed are found; the
cut waits for a case file review still holds; a cut stopped half-way still verifies and is finished next time.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine

from review.adapters import audit
from review.adapters import tables as t
from review.adapters.tables import audit_log
from review.bootstrap import ports
from review.domain.audit_chain import ANCHOR_ACTION, Anchor, SignedAnchor, entry_hash
from review.entrypoints.cli import audit_main
from zairyu_shared.db import transaction
from zairyu_shared.japan_time import JAPAN
from zairyu_shared.testing import SoftKey


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=JAPAN).astimezone(UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(request):
    return request.getfixturevalue("rt" if request.param == "sqlite" else "pg_rt")


def open_case(s, app_id: str, received: datetime) -> None:
    s.execute(
        t.cases.insert().values(
            application_id=app_id,
            applicant_id="ap-" + app_id,
            receipt_number="R" + app_id,
            bureau="tokyo",
            procedure="extension",
            status_of_residence="engineer",
            nationality="VNM",
            language="vi",
            status="under_examination",
            is_open=True,
            submitted_at=received,
            received_at=received,
            card_by_mail=False,
            provisional_number="P" + app_id,
            content_sha256="0" * 64,
            form="{}",
            evidence="{}",
        )
    )


def write(rt, at: datetime, n: int = 1, application_id: str | None = None, actor: str = "examiner-7") -> None:
    with time_machine.travel(at, tick=False), transaction(rt.session_factory) as s:
        for i in range(n):
            audit.append(s, actor, "officer.signed_in", bureau="tokyo", application_id=application_id, detail={"i": i})


def history(rt) -> None:
    """Seq 1-3 in fiscal 2015 (gone from 2026-04-01), seq 4 in fiscal 2016, seq 5 in 2020."""
    write(rt, jst(2015, 6, 1), 2, actor="examiner-2015")
    write(rt, jst(2016, 3, 31, 23, 0), actor="examiner-2015")
    write(rt, jst(2016, 4, 1, 0, 30))
    write(rt, jst(2020, 1, 1))


def keys(rt) -> list[bytes]:
    return [ports(rt).access_log_signer.public_key_der]


def rows(rt) -> list[dict]:
    with rt.engine.connect() as conn:
        return audit.entries(conn)


def verify(rt, key_list=None) -> tuple[int, list[str]]:
    with rt.engine.connect() as conn:
        return audit.verify_chain(conn, batch=2, keys=keys(rt) if key_list is None else key_list)


def purge_at(rt, at: datetime, **kw):
    with time_machine.travel(at, tick=False):
        return rt.purge(**kw)


def rewrite(rt, seq: int, **values) -> None:
    """What someone with the database's owner role could do: change a row behind the chain's back."""
    with rt.engine.begin() as conn:
        pg = conn.dialect.name == "postgresql"
        if pg:
            conn.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        conn.execute(audit_log.update().where(audit_log.c.seq == seq).values(**values))
        if pg:
            conn.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))


def rehash_from(rt, seq: int) -> None:
    """Recompute every hash from ``seq`` on, so each entry links to the one before (a careful forger)."""
    entries = {e["seq"]: e for e in rows(rt)}
    prev = entries[seq]["prev_hash"]
    for s in sorted(k for k in entries if k >= seq):
        e = dict(entries[s], prev_hash=prev)
        e["hash"] = prev = entry_hash(prev, e)
        rewrite(rt, s, prev_hash=e["prev_hash"], hash=e["hash"])


def trimmed(rt) -> list[dict]:
    return [e for e in rows(rt) if e["action"] == ANCHOR_ACTION]


def test_expired_entries_are_cut_after_a_signed_anchor_and_the_rest_verifies_from_it(runtime):
    rt = runtime
    history(rt)
    assert purge_at(rt, jst(2026, 3, 31, 23, 59)).counts["audit_entry"] == 0  # fiscal 2015 ends its 10 years
    assert purge_at(rt, jst(2026, 4, 1, 0, 1), dry_run=True).counts["audit_entry"] == 3
    assert [e["seq"] for e in rows(rt)] == [1, 2, 3, 4, 5]  # a dry run cuts nothing
    before = {e["seq"]: e for e in rows(rt)}

    report = purge_at(rt, jst(2026, 4, 1, 0, 1))

    assert report.counts["audit_entry"] == 3
    kept = rows(rt)
    assert [e["seq"] for e in kept] == [4, 5, 6, 7]  # 6: the anchor, 7: retention.purged
    [anchor_entry] = trimmed(rt)
    assert anchor_entry["seq"] == 6 and anchor_entry["actor"] == "system" and anchor_entry["application_id"] is None
    signed = SignedAnchor.from_entry(anchor_entry)
    assert signed.anchor == Anchor(
        first_seq=1,
        through_seq=3,
        through_hash=before[3]["hash"],
        count=3,
        first_at=before[1]["at"],
        last_at=before[3]["at"],
        head_seq=5,
        head_hash=before[5]["hash"],
    )
    assert "examiner-2015" not in anchor_entry["detail"]  # that a cut happened, not what was cut
    assert json.loads(kept[-1]["detail"]) == {"counts": {"audit_entry": 3}}
    assert verify(rt) == (4, [])
    out = io.StringIO()
    assert audit_main(["verify"], runtime=rt, out=out) == 0
    assert out.getvalue() == "audit chain: 4 entries from seq 4 (1..3 trimmed), intact\n"
    # Without the audit key nothing vouches for the cut.
    count, problems = verify(rt, key_list=[])
    assert "seq 6: the trim anchor's signature does not verify with the audit key" in problems
    assert "seq 1..3: missing, and no signed trim anchor covers them" in problems

    # A year on, fiscal 2016's entry goes too; the first anchor stays (its own 10 years run from 2026).
    assert purge_at(rt, jst(2027, 4, 1, 0, 1)).counts["audit_entry"] == 1
    assert [e["seq"] for e in rows(rt)] == [5, 6, 7, 8, 9]
    assert verify(rt) == (5, [])


def test_a_changed_anchor_is_found(runtime):
    rt = runtime
    history(rt)
    purge_at(rt, jst(2026, 4, 1, 0, 1))
    [anchor_entry] = trimmed(rt)
    detail = json.loads(anchor_entry["detail"])
    detail["anchor"]["count"] = 2  # "fewer went"
    rewrite(rt, anchor_entry["seq"], detail=json.dumps(detail, sort_keys=True, separators=(",", ":")))
    problems = verify(rt)[1]
    assert "seq 6: the trim anchor's signature does not verify with the audit key" in problems
    assert "seq 6: hash does not match its content (entry altered)" in problems
    # Re-signed by someone else's key and re-hashed: the hashes agree, the signature still does not.
    forger = SoftKey("forger")
    statement = Anchor.from_statement(detail["anchor"])
    forged = SignedAnchor(statement, "forger", base64.b64encode(forger.sign_digest(statement.digest())).decode())
    rewrite(rt, anchor_entry["seq"], detail=json.dumps(forged.detail(), sort_keys=True, separators=(",", ":")))
    rehash_from(rt, anchor_entry["seq"])
    assert verify(rt)[1] == [
        "seq 6: the trim anchor's signature does not verify with the audit key",
        "seq 1..3: missing, and no signed trim anchor covers them",
    ]
    assert audit_main(["verify"], runtime=rt, out=io.StringIO()) == 1


def test_a_changed_first_kept_entry_is_found_even_when_every_hash_after_it_is_redone(runtime):
    rt = runtime
    history(rt)
    purge_at(rt, jst(2026, 4, 1, 0, 1))
    rewrite(rt, 4, actor="someone-else")
    assert verify(rt)[1] == ["seq 4: hash does not match its content (entry altered)"]
    rehash_from(rt, 4)  # its hash, the next one's prev_hash, ... up to the end
    problems = verify(rt)[1]
    assert problems == [
        "seq 5: not the entry the trim anchor at seq 6 signed",
        "seq 6: the trim anchor signs another chain head than the one it follows",
    ]
    rewrite(rt, 4, prev_hash="1" * 64)  # or linking it to something else than the last entry cut
    assert "seq 4: prev_hash does not match the previous entry's hash" in verify(rt)[1]


def test_entries_removed_beyond_the_cut_are_found(runtime):
    rt = runtime
    history(rt)
    purge_at(rt, jst(2026, 4, 1, 0, 1))
    with rt.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        conn.execute(audit_log.delete().where(audit_log.c.seq == 4))
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))
    assert verify(rt)[1] == ["seq 1..4: missing, and no signed trim anchor covers them"]


def test_the_cut_waits_for_a_case_file_review_still_holds(runtime):
    rt = runtime
    with rt.session_factory() as s, s.begin():
        open_case(s, "open-2015", jst(2015, 5, 1))
    write(rt, jst(2015, 5, 1))
    write(rt, jst(2015, 6, 1), application_id="open-2015")
    write(rt, jst(2015, 7, 1))
    assert purge_at(rt, jst(2026, 4, 1, 0, 1)).counts["audit_entry"] == 1  # only the entry before it
    assert [e["seq"] for e in rows(rt)][:2] == [2, 3] and verify(rt)[1] == []


def test_a_cut_stopped_half_way_still_verifies_and_the_next_purge_finishes_it(runtime, monkeypatch):
    rt = runtime
    history(rt)
    real = audit._delete_batch
    calls = []

    def stops_after_one(session, anchor_seq, through, batch):
        calls.append(anchor_seq)
        if len(calls) > 1:
            raise RuntimeError("the process was stopped")
        return real(session, anchor_seq, through, 1)

    monkeypatch.setattr(audit, "_delete_batch", stops_after_one)
    monkeypatch.setattr(rt, "settings", dataclasses.replace(rt.settings, purge_batch=1))  # one entry a batch
    with pytest.raises(RuntimeError):
        purge_at(rt, jst(2026, 4, 1, 0, 1))
    assert [e["seq"] for e in rows(rt)] == [2, 3, 4, 5, 6]  # the anchor written, one entry cut
    assert verify(rt) == (5, [])
    monkeypatch.setattr(audit, "_delete_batch", real)
    assert purge_at(rt, jst(2026, 4, 1, 0, 2)).counts["audit_entry"] == 2
    assert len(trimmed(rt)) == 1  # the same anchor finished its cut
    assert [e["seq"] for e in rows(rt)] == [4, 5, 6, 7] and verify(rt)[1] == []


def test_without_an_audit_key_nothing_is_cut(runtime, caplog):
    from review.adapters.retention import purge_steps

    rt = runtime
    history(rt)
    steps = purge_steps(lambda: None)
    [step] = [s for s in steps if s.kind == "audit_entry"]
    assert step.run is not None
    assert step.run(rt.session_factory, jst(2016, 4, 1), False, 500) == 0
    assert [e["seq"] for e in rows(rt)] == [1, 2, 3, 4, 5]
    assert "no audit key is configured" in caplog.text


def test_the_application_role_cuts_only_through_an_anchor_and_nothing_younger_than_ten_years(pg_rt):
    rt = pg_rt
    write(rt, jst(2015, 6, 1), 2)
    write(rt, datetime.now(UTC), 2)  # written today (the database's clock)
    with rt.engine.connect() as conn:
        conn.execute(sa.text("SET ROLE zairyu_review_app"))
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"), conn.begin_nested():
            conn.execute(sa.text("DELETE FROM audit_log WHERE seq = 1"))
        with pytest.raises(sa.exc.DBAPIError, match="not a trim anchor"), conn.begin_nested():
            conn.execute(sa.text("SELECT audit_log_trim(4, 10)"))  # an ordinary entry
        conn.rollback()
    # A made-up anchor (appending is allowed) covering everything: today's entries still cannot go.
    made_up = Anchor(1, 4, "0" * 64, 4, "", "", 4, "0" * 64)
    with transaction(rt.session_factory) as s:
        audit.append(s, "system", ANCHOR_ACTION, detail=SignedAnchor(made_up, "x", "AAAA").detail())
    with rt.engine.connect() as conn:
        conn.execute(sa.text("SET ROLE zairyu_review_app"))
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), conn.begin_nested():
            conn.execute(sa.text("SELECT audit_log_trim(5, 10)"))
        conn.rollback()
    assert [e["seq"] for e in rows(rt)] == [1, 2, 3, 4, 5]
    assert "seq 5: the trim anchor's signature does not verify with the audit key" in verify(rt)[1]

"""The access log (issue 22): every officer's access of a case is a leaf of an RFC 9162 log with a purpose; a
read without one is refused; signed tree heads stay consistent; zairyu-audit verify catches a rewrite."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from test_casework import act, officers_of, receive, staged
from test_web import app, new_case, people, sign_in  # noqa: F401 (fixtures)

from review.adapters import access_log, audit
from review.adapters.tables import access_log as access_table
from review.application import casework, handover
from review.application.tree_heads import publish as publish_tree_head
from review.bootstrap import ports
from review.domain import access
from review.domain.case import Proposal
from review.entrypoints import access_cli
from zairyu_shared import access_log as fmt
from zairyu_shared import audit_cli, merkle
from zairyu_shared.db import transaction


def leaves(rt):
    with rt.engine.connect() as conn:
        return conn.execute(sa.select(access_table).order_by(access_table.c.leaf_index)).all()


def read(rt, officer, app_id, purpose="examination"):
    with transaction(rt.session_factory) as s:
        audit.append(s, officer.id, "case.viewed", bureau="tokyo", application_id=app_id, purpose=purpose)


def test_reads_decisions_and_handovers_become_leaves_with_purposes(rt):
    o = officers_of(rt, "tokyo")
    app_id = receive(rt, bureau="tokyo")
    read(rt, o["examiner"], app_id)
    act(rt, casework.claim, o["examiner"], app_id)
    act(
        rt,
        casework.propose,
        o["examiner"],
        app_id,
        Proposal("approved", o["examiner"].id, "engineer_humanities", "P1Y"),
    )
    act(rt, handover.hand_over, o["supervisor"], app_id, "yokohama")
    read(rt, o["auditor"], app_id, "legal_request")
    rows = leaves(rt)
    assert [(r.kind, r.purpose) for r in rows] == [
        ("read", "examination"),
        ("decision", "examination"),
        ("handover", "supervision"),
        ("read", "legal_request"),
    ]
    assert rows[-1].case_office == "yokohama"
    assert [r.leaf_index for r in rows] == list(range(len(rows)))  # no gaps
    entry = json.loads(rows[0].entry)
    assert entry["officer"] == access.pseudonym(o["examiner"].id) and "examiner" not in entry["officer"]
    assert entry["role"] == "examiner" and entry["office"] == "tokyo" and entry["application_id"] == app_id
    assert rows[0].leaf_hash == merkle.leaf_hash(rows[0].entry.encode()).hex()


@pytest.mark.parametrize("purpose", [None, "curiosity", ""])
def test_a_read_without_a_listed_purpose_is_refused_and_leaves_no_trace(rt, purpose):
    o = officers_of(rt, "tokyo")
    app_id = receive(rt, bureau="tokyo")
    before = len(leaves(rt))
    with pytest.raises(access.PurposeRequired):
        read(rt, o["examiner"], app_id, purpose)
    assert len(leaves(rt)) == before


def test_the_case_page_asks_the_purpose_before_showing_anything(app, people, rt):  # noqa: F811
    app_id = new_case(rt)
    client = sign_in(app, people, "tokyo-examiner")
    client.purpose = None  # this officer has not said why yet
    first = client.get(f"/cases/{app_id}").get_data(as_text=True)
    assert 'name="purpose"' in first and "AB12345678CD" not in first and "NGUYEN" not in first
    assert "checked" not in first  # nothing preselected
    assert "AB12345678CD" not in client.get(f"/cases/{app_id}?purpose=curiosity").get_data(as_text=True)
    assert not leaves(rt)
    assert "AB12345678CD" in client.get(f"/cases/{app_id}?purpose=supervision").get_data(as_text=True)
    assert "AB12345678CD" in client.get(f"/cases/{app_id}").get_data(as_text=True)  # remembered for the session
    assert [r.purpose for r in leaves(rt)] == ["supervision", "supervision"]
    other = sign_in(app, people, "tokyo-supervisor")  # another session does not inherit it
    other.purpose = None
    assert "AB12345678CD" not in other.get(f"/cases/{app_id}").get_data(as_text=True)
    api = client.get(f"/api/v1/cases/{app_id}")
    assert api.status_code == 400 and api.get_json()["error"] == "purpose_required"
    assert client.get(f"/api/v1/cases/{app_id}?purpose=audit").status_code == 200


def test_tree_heads_are_signed_consistent_and_published_with_each_entry_and_its_proof(rt):
    o = officers_of(rt, "tokyo")
    apps = [receive(rt, bureau="tokyo") for _ in range(3)]
    heads = []
    for round_ in range(4):
        for app_id in apps[: round_ + 1]:
            read(rt, o["examiner"], app_id)
        heads.append(publish_tree_head(rt))
    assert publish_tree_head(rt) is None  # nothing new, no new head
    key = fmt.load_public_key(ports(rt).access_log_signer.public_key_der)
    assert all(fmt.signature_valid(h, [key]) for h in heads)
    assert ports(rt).access_log_signer.kid.startswith("DEMO-")  # the embedded run's software key
    with rt.engine.connect() as conn:
        hashes = access_log.leaf_hashes(conn)
        for a, b in zip(heads, heads[1:], strict=False):
            assert fmt.consistency_ok(a, b, access_log.consistency(conn, a.tree_size, b.tree_size))
    events = staged(rt, "application.accessed")
    assert len(events) == len(hashes) and [e["leaf_index"] for e in events] == list(range(len(hashes)))
    sizes = {h.tree_size: h for h in heads}
    for e in events:
        assert fmt.inclusion_ok(e["entry"], e["leaf_index"], e["inclusion_proof"], sizes[e["tree_size"]])
    assert [h["tree_size"] for h in staged(rt, "access.tree_head_published")] == [h.tree_size for h in heads]


def _export(rt, path):
    assert access_cli.main(["export", "--out", str(path)], runtime=rt, out=io.StringIO()) == 0
    return path


def _verify(*dirs, extra_heads=()):
    args = ["verify", "--json"]
    last = dirs[-1]
    args += ["--key", str(next(last.glob("*.pem")))]
    for d in dirs:
        args += ["--heads", str(d / "tree-heads.json")]
    for h in extra_heads:
        args += ["--heads", str(h)]
    args += ["--entries", str(last / "entries.json"), "--proofs", str(last / "consistency.json")]
    out = io.StringIO()
    return audit_cli.main(args, out=out), json.loads(out.getvalue())


def test_the_export_verifies_offline(rt, tmp_path):
    o = officers_of(rt, "tokyo")
    app_id = receive(rt, bureau="tokyo")
    for _ in range(3):
        read(rt, o["examiner"], app_id)
        publish_tree_head(rt)
    code, report = _verify(_export(rt, tmp_path / "x"))
    assert code == 0 and report["tree_heads"] == 3 and report["entries"] == 3, report


@pytest.mark.parametrize("tamper", ["change", "delete"])
def test_a_rewritten_or_deleted_past_entry_is_detected_by_zairyu_audit_verify(pg_rt, tmp_path, tamper):
    """A database administrator drops the append-only trigger, rewrites history and has a new head signed:
    the heads an auditor kept from before no longer join the new ones."""
    rt = pg_rt
    o = officers_of(rt, "tokyo")
    app_id = receive(rt, bureau="tokyo")
    for purpose in ("examination", "supervision", "audit", "examination"):
        read(rt, o["examiner"], app_id, purpose)
    publish_tree_head(rt)
    before = _export(rt, tmp_path / "before")
    with rt.engine.begin() as conn, pytest.raises(sa.exc.DBAPIError):  # the trigger refuses first
        conn.execute(access_table.delete().where(access_table.c.leaf_index == 1))
    with rt.engine.begin() as conn:
        for table in ("access_log", "tree_heads"):
            conn.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        if tamper == "change":
            forged = json.loads(
                conn.execute(sa.select(access_table.c.entry).where(access_table.c.leaf_index == 1)).scalar()
            )
            forged["purpose"] = "legal_request"
            data = fmt.entry_bytes(forged)
            conn.execute(
                access_table.update()
                .where(access_table.c.leaf_index == 1)
                .values(entry=data.decode(), leaf_hash=merkle.leaf_hash(data).hex())
            )
        else:
            conn.execute(access_table.delete().where(access_table.c.leaf_index == 1))
            conn.execute(
                access_table.update()
                .where(access_table.c.leaf_index > 1)
                .values(leaf_index=access_table.c.leaf_index - 1)
            )
        conn.execute(sa.text("DELETE FROM tree_heads"))  # and the old heads too
    read(rt, o["examiner"], app_id)
    publish_tree_head(rt)
    after = _export(rt, tmp_path / "after")
    assert _verify(after)[0] == 0  # on its own the rewritten log looks fine...
    code, report = _verify(before, after)  # ...but not next to the heads published before
    assert code == 1 and report["problems"], report
    # and the log cannot prove the new head extends the old one: its own consistency proof fails
    old_head = fmt.TreeHead.from_dict(json.loads((before / "tree-heads.json").read_text())[-1])
    new_head = fmt.TreeHead.from_dict(json.loads((after / "tree-heads.json").read_text())[-1])
    with rt.engine.connect() as conn:
        proof = access_log.consistency(conn, old_head.tree_size, new_head.tree_size)
    assert not fmt.consistency_ok(old_head, new_head, proof)  # (a deletion kept the size: same size, other root)
    (tmp_path / "asked.json").write_text(
        json.dumps([{"old_size": old_head.tree_size, "new_size": new_head.tree_size, "proof": proof}])
    )
    out = io.StringIO()
    assert (
        audit_cli.main(
            [
                "verify",
                "--json",
                "--key",
                str(next(after.glob("*.pem"))),
                "--heads",
                str(before / "tree-heads.json"),
                "--heads",
                str(after / "tree-heads.json"),
                "--proofs",
                str(tmp_path / "asked.json"),
            ],
            out=out,
        )
        == 1
    )
    assert any("not an extension" in p or "forked" in p for p in json.loads(out.getvalue())["problems"])


def test_the_log_is_append_only_on_postgresql(pg_rt):
    o = officers_of(pg_rt, "tokyo")
    app_id = receive(pg_rt, bureau="tokyo")
    read(pg_rt, o["examiner"], app_id)
    with pytest.raises(sa.exc.DBAPIError), pg_rt.engine.begin() as conn:
        conn.execute(access_table.update().values(purpose="audit"))


def test_the_monitor_flags_reads_without_action_outside_the_office_and_at_night():
    utc = UTC
    base = dict(
        application_id="a1",
        officer_id="o1",
        officer_bureau="tokyo",
        officer_office=None,
        case_bureau="tokyo",
        case_office=None,
        purpose="examination",
    )
    day = datetime(2026, 12, 7, 2, 0, tzinfo=utc)  # Monday 11:00 in Japan
    night = datetime(2026, 12, 7, 15, 30, tzinfo=utc)  # Tuesday 00:30 in Japan
    saturday = datetime(2026, 12, 5, 3, 0, tzinfo=utc)  # Saturday 12:00 in Japan
    reads = [
        access.Read(0, day, **base),
        access.Read(1, night, **base),
        access.Read(2, saturday, **base),
        access.Read(3, day, **{**base, "case_office": "yokohama"}),
        access.Read(4, day, **{**base, "application_id": "a2"}),
    ]
    found = {r.leaf_index: why for r, why in access.findings(reads, [("o1", "a1")])}
    assert found == {1: ["unusual_hour"], 2: ["unusual_hour"], 3: ["outside_office"], 4: ["no_action"]}


def test_the_monitor_page_is_for_supervisors(app, people, rt):  # noqa: F811
    app_id = new_case(rt)
    examiner = sign_in(app, people, "tokyo-examiner")
    examiner.get(f"/cases/{app_id}?purpose=examination")
    page = sign_in(app, people, "tokyo-supervisor").get("/access-monitor")
    assert page.status_code == 200 and "tokyo examiner" in page.get_data(as_text=True)
    assert examiner.get("/access-monitor").status_code == 403
    assert "tokyo examiner" not in sign_in(app, people, "osaka-supervisor").get("/access-monitor").get_data(
        as_text=True
    )


def test_the_public_side_serves_heads_keys_and_consistency(app, rt):  # noqa: F811
    o = officers_of(rt, "tokyo")
    app_id = receive(rt, bureau="tokyo")
    read(rt, o["examiner"], app_id)
    publish_tree_head(rt)
    read(rt, o["examiner"], app_id)
    publish_tree_head(rt)
    client = app.test_client()
    heads = client.get("/public/access-log/tree-heads.json").get_json()
    keys = client.get("/public/access-log/keys.json").get_json()
    proof = client.get("/public/access-log/consistency?old=1&new=2").get_json()
    key = fmt.load_public_key(next(iter(keys.values())).encode())
    a, b = (fmt.TreeHead.from_dict(h) for h in heads)
    assert fmt.signature_valid(b, [key]) and fmt.consistency_ok(a, b, proof["proof"])
    assert client.get("/public/access-log/consistency?old=2&new=5").status_code == 404

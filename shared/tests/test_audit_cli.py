"""zairyu-audit verify: an outside auditor, with files only, detects a deleted or rewritten entry."""

from __future__ import annotations

import io
import json

import pytest

from zairyu_shared import access_log, audit_cli, merkle
from zairyu_shared.testing import SoftKey


def entry(i):
    return {
        "v": 1,
        "application_id": f"app-{i % 3}",
        "officer": f"officer-{i % 4}",
        "role": "examiner",
        "office": "tokyo",
        "kind": "read",
        "action": "case.viewed",
        "purpose": "examination",
        "at": f"2026-12-06T00:{i % 60:02d}:00+00:00",
    }


def export(entries, head_sizes, key):
    """What review's export writes: heads, every entry with its proof against the last head, consistency."""
    leaves = [merkle.leaf_hash(access_log.entry_bytes(e)) for e in entries]
    heads = [
        access_log.sign_tree_head(n, merkle.root_from_leaf_hashes(leaves[:n]), "2026-12-06T00:00:00Z", key).as_dict()
        for n in head_sizes
    ]
    last = head_sizes[-1]
    rows = [
        {
            "leaf_index": i,
            "entry": entries[i],
            "tree_size": last,
            "inclusion_proof": [p.hex() for p in merkle.inclusion_proof(i, leaves[:last])],
        }
        for i in range(last)
    ]
    proofs = [
        {"old_size": a, "new_size": b, "proof": [p.hex() for p in merkle.consistency_proof(a, leaves[:b])]}
        for a, b in zip(head_sizes, head_sizes[1:], strict=False)
    ]
    return heads, rows, proofs


def run(tmp_path, key, heads, rows, proofs, *extra_heads):
    (tmp_path / "key.pem").write_bytes(key.pem())
    args = ["verify", "--key", str(tmp_path / "key.pem")]
    for i, h in enumerate((heads,) + extra_heads):
        (tmp_path / f"heads{i}.json").write_text(json.dumps(h))
        args += ["--heads", str(tmp_path / f"heads{i}.json")]
    (tmp_path / "entries.json").write_text(json.dumps(rows))
    (tmp_path / "proofs.json").write_text(json.dumps(proofs))
    out = io.StringIO()
    code = audit_cli.main(
        args + ["--entries", str(tmp_path / "entries.json"), "--proofs", str(tmp_path / "proofs.json"), "--json"],
        out=out,
    )
    return code, json.loads(out.getvalue())


def test_an_honest_log_verifies(tmp_path):
    key, entries = SoftKey("log-test"), [entry(i) for i in range(11)]
    code, report = run(tmp_path, key, *export(entries, [3, 4, 8, 11], key))
    assert (code, report["ok"], report["consistency_proofs"], report["entries"]) == (0, True, 3, 11)


@pytest.mark.parametrize("victim", range(7))
@pytest.mark.parametrize("how", ["changed", "deleted"])
def test_a_changed_or_deleted_past_entry_is_detected(tmp_path, victim, how):
    """The auditor kept the heads published earlier; the log is rewritten and re-signed with the real key."""
    key, entries = SoftKey("log-test"), [entry(i) for i in range(12)]
    old_heads, _, _ = export(entries, [3, 7], key)
    forged = [dict(e) for e in entries]
    if how == "changed":
        forged[victim]["purpose"] = "legal_request"
    else:
        del forged[victim]
    heads, rows, proofs = export(forged, [3, 7, len(forged)] if victim >= 3 else [7, len(forged)], key)
    code, report = run(tmp_path, key, heads, rows, proofs, old_heads)
    assert code == 1, report
    assert report["problems"]


def test_an_entry_changed_after_its_head_fails_inclusion(tmp_path):
    key, entries = SoftKey("log-test"), [entry(i) for i in range(6)]
    heads, rows, proofs = export(entries, [6], key)
    rows[2]["entry"]["officer"] = "someone-else"
    code, report = run(tmp_path, key, heads, rows, proofs)
    assert code == 1 and any("leaf 2" in p for p in report["problems"])


def test_a_head_signed_by_another_key_fails(tmp_path):
    key, entries = SoftKey("log-test"), [entry(i) for i in range(4)]
    heads, rows, proofs = export(entries, [4], SoftKey("log-test"))
    code, report = run(tmp_path, key, heads, rows, proofs)
    assert code == 1 and "signature" in report["problems"][0]


def test_usage_errors_exit_2(tmp_path):
    assert audit_cli.main(["verify", "--key", str(tmp_path / "none.pem"), "--heads", "x"]) == 2
    assert audit_cli.main(["nonsense"]) == 2
    (tmp_path / "k.pem").write_bytes(SoftKey("log-test").pem())
    (tmp_path / "h.json").write_text("{not json")
    assert audit_cli.main(["verify", "--key", str(tmp_path / "k.pem"), "--heads", str(tmp_path / "h.json")]) == 2

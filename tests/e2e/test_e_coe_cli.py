"""`zairyu-review sample-coe --out FILE` writes a signed DEMO e-COE; `zairyu-verify document FILE` exits 0 on it,
1 when any byte is changed or it has expired, 2 on usage errors, and prints what it certifies with --json."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def run(*args, **kw):
    return subprocess.run([str(BIN / args[0]), *args[1:]], capture_output=True, text=True, timeout=60, **kw)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("coe") / "coe.pdf"
    env = {"PATH": str(BIN), "ZAIRYU_COE_DEMO_KEY_FILE": str(out.parent / "demo-key.pem")}
    done = run("zairyu-review", "sample-coe", "--out", str(out), env=env)
    assert done.returncode == 0, done.stderr
    return out


def test_the_sample_verifies_and_says_what_it_certifies(sample):
    assert sample.read_bytes().startswith(b"%PDF-")
    done = run("zairyu-verify", "document", str(sample), "--json")
    assert done.returncode == 0, done.stdout
    verdict = json.loads(done.stdout)
    assert verdict["valid"] and verdict["demo"] and verdict["kid"].startswith("DEMO-")
    p = verdict["payload"]
    assert p["holder"]["name"] == "DEMO TARO" and p["status"] == "spouse_japanese" and p["valid_until"]
    assert "cannot be known offline" in verdict["cancellation"]
    assert run("zairyu-verify", "document", str(sample)).returncode == 0


def test_any_changed_byte_or_an_expired_document_exits_1(sample, tmp_path):
    data = sample.read_bytes()
    for i in (0, 9, len(data) // 3, len(data) // 2, len(data) - 40, len(data) - 2):
        changed = bytearray(data)
        changed[i] ^= 0x20
        bad = tmp_path / f"bad{i}.pdf"
        bad.write_bytes(bytes(changed))
        assert run("zairyu-verify", "document", str(bad)).returncode == 1, i
    valid_until = date.fromisoformat(
        json.loads(run("zairyu-verify", "document", str(sample), "--json").stdout)["payload"]["valid_until"]
    )
    later = valid_until.replace(year=valid_until.year + 1).isoformat()
    expired = run("zairyu-verify", "document", str(sample), "--today", later)
    assert expired.returncode == 1 and "expired" in expired.stdout


def test_usage_errors_exit_2(tmp_path):
    assert run("zairyu-verify", "document").returncode == 2
    assert run("zairyu-verify", "document", str(tmp_path / "missing.pdf")).returncode == 2
    assert run("zairyu-verify", "document", "x.pdf", "--today", "not-a-date").returncode == 2


def test_a_key_list_without_the_signing_key_refuses_it(sample, tmp_path):
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"keys": []}))
    done = run("zairyu-verify", "document", str(sample), "--keys", str(keys))
    assert done.returncode == 1 and "unknown_key" in done.stdout

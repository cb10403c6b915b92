"""The access log's cost (issue 22): what one logged access adds, and one signed tree head.

    .venv/bin/python services/review/bench/bench_access_log.py [--entries 2000] [--heads 20]

On a scratch PostgreSQL database (ZAIRYU_TEST_PG picks the server; dropped afterwards), an officer's read is
appended the way the case page does it (audit entry + access leaf, one transaction, under the audit lock)
and, for comparison, an audited action that is no access (audit entry only): the difference is the leaf's
cost. Then tree heads: the root over every leaf and the ES256 signature, with the PKCS#11 token when SoftHSM2
is installed (as review signs in production) and with the embedded run's software key. Prints
``name: value unit`` lines.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics as stats
import subprocess
import tempfile
import time
import uuid
from datetime import UTC
from pathlib import Path

from review.adapters import access_log, audit, document_keys
from review.adapters.accounts import create_officer
from review.adapters.tables import cases
from review.bootstrap import ports
from review.entrypoints.service import definition
from zairyu_shared import access_log as fmt
from zairyu_shared import crypto, merkle
from zairyu_shared.db import transaction
from zairyu_shared.runtime import Runtime
from zairyu_shared.testing import bench_size, fresh_database

SOFTHSM = "/usr/lib/softhsm/libsofthsm2.so"


def _case(session) -> str:
    app_id = str(uuid.uuid4())
    session.execute(
        cases.insert().values(
            application_id=app_id,
            applicant_id=str(uuid.uuid4()),
            receipt_number="東オン-B-" + app_id[:8],
            bureau="tokyo",
            procedure="extension",
            bundled="[]",
            status_of_residence="engineer_humanities",
            nationality="Viet Nam",
            language="vi",
            status="received",
            is_open=True,
            version=1,
            submitted_at=fmt_now(),
            received_at=fmt_now(),
            card_by_mail=True,
            provisional_number="P-" + app_id[:8],
            content_sha256="0" * 64,
            attachments="[]",
            form="{}",
            evidence="{}",
        )
    )
    return app_id


def fmt_now():
    from datetime import datetime

    return datetime.now(UTC)


def rate(rt, officer_id, app_id, n, action, purpose):
    t0 = time.perf_counter()
    for _ in range(n):
        with transaction(rt.session_factory) as s:
            audit.append(s, officer_id, action, bureau="tokyo", application_id=app_id, ip="10.0.0.1", purpose=purpose)
    return n / (time.perf_counter() - t0)


def softhsm_key(base: Path):
    if not (shutil.which("softhsm2-util") and os.path.exists(SOFTHSM)):
        return None
    (base / "tokens").mkdir()
    conf = base / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", "zairyu-coe", "--pin", "4321", "--so-pin", "87654321"],
        check=True,
        capture_output=True,
    )
    return document_keys.generate_in_token(SOFTHSM, "zairyu-coe", "4321", "access-log-bench")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=bench_size(2000, 20))
    parser.add_argument("--heads", type=int, default=bench_size(20, 2))
    args = parser.parse_args()
    with fresh_database("zb_access") as url, tempfile.TemporaryDirectory() as tmp:
        rt = Runtime.from_env(
            definition,
            environ={},
            database_url=url,
            amqp_url="memory://bench-access",
            embedded=True,
            data_keys=(crypto.new_key(),),
            secret_key="b" * 32,
            access_log_demo_key_file=str(Path(tmp) / "demo.pem"),
        )
        rt.migrate()
        with transaction(rt.session_factory) as s:
            officer_id, _, _ = create_officer(s, "bench-examiner", "bench", "examiner", "tokyo", password="pw")
            app_id = _case(s)
        n = args.entries
        rate(rt, officer_id, app_id, 50, "case.viewed", "examination")  # warm-up
        logged = rate(rt, officer_id, app_id, n, "case.viewed", "examination")
        plain = rate(rt, officer_id, app_id, n, "case.note_added", None)
        print(f"review_access_append_rate: {logged:.0f} appends/s")
        print(f"review_audit_only_rate: {plain:.0f} actions/s")
        print(f"review_access_leaf_cost: {max(0.0, 1000 / logged - 1000 / plain):.2f} ms")
        entry = fmt.entry_bytes(
            {
                "v": 1,
                "at": "2026-12-06T00:00:00+00:00",
                "application_id": app_id,
                "officer": "K7Q2-M9XD",
                "role": "examiner",
                "office": "tokyo",
                "kind": "read",
                "action": "case.viewed",
                "purpose": "examination",
            }
        )
        t0 = time.perf_counter()
        for _ in range(100_000):
            merkle.leaf_hash(entry)
        print(f"access_leaf_hash: {(time.perf_counter() - t0) * 10:.2f} us")
        with rt.engine.connect() as conn:
            leaves = access_log.leaf_hashes(conn)
        t0 = time.perf_counter()
        merkle.root_from_leaf_hashes(leaves)
        print(f"access_root_{len(leaves)}_leaves: {(time.perf_counter() - t0) * 1000:.2f} ms")
        t0 = time.perf_counter()
        merkle.inclusion_proof(len(leaves) // 3, leaves)
        print(f"access_inclusion_proof_{len(leaves)}_leaves: {(time.perf_counter() - t0) * 1000:.2f} ms")
        signers = [("software", document_keys.DemoKey(Path(tmp) / "soft.pem"))]
        hsm = softhsm_key(Path(tmp))
        if hsm is not None:
            signers.insert(0, ("pkcs11", hsm))
        root = merkle.root_from_leaf_hashes(leaves)
        for name, signer in signers:
            times = []
            for _ in range(args.heads):
                t0 = time.perf_counter()
                fmt.sign_tree_head(len(leaves), root, "2026-12-06T00:00:00Z", signer)
                times.append((time.perf_counter() - t0) * 1000)
            print(f"access_tree_head_signature_{name}: {stats.median(times):.2f} ms")
        # a whole tree head as the periodic worker does it: every leaf read, root, signature, events staged
        ports(rt).access_log_signer = signers[0][1]
        with transaction(rt.session_factory) as s:
            audit.append(s, officer_id, "case.viewed", bureau="tokyo", application_id=app_id, purpose="audit")
        from review.application.tree_heads import publish as publish_tree_head

        t0 = time.perf_counter()
        publish_tree_head(rt)
        print(f"access_tree_head_publish_{len(leaves) + 1}_leaves: {(time.perf_counter() - t0) * 1000:.0f} ms")
        rt.stop()


if __name__ == "__main__":
    main()

"""`zairyu-review access-log export|sign-head`: the access log for outside auditors (issue 22).

``export --out DIR`` writes tree-heads.json, entries.json (each with its inclusion proof against the latest
head), consistency.json (a proof between each two heads in turn) and the public key(s), what
``zairyu-audit verify`` checks with no database. ``sign-head`` signs a head now instead of waiting for the
periodic worker.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main(argv: list[str], runtime=None, out=sys.stdout) -> int:
    from review.adapters import access_log
    from review.application import tree_heads
    from zairyu_shared import documents

    from .cli import _runtime

    parser = argparse.ArgumentParser(prog="zairyu-review access-log")
    sub = parser.add_subparsers(dest="command", required=True)
    export = sub.add_parser("export", help="write heads, entries with proofs, consistency proofs and keys")
    export.add_argument("--out", required=True, type=Path)
    sub.add_parser("sign-head", help="sign and publish a tree head now (when the log grew)")
    args = parser.parse_args(argv)
    runtime = runtime or _runtime()
    if args.command == "sign-head":
        head = tree_heads.publish(runtime)
        runtime.relay.drain()
        print(f"tree head: {head.tree_size} leaves, root {head.root_hash}" if head else "no new entries", file=out)
        return 0
    with runtime.engine.connect() as conn:
        bundle = access_log.export(conn)
        keys = access_log.public_keys(conn)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, key in (("tree-heads.json", "tree_heads"), ("entries.json", "entries"), ("consistency.json", "proofs")):
        (args.out / name).write_text(json.dumps(bundle[key], ensure_ascii=False, indent=1), encoding="utf-8")
    for kid, der in keys.items():
        (args.out / f"{kid}.pem").write_text(documents.public_key_pem(der))
    print(f"{len(bundle['tree_heads'])} tree heads, {len(bundle['entries'])} entries -> {args.out}", file=out)
    return 0

"""zairyu-audit: check the bureau's access log from exported files, without any access to its database.

    zairyu-audit verify --key access-log-key.pem --heads heads.json [--heads older-heads.json ...]
                        [--entries entries.json] [--proofs consistency.json] [--json]

``heads``: a JSON list of signed tree heads (keep the ones you fetched earlier and pass them too: that is
how a rewrite after the fact shows). ``entries``: a JSON list of ``{leaf_index, entry, tree_size,
inclusion_proof}``. ``proofs``: a JSON list of ``{old_size, new_size, proof}`` consistency proofs.
``zairyu-review access-log export`` writes all three and the key.

Exit status: 0 intact, 1 a problem found (each is printed), 2 usage error or unreadable input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from zairyu_shared import access_log


class UsageError(Exception):
    pass


def _json_list(path: Path) -> list[Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path}: {exc}") from None
    if isinstance(data, dict):  # an export bundle may wrap its list
        data = data.get("tree_heads", data.get("entries", data.get("proofs")))
    if not isinstance(data, list):
        raise UsageError(f"{path}: expected a JSON list")
    return data


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="zairyu-audit", description=(__doc__ or "").splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify", help="check signed tree heads, inclusion proofs and consistency proofs")
    v.add_argument(
        "--key",
        action="append",
        required=True,
        type=Path,
        help="the log's published public key (PEM or DER); repeat for a rotated key",
    )
    v.add_argument("--heads", action="append", required=True, type=Path, help="signed tree heads (JSON list)")
    v.add_argument("--entries", action="append", default=[], type=Path, help="entries with inclusion proofs")
    v.add_argument("--proofs", action="append", default=[], type=Path, help="consistency proofs")
    v.add_argument("--json", action="store_true", help="print the report as JSON")
    return p


def main(argv: list[str] | None = None, out: TextIO = sys.stdout) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 2
    try:
        keys = []
        for path in args.key:
            try:
                keys.append(access_log.load_public_key(path.read_bytes()))
            except (OSError, ValueError) as exc:
                raise UsageError(f"{path}: {exc}") from None
        heads = [h for path in args.heads for h in _json_list(path)]
        entries = [e for path in args.entries for e in _json_list(path)]
        proofs = [p for path in args.proofs for p in _json_list(path)]
    except UsageError as exc:
        print(f"zairyu-audit: {exc}", file=sys.stderr)
        return 2
    report = access_log.verify_export(heads, entries, proofs, keys)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2), file=out)
    else:
        print(
            f"{report.heads} tree heads, {report.entries} entries, {report.consistency} consistency proofs: "
            f"{'intact' if report.ok else f'{len(report.problems)} problems'}",
            file=out,
        )
        for problem in report.problems:
            print(f"  {problem}", file=out)
    return 0 if report.ok else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

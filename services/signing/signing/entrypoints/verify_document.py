"""zairyu-verify document FILE: check a signed document the bureau issued (the e-COE), offline.

Exit 0: the signature holds over every byte and the document has not expired; 1: changed, badly signed,
signed by a key not in --keys, or expired; 2: usage error or unreadable file. A cancellation cannot be seen
offline: the bureau's public page (the QR's link) says whether it was cancelled.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from zairyu_shared import documents
from zairyu_shared.japan_time import japan_today


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="zairyu-verify document", description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument(
        "--keys",
        type=Path,
        metavar="JSON",
        help="the bureau's published keys (/public/document-keys.json): the signing key must be one",
    )
    parser.add_argument("--today", type=date.fromisoformat, metavar="YYYY-MM-DD", help="Japan's date to check against")
    parser.add_argument(
        "--json", action="store_true", help="print what it certifies (holder, status, validity) as JSON"
    )
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    try:
        data = args.file.read_bytes()
        trusted = documents.keys_from_json(json.loads(args.keys.read_text())) if args.keys else None
    except (OSError, ValueError, KeyError) as exc:
        print(f"zairyu-verify: error: {exc}", file=sys.stderr)
        return 2
    verdict = documents.verify(data, args.today or japan_today(), trusted)
    if args.json:
        print(json.dumps(verdict.as_dict(), ensure_ascii=False, indent=2))
    elif verdict.valid:
        p = verdict.payload or {}
        holder = p.get("holder") or {}
        print(
            f"valid{' (DEMO)' if verdict.demo else ''}: {p.get('document_id')} {holder.get('name')} "
            f"({holder.get('date_of_birth')}), {p.get('status_en')}, valid until {p.get('valid_until')}, "
            f"key {verdict.kid}{'' if verdict.trusted else ' (not checked against the published keys: --keys)'}"
        )
        print("cancellation cannot be known offline: check the public page " + str(p.get("verify_url", "")))
    else:
        print(f"invalid: {verdict.reason}")
    return 0 if verdict.valid else 1

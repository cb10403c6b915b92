"""The audit chain: each entry's hash covers the previous hash and the canonical entry."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

GENESIS = "0" * 64
FIELDS = ("seq", "at", "actor", "action", "bureau", "application_id", "target", "ip", "detail")


def canonical(entry: dict[str, Any]) -> bytes:
    return json.dumps(
        {k: entry.get(k) for k in FIELDS}, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")


def entry_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical(entry)).hexdigest()


def check(entry: dict[str, Any], prev_hash: str, expected_seq: int) -> list[str]:
    """Problems with one entry given the previous entry's hash and the expected sequence number."""
    problems: list[str] = []
    if entry["seq"] != expected_seq:
        problems.append(f"seq {entry['seq']}: expected {expected_seq} (entry missing or inserted)")
    if entry["prev_hash"] != prev_hash:
        problems.append(f"seq {entry['seq']}: prev_hash does not match the previous entry's hash")
    if entry_hash(entry["prev_hash"], entry) != entry["hash"]:
        problems.append(f"seq {entry['seq']}: hash does not match its content (entry altered)")
    return problems


def verify(entries: Iterable[dict[str, Any]]) -> list[str]:
    """Problems found walking the chain in order (an empty list means intact)."""
    problems: list[str] = []
    prev, expected_seq = GENESIS, 1
    for e in entries:
        problems += check(e, prev, expected_seq)
        prev, expected_seq = e["hash"], e["seq"] + 1
    return problems

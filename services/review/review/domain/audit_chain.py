"""The audit chain: each entry's hash covers the previous hash and the canonical entry.

Trimming (the retention period ``audit_entry`` has ended for the oldest entries): before the oldest entries
are cut, a **trim anchor** is appended as an ordinary entry (action ``audit.trimmed``). Its detail carries a
statement signed with review's audit key: the position and hash of the last entry cut (``through``), so the
first kept entry's ``prev_hash`` is vouched for, and the position and hash of the chain's head when the
anchor was written (``head``, the anchor's own ``prev_hash``), so every entry kept between the cut and the
anchor is vouched for too. It says how many entries went and the span of their times, never what they were.
The chain then verifies from the anchor instead of from ``GENESIS``; a changed anchor, a changed first kept
entry, or entries removed beyond the cut are found.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

GENESIS = "0" * 64
FIELDS = ("seq", "at", "actor", "action", "bureau", "application_id", "target", "ip", "detail")
ANCHOR_ACTION = "audit.trimmed"
# Part of what is signed, so an anchor's signature can never be taken for a tree head's (whose signed JSON
# has other fields: zairyu_shared.access_log) by the key that signs both.
ANCHOR_TYPE = "zairyu-audit-anchor"
ANCHOR_VERSION = 1


def canonical(entry: Mapping[str, Any]) -> bytes:
    return json.dumps(
        {k: entry.get(k) for k in FIELDS}, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")


def entry_hash(prev_hash: str, entry: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical(entry)).hexdigest()


def check(entry: Mapping[str, Any], prev_hash: str, expected_seq: int) -> list[str]:
    """Problems with one entry given the previous entry's hash and the expected sequence number."""
    problems: list[str] = []
    if entry["seq"] != expected_seq:
        problems.append(f"seq {entry['seq']}: expected {expected_seq} (entry missing or inserted)")
    if entry["prev_hash"] != prev_hash:
        problems.append(f"seq {entry['seq']}: prev_hash does not match the previous entry's hash")
    if entry_hash(entry["prev_hash"], entry) != entry["hash"]:
        problems.append(f"seq {entry['seq']}: hash does not match its content (entry altered)")
    return problems


@dataclass(frozen=True)
class Anchor:
    """What a trim anchor signs: the cut (``first_seq``..``through_seq``, ``count`` entries written from
    ``first_at`` to ``last_at``) and the chain's head when the anchor was written."""

    first_seq: int
    through_seq: int
    through_hash: str  # the hash of the last entry cut: the first kept entry's prev_hash
    count: int
    first_at: str
    last_at: str
    head_seq: int  # the entry just before the anchor
    head_hash: str  # its hash: the anchor's prev_hash

    def statement(self) -> dict[str, Any]:
        return {"v": ANCHOR_VERSION, "type": ANCHOR_TYPE, **asdict(self)}

    def digest(self) -> bytes:
        """SHA-256 of the canonical JSON of the statement: what the audit key signs."""
        return hashlib.sha256(
            json.dumps(self.statement(), sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        ).digest()

    @classmethod
    def from_statement(cls, data: Mapping[str, Any]) -> Anchor:
        if data.get("v") != ANCHOR_VERSION or data.get("type") != ANCHOR_TYPE:
            raise ValueError("not a trim anchor statement")
        fields = {k: data[k] for k in cls.__dataclass_fields__}
        for name in ("first_seq", "through_seq", "count", "head_seq"):
            if not isinstance(fields[name], int) or isinstance(fields[name], bool):
                raise ValueError(f"{name} is not a number")
        return cls(**fields)


@dataclass(frozen=True)
class SignedAnchor:
    anchor: Anchor
    kid: str
    signature: str  # base64 of the raw ECDSA P-256 r||s over ``anchor.digest()``

    def detail(self) -> dict[str, Any]:
        """The anchor entry's detail: the statement, who signed it, the signature."""
        return {"anchor": self.anchor.statement(), "kid": self.kid, "signature": self.signature}

    @classmethod
    def from_entry(cls, entry: Mapping[str, Any]) -> SignedAnchor:
        detail = json.loads(entry["detail"] or "{}")
        return cls(Anchor.from_statement(detail["anchor"]), str(detail["kid"]), str(detail["signature"]))


SignatureCheck = Callable[[SignedAnchor], bool]


class Walk:
    """Checks a chain entry by entry, in order, knowing the trim anchors it holds (found beforehand).

    A chain that starts at seq 1 starts from ``GENESIS``. One that starts later must have been cut: a trim
    anchor whose signature verifies (``signature_ok``, with review's audit keys) must cover every missing
    entry, and every entry an anchor names (the last one cut, the chain's head) must have the hash it signed.
    """

    def __init__(self, anchors: Iterable[Mapping[str, Any]], signature_ok: SignatureCheck):
        self.problems: list[str] = []
        self.count = 0
        self.first_seq: int | None = None
        self.pins: dict[int, tuple[str, int]] = {}  # seq -> (hash signed, the anchor's seq)
        self.covered = 0  # the highest entry a valid anchor says was cut
        self.heads: dict[int, Anchor] = {}  # anchor's seq -> its statement (checked when the walk reaches it)
        for entry in anchors:
            seq = entry["seq"]
            try:
                signed = SignedAnchor.from_entry(entry)
            except (ValueError, KeyError, TypeError):
                self.problems.append(f"seq {seq}: a trim anchor that cannot be read")
                continue
            anchor = signed.anchor
            if not signature_ok(signed):
                self.problems.append(f"seq {seq}: the trim anchor's signature does not verify with the audit key")
                continue
            if not (anchor.first_seq <= anchor.through_seq <= anchor.head_seq == seq - 1):
                self.problems.append(f"seq {seq}: the trim anchor's positions do not fit where it stands")
                continue
            self.pins[anchor.through_seq] = (anchor.through_hash, seq)
            self.pins[anchor.head_seq] = (anchor.head_hash, seq)
            self.covered = max(self.covered, anchor.through_seq)
            self.heads[seq] = anchor
        self._prev = GENESIS
        self._expected = 1

    def feed(self, entry: Mapping[str, Any]) -> None:
        seq = entry["seq"]
        if self.first_seq is None:
            self.first_seq = seq
            if seq > 1:
                self._start_after_cut(entry)
        self.problems += check(entry, self._prev, self._expected)
        pinned = self.pins.get(seq)
        if pinned is not None and entry["hash"] != pinned[0]:
            self.problems.append(f"seq {seq}: not the entry the trim anchor at seq {pinned[1]} signed")
        anchor = self.heads.get(seq)
        if anchor is not None and entry["prev_hash"] != anchor.head_hash:
            self.problems.append(f"seq {seq}: the trim anchor signs another chain head than the one it follows")
        self._prev, self._expected = entry["hash"], seq + 1
        self.count += 1

    def _start_after_cut(self, first: Mapping[str, Any]) -> None:
        seq = first["seq"]
        self._expected = seq
        if seq - 1 in self.pins:
            self._prev = self.pins[seq - 1][0]  # the signed hash of the last entry cut
        elif self.covered >= seq:
            # A cut under way (the anchor is written, not every entry it covers deleted yet): these entries
            # link up to the signed hash of the last one, which feed() checks when it gets there.
            self._prev = first["prev_hash"]
        else:
            self.problems.append(f"seq 1..{seq - 1}: missing, and no signed trim anchor covers them")
            self._prev = first["prev_hash"]


def verify(entries: Iterable[Mapping[str, Any]], signature_ok: SignatureCheck | None = None) -> list[str]:
    """Problems found walking the chain in order (an empty list means intact). Trim anchors among the
    entries are checked with ``signature_ok``; without it, none verifies."""
    entries = list(entries)
    walk = Walk([e for e in entries if e["action"] == ANCHOR_ACTION], signature_ok or (lambda _: False))
    for e in entries:
        walk.feed(e)
    return walk.problems

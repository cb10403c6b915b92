"""The access log's formats: an entry, a signed tree head, and how an outsider checks them (issue 22).

Review appends one entry per officer's read, decision, hand-over or export of a case to a Merkle tree log
(``zairyu_shared.merkle``, RFC 9162) and signs its tree heads at intervals with a key in a PKCS#11 token;
intake shows each applicant their entries with an inclusion proof; ``zairyu-audit verify`` checks all of it
offline. The three must agree byte for byte on what is hashed and signed, so the formats live here.

An entry is canonical JSON (sorted keys, no spaces, UTF-8). A tree head's signature is ECDSA P-256 (raw r||s)
over SHA-256 of the canonical JSON of ``{"v", "tree_size", "timestamp", "root_hash"}`` — the fields of
RFC 9162's TreeHeadDataV2, in JSON.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils

from zairyu_shared import merkle

VERSION = 1
# Why an officer opened a file: a closed list, the officer picks one before any read (issue 22).
PURPOSES = ("examination", "supervision", "audit", "applicant_request", "legal_request")
# What is logged: reads, decisions, hand-overs, exports (the kinds an applicant sees).
KINDS = ("read", "decision", "handover", "export")


class Signer(Protocol):
    """A key that signs a SHA-256 digest and returns raw r||s (review's PKCS#11 or DEMO key)."""

    kid: str
    public_key_der: bytes

    def sign_digest(self, digest: bytes) -> bytes: ...


def canonical(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def entry_bytes(entry: Mapping[str, Any]) -> bytes:
    """The bytes a leaf hashes: the canonical JSON of the entry as published."""
    return canonical(entry)


def _tbs(tree_size: int, timestamp: str, root_hash: str) -> bytes:
    return hashlib.sha256(
        canonical({"v": VERSION, "tree_size": tree_size, "timestamp": timestamp, "root_hash": root_hash})
    ).digest()


@dataclass(frozen=True)
class TreeHead:
    tree_size: int
    timestamp: str  # ISO 8601, UTC
    root_hash: str  # hex
    kid: str
    signature: str  # base64 of raw r||s

    def as_dict(self) -> dict[str, Any]:
        return {
            "v": VERSION,
            "tree_size": self.tree_size,
            "timestamp": self.timestamp,
            "root_hash": self.root_hash,
            "kid": self.kid,
            "signature": self.signature,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TreeHead:
        if data.get("v") != VERSION:
            raise ValueError(f"unknown tree head version {data.get('v')!r}")
        size = data["tree_size"]
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise ValueError(f"bad tree_size {size!r}")
        return cls(size, str(data["timestamp"]), str(data["root_hash"]), str(data["kid"]), str(data["signature"]))


def sign_tree_head(tree_size: int, root: bytes, timestamp: str, signer: Signer) -> TreeHead:
    root_hex = root.hex()
    signature = signer.sign_digest(_tbs(tree_size, timestamp, root_hex))
    return TreeHead(tree_size, timestamp, root_hex, signer.kid, base64.b64encode(signature).decode())


def load_public_key(data: bytes) -> ec.EllipticCurvePublicKey:
    """A PEM or DER SubjectPublicKeyInfo of a P-256 key."""
    key = (
        serialization.load_pem_public_key(data)
        if data.lstrip().startswith(b"-----")
        else serialization.load_der_public_key(data)
    )
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise ValueError("not a P-256 public key")
    return key


def signature_valid(head: TreeHead, keys: Iterable[ec.EllipticCurvePublicKey]) -> bool:
    try:
        raw = base64.b64decode(head.signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    if len(raw) != 64:
        return False
    der = utils.encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    digest = _tbs(head.tree_size, head.timestamp, head.root_hash)
    for key in keys:
        try:
            key.verify(der, digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
            return True
        except (InvalidSignature, UnsupportedAlgorithm):
            continue
    return False


def _hex(value: object) -> bytes:
    if not isinstance(value, str):
        raise ValueError("a hash must be a hex string")
    raw = bytes.fromhex(value)
    if len(raw) != merkle.HASH_SIZE:
        raise ValueError("a hash must be 32 bytes")
    return raw


def hexes(values: object) -> list[bytes]:
    if not isinstance(values, list):
        raise ValueError("a proof must be a list of hex hashes")
    return [_hex(v) for v in values]


def inclusion_ok(entry: Mapping[str, Any], leaf_index: int, proof: Sequence[str], head: TreeHead) -> bool:
    """Does this entry sit at ``leaf_index`` of the tree that ``head`` signs? (signature checked apart)"""
    try:
        return merkle.verify_inclusion(
            leaf_index,
            head.tree_size,
            merkle.leaf_hash(entry_bytes(entry)),
            hexes(list(proof)),
            bytes.fromhex(head.root_hash),
        )
    except ValueError:
        return False


def consistency_ok(old: TreeHead, new: TreeHead, proof: Sequence[str]) -> bool:
    try:
        return merkle.verify_consistency(
            old.tree_size, new.tree_size, bytes.fromhex(old.root_hash), bytes.fromhex(new.root_hash), hexes(list(proof))
        )
    except ValueError:
        return False


@dataclass
class Report:
    """What ``zairyu-audit verify`` found: counts and every problem (none means the log is intact)."""

    heads: int = 0
    entries: int = 0
    consistency: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "tree_heads": self.heads,
            "entries": self.entries,
            "consistency_proofs": self.consistency,
            "problems": list(self.problems),
        }


def verify_export(
    heads: Sequence[Mapping[str, Any]],
    entries: Sequence[Mapping[str, Any]],
    proofs: Sequence[Mapping[str, Any]],
    keys: Sequence[ec.EllipticCurvePublicKey],
) -> Report:
    """Check signed tree heads, entries with inclusion proofs and consistency proofs, all from files.

    Every head must carry a valid signature; every two heads of different sizes next to each other (by size)
    must be joined by a consistency proof, and two heads of the same size must have the same root; each entry
    must be included in the head of its ``tree_size``. When the entries form the whole log from leaf 0, each
    head's root is also recomputed from them. A deleted or rewritten entry breaks one of these.
    """
    report = Report()
    problems = report.problems
    by_size: dict[int, TreeHead] = {}
    for i, raw in enumerate(heads):
        try:
            head = TreeHead.from_dict(raw)
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"tree head #{i}: malformed ({exc})")
            continue
        report.heads += 1
        if not signature_valid(head, keys):
            problems.append(f"tree head of size {head.tree_size}: signature does not verify with the given key")
            continue
        seen = by_size.get(head.tree_size)
        if seen is not None and seen.root_hash != head.root_hash:
            problems.append(f"two signed tree heads of size {head.tree_size} with different roots (the log forked)")
        by_size.setdefault(head.tree_size, head)
    consistency: dict[tuple[int, int], list[str]] = {}
    for raw in proofs:
        try:
            consistency[(int(raw["old_size"]), int(raw["new_size"]))] = list(raw["proof"])
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"consistency proof malformed ({exc})")
    sizes = sorted(by_size)
    for old_size, new_size in zip(sizes, sizes[1:], strict=False):
        proof = consistency.get((old_size, new_size))
        if proof is None:
            problems.append(f"no consistency proof between tree heads {old_size} and {new_size}")
            continue
        report.consistency += 1
        if not consistency_ok(by_size[old_size], by_size[new_size], proof):
            problems.append(
                f"tree head {new_size} is not an extension of tree head {old_size} (an entry was deleted or rewritten)"
            )
    leaves: dict[int, bytes] = {}
    for raw in entries:
        report.entries += 1
        try:
            index, entry, size = int(raw["leaf_index"]), raw["entry"], int(raw["tree_size"])
            proof_list = list(raw["inclusion_proof"])
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"entry #{report.entries}: malformed ({exc})")
            continue
        if not isinstance(entry, Mapping):
            problems.append(f"leaf {index}: the entry is not an object")
            continue
        leaves[index] = merkle.leaf_hash(entry_bytes(entry))
        signed = by_size.get(size)
        if signed is None:
            problems.append(f"leaf {index}: no signed tree head of size {size} to check it against")
        elif not inclusion_ok(entry, index, proof_list, signed):
            problems.append(f"leaf {index}: not included in tree head {size} as given (changed or moved)")
    whole = [leaves[i] for i in range(len(leaves))] if all(i in leaves for i in range(len(leaves))) else []
    for size in sizes:
        if 0 < size <= len(whole) and merkle.root_from_leaf_hashes(whole[:size]).hex() != by_size[size].root_hash:
            problems.append(f"the entries given do not hash to tree head {size}'s root")
    return report

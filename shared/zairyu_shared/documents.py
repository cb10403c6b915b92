"""Signed documents the bureau issues (the e-COE): how one is sealed and how anyone verifies it.

Review seals (it holds the key, in a PKCS#11 token); the public page, review's key endpoint and
``zairyu-verify document`` (signing's CLI) verify: both need the format, so it lives here.

A sealed document is the PDF followed by one PDF comment line that PDF readers ignore::

    <PDF bytes>\\n%ZAIRYU-SIGNATURE <base64 of JSON {v, alg, kid, public_key, payload, signature}>\\n

The ECDSA P-256 signature (ES256, raw r||s) covers SHA-256 over the PDF bytes followed by the canonical
JSON of ``payload`` (what the document certifies: holder, status, validity), so a change to any byte of the
PDF or of the payload breaks it. ``kid`` names the key ("coe-" + 16 hex of SHA-256 over the public key's
SubjectPublicKeyInfo; "DEMO-..." for the embedded run's software key); older keys stay published after a
rotation, so older documents still verify. A cancellation cannot be seen offline: only the public page
knows it (the verifier says so).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils

MARK = b"\n%ZAIRYU-SIGNATURE "
ALG = "ES256"
VERSION = 1
COE_VALID_MONTHS = 3  # a COE is used within 3 months of issue (Enforcement Regulation art. 6-2(4))


class Signer(Protocol):
    """A key the bureau holds: it signs a SHA-256 digest and returns raw r||s (64 bytes)."""

    kid: str
    public_key_der: bytes
    demo: bool

    def sign_digest(self, digest: bytes) -> bytes: ...


def key_id(public_key_der: bytes, demo: bool = False) -> str:
    return ("DEMO-" if demo else "coe-") + hashlib.sha256(public_key_der).hexdigest()[:16]


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _digest(pdf: bytes, payload: dict[str, Any]) -> bytes:
    return hashlib.sha256(pdf + canonical(payload)).digest()


def seal(pdf: bytes, payload: dict[str, Any], signer: Signer) -> bytes:
    """The PDF with its signature line appended."""
    if MARK in pdf:
        raise ValueError("the PDF already carries a signature line")
    signature = signer.sign_digest(_digest(pdf, payload))
    block = {
        "v": VERSION,
        "alg": ALG,
        "kid": signer.kid,
        "public_key": base64.b64encode(signer.public_key_der).decode(),
        "payload": payload,
        "signature": base64.b64encode(signature).decode(),
    }
    return pdf + MARK + base64.b64encode(canonical(block)) + b"\n"


def public_key_pem(public_key_der: bytes) -> str:
    key = serialization.load_der_public_key(public_key_der)
    return str(key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode())


@dataclass(frozen=True)
class Verdict:
    valid: bool
    reason: str  # ok | not_sealed | malformed | bad_signature | unknown_key | expired
    payload: dict[str, Any] | None = None
    kid: str | None = None
    demo: bool = False
    # True: the key is among the bureau's published keys; None: not checked (no key list given).
    trusted: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "reason": self.reason,
            "kid": self.kid,
            "demo": self.demo,
            "trusted": self.trusted,
            "payload": self.payload,
            "cancellation": "cannot be known offline: check the bureau's public page",
        }


def split(data: bytes) -> tuple[bytes, dict[str, Any]] | None:
    """(PDF bytes, signature block), or None when the file carries no well-formed signature line."""
    at = data.rfind(MARK)
    if at < 0 or not data.endswith(b"\n"):
        return None
    encoded = data[at + len(MARK) : -1]
    try:
        raw = base64.b64decode(encoded, validate=True)
        block = json.loads(raw)
    except (binascii.Error, ValueError):
        return None
    # Canonical only: base64 ignores the unused bits of its last character, a change nothing would see;
    # and the JSON must be exactly as sealed.
    if base64.b64encode(raw) != encoded or not isinstance(block, dict) or canonical(block) != raw:
        return None
    return data[:at], block


def _b64(text: object) -> bytes:
    """Strict, canonical base64 (see split)."""
    if not isinstance(text, str):
        raise ValueError("not base64 text")
    raw = base64.b64decode(text, validate=True)
    if base64.b64encode(raw).decode() != text:
        raise ValueError("non-canonical base64")
    return raw


def verify(data: bytes, today: date, trusted_keys: dict[str, bytes] | None = None) -> Verdict:
    """``today``: Japan's date. ``trusted_keys``: kid -> public key DER as the bureau publishes them."""
    if MARK not in data:
        return Verdict(False, "not_sealed")
    parts = split(data)
    if parts is None:
        return Verdict(False, "malformed")
    pdf, block = parts
    try:
        kid, payload = str(block["kid"]), block["payload"]
        der = _b64(block["public_key"])
        raw = _b64(block["signature"])
        if block.get("v") != VERSION or block.get("alg") != ALG or not isinstance(payload, dict) or len(raw) != 64:
            return Verdict(False, "malformed", kid=kid)
        key = serialization.load_der_public_key(der)
        if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
            return Verdict(False, "malformed", kid=kid)
    except (KeyError, TypeError, ValueError, binascii.Error, UnsupportedAlgorithm):
        return Verdict(False, "malformed")
    demo = kid.startswith("DEMO-")
    if kid != key_id(der, demo):
        return Verdict(False, "bad_signature", kid=kid, demo=demo)
    signature = utils.encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        key.verify(signature, _digest(pdf, payload), ec.ECDSA(utils.Prehashed(hashes.SHA256())))
    except InvalidSignature:
        return Verdict(False, "bad_signature", kid=kid, demo=demo)
    trusted = None
    if trusted_keys is not None:
        trusted = trusted_keys.get(kid) == der
        if not trusted:
            return Verdict(False, "unknown_key", payload, kid, demo, False)
    valid_until = payload.get("valid_until")
    try:
        expired = date.fromisoformat(str(valid_until)) < today
    except ValueError:
        return Verdict(False, "malformed", payload, kid, demo, trusted)
    if expired:
        return Verdict(False, "expired", payload, kid, demo, trusted)
    return Verdict(True, "ok", payload, kid, demo, trusted)


def keys_from_json(document: dict[str, Any]) -> dict[str, bytes]:
    """The published key list ({"keys": [{"kid", "public_key_der_b64", ...}]}) as kid -> DER."""
    return {str(k["kid"]): base64.b64decode(k["public_key_der_b64"]) for k in document.get("keys", [])}

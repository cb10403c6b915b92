"""Web eID-style authentication token (format ``web-eid:1.0``), signed by the card's auth key.

The signed value is hash(origin) || hash(challenge nonce), signed with the same hash: RS256 (RSASSA-PKCS1-v1_5 with
SHA-256) for today's RSA card; ES384 (ECDSA P-384 with SHA-384, the signature as r || s as JWS writes it) for the
next-generation card's P-384 key (Web eID's token format names the algorithm; the verifier takes both). The origin
must come from the browser (the caller), never from the page's message, or a malicious page could obtain a token for
another site.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from .signer_errors import BadRequest

FORMAT = "web-eid:1.0"
ALGORITHM = "RS256"
APP_VERSION = "https://github.com/zairyu/zairyu/signer/releases/v0.1.0"
_NONCE = re.compile(r"[A-Za-z0-9+/=_-]{32,200}")


def check_origin(origin: str) -> str:
    """An origin is scheme://host[:port] only; https, or http for localhost development."""
    parts = urlsplit(origin)
    local = parts.hostname in ("localhost", "127.0.0.1")
    if (
        (parts.scheme != "https" and not (parts.scheme == "http" and local))
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username
    ):
        raise BadRequest(f"not an origin: {origin!r}")
    return origin.rstrip("/")


def check_challenge(challenge: str) -> str:
    if not _NONCE.fullmatch(challenge):
        raise BadRequest("challenge must be 32-200 base64 characters (at least 192 bits)")
    return challenge


# An EC key's curve -> its JWS algorithm and hash (RFC 7518 section 3.4).
_EC_ALGORITHMS = {"secp256r1": ("ES256", "sha256"), "secp384r1": ("ES384", "sha384"), "secp521r1": ("ES512", "sha512")}
_HASHES = {ALGORITHM: "sha256", **dict(_EC_ALGORITHMS.values())}


def algorithm_for(auth_cert_der: bytes) -> str:
    """RS256 for an RSA key, ES256/ES384/ES512 for an EC key on its curve."""
    key = x509.load_der_x509_certificate(auth_cert_der).public_key()
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name in _EC_ALGORITHMS:
        return _EC_ALGORITHMS[key.curve.name][0]
    if isinstance(key, rsa.RSAPublicKey):
        return ALGORITHM
    raise BadRequest("the card's authentication key is of a kind this signer does not know")


def signed_value(origin: str, challenge: str, algorithm: str = ALGORITHM) -> bytes:
    h = _HASHES[algorithm]
    return hashlib.new(h, origin.encode()).digest() + hashlib.new(h, challenge.encode()).digest()


def digest_to_sign(algorithm: str, origin: str, challenge: str) -> bytes:
    """The hash of the signed value that the card signs."""
    return hashlib.new(_HASHES[algorithm], signed_value(origin, challenge, algorithm)).digest()


def token(auth_cert_der: bytes, signature: bytes, algorithm: str = ALGORITHM) -> dict[str, Any]:
    return {
        "unverifiedCertificate": base64.b64encode(auth_cert_der).decode(),
        "algorithm": algorithm,
        "signature": base64.b64encode(signature).decode(),
        "format": FORMAT,
        "appVersion": APP_VERSION,
    }

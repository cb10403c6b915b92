"""Web eID-style authentication token (format ``web-eid:1.0``), signed by the card's auth key.

The signed value is SHA256(origin) || SHA256(challenge nonce); RS256 = RSASSA-PKCS1-v1_5 with
SHA-256 over it. The origin must come from the browser (the caller), never from the page's
message, or a malicious page could obtain a token for another site.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any
from urllib.parse import urlsplit

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


def signed_value(origin: str, challenge: str) -> bytes:
    return hashlib.sha256(origin.encode()).digest() + hashlib.sha256(challenge.encode()).digest()


def token(auth_cert_der: bytes, signature: bytes) -> dict[str, Any]:
    return {
        "unverifiedCertificate": base64.b64encode(auth_cert_der).decode(),
        "algorithm": ALGORITHM,
        "signature": base64.b64encode(signature).decode(),
        "format": FORMAT,
        "appVersion": APP_VERSION,
    }

"""Client for intake's signing requests: fetch what to sign by its code, hand the signature back.

  GET  {server}/api/v1/signing-requests/{code}            -> {content_b64, description, digest, summary, language}
  POST {server}/api/v1/signing-requests/{code}/signature  <- {signature_b64}

Used by ``zairyu-signer redeem`` on the applicant's PC and by the embedded run's demo signer.
The content's SHA-256 must match the digest the server states, or nothing is signed.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import json
import re
import unicodedata
import urllib.error
import urllib.parse
import urllib.request

_CODE = re.compile(r"^[A-Za-z0-9_-]{4,100}$")
MAX_CONTENT = 16 * 1024 * 1024


class SigningRequestError(Exception):
    pass


@dataclasses.dataclass(frozen=True)
class SigningRequest:
    code: str
    content: bytes
    description: str  # intake's technical record, in English
    digest: str  # as the server stated it
    # What the signature is for in the applicant's language (intake's "summary"; empty from older servers) and
    # that language (the contract's code), whatever language the signer's computer speaks.
    summary: str = ""
    language: str | None = None

    @property
    def what(self) -> str:
        """What the person reads about the request: the summary in their language, else the description."""
        return self.summary or self.description

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def normalise_code(code: str) -> str:
    """As typed: full-width characters (Japanese IME) folded, spaces dropped."""
    return "".join(unicodedata.normalize("NFKC", code).split())


def _url(server: str, code: str, suffix: str = "") -> str:
    code = normalise_code(code)
    parts = urllib.parse.urlsplit(server)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SigningRequestError(f"server must be an http(s) URL, got {server!r}")
    if not _CODE.match(code):
        raise SigningRequestError("the code has unexpected characters")
    return f"{server.rstrip('/')}/api/v1/signing-requests/{urllib.parse.quote(code)}{suffix}"


def _digest_matches(stated: str, content: bytes) -> bool:
    """The server's digest as hex, 'sha256:<hex>' or base64 of the SHA-256."""
    raw = hashlib.sha256(content).digest()
    value = "".join(stated.split())  # intake may group the hex in fours for display
    if value.lower().startswith(("sha256:", "sha-256:")):
        value = value.split(":", 1)[1]
    if re.fullmatch(r"[0-9a-fA-F]{64}", value):
        return value.lower() == raw.hex()
    try:
        return base64.b64decode(value, validate=True) == raw
    except (binascii.Error, ValueError):
        return False


def _request(req: urllib.request.Request, timeout: float) -> dict:
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read(MAX_CONTENT * 2)
    except urllib.error.HTTPError as exc:
        detail = exc.read(2000).decode("utf-8", "replace")
        try:
            detail = json.loads(detail).get("message", detail)
        except (ValueError, AttributeError):
            pass
        raise SigningRequestError(f"server answered {exc.code}: {detail}".strip()) from None
    except (urllib.error.URLError, OSError) as exc:
        raise SigningRequestError(f"server unreachable: {getattr(exc, 'reason', exc)}") from None
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        raise SigningRequestError("server answer is not JSON") from None
    if not isinstance(data, dict):
        raise SigningRequestError("server answer is not a JSON object")
    return data


def fetch(server: str, code: str, timeout: float = 15.0) -> SigningRequest:
    data = _request(urllib.request.Request(_url(server, code), headers={"Accept": "application/json"}), timeout)
    try:
        content = base64.b64decode(data["content_b64"], validate=True)
        digest = str(data["digest"])
    except (KeyError, TypeError, binascii.Error, ValueError):
        raise SigningRequestError("server answer lacks content_b64 or digest") from None
    if not _digest_matches(digest, content):
        raise SigningRequestError("the content does not match the digest the server states: refusing to sign")
    language = data.get("language")
    return SigningRequest(
        code,
        content,
        str(data.get("description") or ""),
        digest,
        summary=str(data.get("summary") or "")[:1000],
        language=language if isinstance(language, str) else None,
    )


def post_signature(server: str, code: str, signature: bytes, timeout: float = 15.0) -> dict:
    body = json.dumps({"signature_b64": base64.b64encode(signature).decode()}).encode()
    req = urllib.request.Request(
        _url(server, code, "/signature"),
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    return _request(req, timeout)


def readable(request: SigningRequest) -> str | None:
    """The content as text when it is UTF-8 (the person reads it before signing); None for binary data."""
    try:
        return request.content.decode("utf-8")
    except UnicodeDecodeError:
        return None

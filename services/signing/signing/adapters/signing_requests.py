"""Client for intake's signing requests: fetch what to sign by its code, hand the signature back.

  GET  {server}/api/v1/signing-requests/{code}            -> {content_b64, description, digest, summary, language}
  POST {server}/api/v1/signing-requests/{code}/signature  <- {signature_b64}
  POST {server}/api/v1/signing-requests/batch             <- {codes: [up to 50]} -> {requests: [... or {error}]}
  POST {server}/api/v1/signing-requests/signatures        <- {signatures: [{code, signature_b64}]} -> {results}

A batch (an organisation's staff member signing up to 50 applications) is fetched in one request and its
signatures posted ten at a time, so it stays within the site's per-address request limit; a server without the
batch endpoints (404/405) is asked code by code. A 429 carries Retry-After (TooManyRequests.retry_after).

Used by ``zairyu-signer redeem`` on the applicant's PC and by the embedded run's demo signer.
The content's SHA-256 must match the digest the server states, or nothing is signed.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import email.utils
import hashlib
import json
import re
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request

_CODE = re.compile(r"^[A-Za-z0-9_-]{4,100}$")
MAX_CONTENT = 16 * 1024 * 1024


BATCH = 50  # codes in one fetch: intake's organisation_filing.MAX_BATCH
SIGNATURES_AT_ONCE = 10  # signatures in one post: each is verified and filed by the site, ten stay well in its time


class SigningRequestError(Exception):
    def __init__(self, message: str, key: str | None = None, status: int | None = None):
        super().__init__(message)
        self.key = key  # the site's error code ("signing.already_used"), when it gave one
        self.status = status


class TooManyRequests(SigningRequestError):
    """429: the site limits requests per address; ``retry_after`` in seconds when it said (Retry-After)."""

    def __init__(self, message: str, retry_after: int | None):
        super().__init__(message, status=429)
        self.retry_after = retry_after


class NoBatchEndpoint(SigningRequestError):
    """The site predates the batch endpoints: ask code by code."""


def retry_after_seconds(value: str | None, now: float | None = None) -> int | None:
    """Retry-After as seconds (RFC 9110 10.2.3: a number of seconds or an HTTP date); None when absent or unread."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0, int(when.timestamp() - (time.time() if now is None else now) + 0.999))


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
        key = None
        try:
            answer = json.loads(detail)
            detail, key = answer.get("message", detail), answer.get("error")
        except (ValueError, AttributeError):
            pass
        if exc.code == 429:
            raise TooManyRequests(
                f"server answered 429: {detail}".strip(), retry_after_seconds(exc.headers.get("Retry-After"))
            ) from None
        raise SigningRequestError(f"server answered {exc.code}: {detail}".strip(), key, exc.code) from None
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
    return _signing_request(code, data)


def _signing_request(code: str, data: dict) -> SigningRequest:
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


def _batch_url(server: str, name: str) -> str:
    parts = urllib.parse.urlsplit(server)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SigningRequestError(f"server must be an http(s) URL, got {server!r}")
    return f"{server.rstrip('/')}/api/v1/signing-requests/{name}"


def _post_json(url: str, payload: dict, timeout: float) -> dict:
    req = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        method="POST",
        # The signer's endpoints are authorised by the codes; the header is what intake's JSON API asks of a write.
        headers={"Content-Type": "application/json", "Accept": "application/json", "X-Zairyu-Api": "1"},
    )
    try:
        return _request(req, timeout)
    except TooManyRequests:
        raise
    except SigningRequestError as exc:
        if exc.status in (404, 405) and exc.key in (None, "error.not_found"):
            raise NoBatchEndpoint(str(exc), exc.key, exc.status) from None
        raise


def fetch_many(server: str, codes: list[str], timeout: float = 60.0) -> list[SigningRequest | SigningRequestError]:
    """Each code's request, or why the site would not give it (its error key), in the codes' order; one request
    for up to BATCH codes. NoBatchEndpoint from a site without it; TooManyRequests on 429."""
    for code in codes:
        _url(server, code)  # the same checks as one at a time (characters, server URL)
    out: list[SigningRequest | SigningRequestError] = []
    for start in range(0, len(codes), BATCH):
        chunk = [normalise_code(c) for c in codes[start : start + BATCH]]
        data = _post_json(_batch_url(server, "batch"), {"codes": chunk}, timeout)
        answers = data.get("requests")
        if not isinstance(answers, list) or len(answers) != len(chunk):
            raise SigningRequestError("server answer lacks one request per code")
        for code, answer in zip(codes[start : start + BATCH], answers, strict=True):
            if not isinstance(answer, dict):
                raise SigningRequestError("server answer is not a JSON object")
            if "error" in answer:
                status = answer.get("http_status")
                detail = f"server answered {status}: {answer.get('message') or answer['error']}"
                out.append(
                    SigningRequestError(detail, str(answer["error"]), status if isinstance(status, int) else None)
                )
            else:
                out.append(_signing_request(code, answer))
    return out


def post_signatures(server: str, signed: list[tuple[str, bytes]], timeout: float = 120.0) -> list[dict]:
    """Post up to 50 signatures in one request; each answer ({status, ok, error, ...}) in order."""
    payload = {
        "signatures": [
            {"code": normalise_code(code), "signature_b64": base64.b64encode(signature).decode()}
            for code, signature in signed
        ]
    }
    data = _post_json(_batch_url(server, "signatures"), payload, timeout)
    results = data.get("results")
    if not isinstance(results, list) or len(results) != len(signed) or not all(isinstance(r, dict) for r in results):
        raise SigningRequestError("server answer lacks one result per signature")
    return results


def readable(request: SigningRequest) -> str | None:
    """The content as text when it is UTF-8 (the person reads it before signing); None for binary data."""
    try:
        return request.content.decode("utf-8")
    except UnicodeDecodeError:
        return None

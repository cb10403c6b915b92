"""Browser native messaging host: 4-byte native-endian length + UTF-8 JSON, on stdin/stdout.

Messages come from our extension's background worker (browser-extension/background.js)::

    {"id": 7, "origin": "<page origin, from the browser's MessageSender>",
     "request": {"op": "hello" | "info" | "sign" | "auth", ...fields...}}

"hello" answers without touching the card: the extension asks it to learn that this program is
installed before a page offers "Sign with your card reader". The signature password and the PIN
come from the extension's own window (browser-extension/confirm.js), never from the page.

The origin used in an authentication token is the one the extension took from the browser
(``sender.origin``), never a field of the page's own request: a page could claim any origin.
Replies: ``{"id": 7, "ok": true, ...}`` or ``{"id": 7, "ok": false, "error": {"code", "message"}}``.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import struct
import sys
from typing import BinaryIO

from signing.domain.signer import Signer
from signing.domain.signer_errors import BadRequest, SignerError
from signing.domain.signer_messages import describe, language

MAX_MESSAGE = 64 * 1024 * 1024
_LENGTH = struct.Struct("=I")  # native byte order, as Chrome and Firefox write it


def read_message(stream: BinaryIO) -> dict | None:
    header = stream.read(_LENGTH.size)
    if len(header) < _LENGTH.size:
        return None  # browser closed the port
    (length,) = _LENGTH.unpack(header)
    if length > MAX_MESSAGE:
        raise BadRequest("message too large")
    body = stream.read(length)
    if len(body) < length:
        return None
    return json.loads(body.decode("utf-8"))


def write_message(stream: BinaryIO, message: dict) -> None:
    body = json.dumps(message, ensure_ascii=False).encode("utf-8")
    stream.write(_LENGTH.pack(len(body)) + body)
    stream.flush()


def _b64(value: object, field: str) -> bytes:
    if not isinstance(value, str):
        raise BadRequest(f"{field} must be a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadRequest(f"{field} is not valid base64") from exc


def _text(request: dict, field: str) -> str:
    value = request.get(field)
    if not isinstance(value, str):
        raise BadRequest(f"{field} is required")
    return value


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("zairyu-signing")
    except PackageNotFoundError:
        return "unknown"


def handle(signer: Signer, envelope: dict) -> dict:
    request = envelope.get("request")
    if not isinstance(request, dict):
        raise BadRequest("request must be an object")
    op = request.get("op")
    if op == "hello":
        return {"hello": {"program": "zairyu-signer", "version": _version()}}
    if op == "info":
        return {"info": signer.info().as_dict()}
    if op == "sign":
        signature = signer.sign(_b64(request.get("data"), "data"), _text(request, "password"))
        return {"signature": base64.b64encode(signature).decode()}
    if op == "auth":
        origin = envelope.get("origin")  # set by the extension from the browser, not the page
        if not isinstance(origin, str):
            raise BadRequest("no browser-supplied origin")
        return {"token": signer.authenticate(_text(request, "challenge"), origin, _text(request, "pin"))}
    raise BadRequest(f"unknown op {op!r}")


def allowed_caller(caller: list[str]) -> bool:
    """Chrome passes ``chrome-extension://<id>/`` as the first argument; optionally pin it."""
    allowed = [o.strip() for o in os.environ.get("ZAIRYU_SIGNER_ALLOWED_EXTENSIONS", "").split(",") if o.strip()]
    return not allowed or bool(caller and caller[0] in allowed)


def serve(
    signer: Signer,
    lang: str,
    caller: list[str] | None = None,
    stdin: BinaryIO | None = None,
    stdout: BinaryIO | None = None,
) -> int:
    stdin = stdin or sys.stdin.buffer
    stdout = stdout or sys.stdout.buffer
    if not allowed_caller(caller or []):
        write_message(
            stdout,
            {"ok": False, "error": {"code": "caller_not_allowed", "message": "this extension may not use the signer"}},
        )
        return 1
    while True:
        try:
            envelope = read_message(stdin)
        except (SignerError, ValueError) as exc:
            error = exc if isinstance(exc, SignerError) else BadRequest(str(exc))
            write_message(stdout, {"ok": False, "error": describe(error, lang)})
            return 1  # framing is lost; the browser will reconnect
        if envelope is None:
            return 0
        reply: dict = {"id": envelope.get("id")} if isinstance(envelope, dict) else {}
        try:
            if not isinstance(envelope, dict):
                raise BadRequest("message must be an object")
            reply.update({"ok": True, **handle(signer, envelope)})
        except SignerError as error:
            wanted = envelope.get("lang") if isinstance(envelope, dict) else None
            # The extension sends its own codes (zh, pt...): mapped onto the catalogs' (zh_Hans, pt_BR...).
            chosen = language(wanted) if isinstance(wanted, str) else None
            reply.update({"ok": False, "error": describe(error, chosen or lang)})
        write_message(stdout, reply)

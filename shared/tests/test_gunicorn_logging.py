"""The fronts' access log (issue 20): a one-time link's token never reaches the log platform, a case's id does,
and the line has no address, query string, referrer or browser."""

from __future__ import annotations

import importlib.util
import secrets
import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from gunicorn.config import Config
from gunicorn.glogging import SafeAtoms

from zairyu_shared.gunicorn_logging import RedactingLogger, redact_path

GENERATE = Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "tools" / "generate.py"


def _format() -> str:
    sys.path.insert(0, str(GENERATE.parent))
    try:
        spec = importlib.util.spec_from_file_location("zairyu_generate", GENERATE)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.ACCESS_LOG_FORMAT
    finally:
        sys.path.remove(str(GENERATE.parent))


def test_tokens_and_signing_codes_are_redacted_and_ids_kept():
    token = secrets.token_urlsafe(32)
    case = "0f0f0f0f-0000-4000-8000-000000000021"
    assert redact_path(f"/register/verify/{token}/sign") == "/register/verify/…/sign"
    assert redact_path(f"/account/email/confirm/{token}") == "/account/email/confirm/…"
    assert redact_path("/sign/K7QM-2HXD-9PZA") == "/sign/…"
    assert redact_path(f"/cases/{case}/notes") == f"/cases/{case}/notes"
    assert redact_path("/account/data-export") == "/account/data-export"


def test_the_line_carries_neither_token_nor_address():
    token = secrets.token_urlsafe(32)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/login/reset/{token}?next=/x",
        "PATH_INFO": f"/login/reset/{token}",
        "QUERY_STRING": "next=/x",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.7",
        "HTTP_USER_AGENT": "Mozilla/5.0",
        "HTTP_REFERER": "https://mail.example.jp/",
    }
    logger = RedactingLogger(Config())
    atoms = logger.atoms(
        SimpleNamespace(status="200 OK", sent=512, headers=[]),
        SimpleNamespace(headers=[]),
        environ,
        timedelta(milliseconds=42),
    )
    line = _format() % SafeAtoms(atoms)
    assert token not in line and token not in atoms["r"] and "/login/reset/…" in line
    for private in ("203.0.113.7", "next=", "Mozilla", "mail.example.jp"):
        assert private not in line, private
    assert " 200 512 42ms" in line

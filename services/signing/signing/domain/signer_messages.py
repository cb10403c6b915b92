"""Messages for signer errors and prompts in the person's language, from the signing catalogs.

The catalogs (signing/translations/<code>/LC_MESSAGES/messages.po, compiled to .mo) are keyed: the msgid is
the error's machine code (``no_reader``, ``wrong_pin``...) or ``pin_name.auth``/``pin_name.sign``, and the
English catalog holds the English. Placeholders are ``str.format`` fields ({pin_name}, {tries_left}, {sw},
{detail}). Translations other than Japanese are working quality and want review by fluent speakers.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

from babel.support import NullTranslations

from zairyu_shared import translations
from zairyu_shared.events.contracts import LANGUAGES

from .signer_errors import SignerError

CATALOGS = Path(__file__).resolve().parents[1] / "translations"
SUPPORTED = LANGUAGES  # the contract's codes; what the extension and terminals send is mapped onto them
KEYS = (
    "no_reader",
    "no_card",
    "not_jpki_card",
    "card_removed",
    "card_error",
    "bad_pin_format",
    "wrong_pin",
    "pin_blocked",
    "bad_request",
    "tries_warning",
    "prompt_password",
    "prompt_pin",
)
PIN_KINDS = ("auth", "sign")


def language(value: str | None) -> str | None:
    """One of SUPPORTED for a code the extension, --lang or a locale gives (``zh``, ``pt``, ``ja_JP.UTF-8``)."""
    return translations.language_code(value)


def pick_language(explicit: str | None = None) -> str:
    """--lang wins, then LANGUAGE/LC_ALL/LC_MESSAGES/LANG (``ja_JP.UTF-8`` -> ``ja``), then English."""
    candidates = [explicit] + [os.environ.get(v) for v in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")]
    for value in candidates:
        if value:
            code = language(value)
            if code:
                return code
    return "en"


@cache
def _catalog(lang: str) -> NullTranslations:
    return translations.load(CATALOGS, lang)


def template(key: str, lang: str = "en") -> str:
    """The message's text in ``lang``, English where that catalog lacks it."""
    for code in (language(lang) or "en", "en"):
        found = _catalog(code).gettext(key)
        if found != key:
            return found
    raise KeyError(key)


def text(key: str, lang: str = "en", **params: object) -> str:
    pin = params.get("pin")
    if pin in PIN_KINDS:
        params.setdefault("pin_name", template(f"pin_name.{pin}", lang))
    params.setdefault("sw", "?")
    params.setdefault("detail", "")
    params.setdefault("tries_left", "?")
    return template(key, lang).format(**params)


def describe(error: SignerError, lang: str = "en") -> dict[str, Any]:
    """Machine code + human message, e.g. for JSON answers."""
    out: dict[str, Any] = {"code": error.code, "message": text(error.code, lang, detail=error.detail, **error.params)}
    out.update({k: v for k, v in error.params.items() if isinstance(v, (int, str))})
    return out

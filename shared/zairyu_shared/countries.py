"""A nationality written as a name, read back as its ISO 3166-1 alpha-2 code (CLDR's names through Babel).

Nationalities travel as codes since the coded pickers (issue 18); older applications carry the name as the
applicant typed it ("Viet Nam", "ベトナム", "Việt Nam"). A reader that shows names in its own language finds the
code here when the name is one of CLDR's in the eight languages, case, accents and spaces aside, and unambiguous.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from babel import Locale

from .translations import babel_locale

_LANGUAGES = ("ja", "en", "vi", "zh_Hans", "ko", "pt_BR", "tl", "ne")  # events.contracts.LANGUAGES


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch) and not ch.isspace())


@cache
def _by_name() -> dict[str, str]:
    found: dict[str, set[str]] = {}
    for language in _LANGUAGES:
        for code, name in Locale.parse(babel_locale(language)).territories.items():
            if isinstance(code, str) and len(code) == 2 and code.isalpha():
                found.setdefault(_fold(str(name)), set()).add(code)
    return {name: next(iter(codes)) for name, codes in found.items() if len(codes) == 1}


def code_for(value: str | None) -> str | None:
    """The ISO code of a nationality given as a code or as a name in one of the eight languages; else None."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if len(text) == 2 and text.isalpha() and text.upper() in Locale.parse("en").territories:
        return text.upper()
    return _by_name().get(_fold(text))

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

# CLDR territories that are no nationality: unknown region, groupings, pseudo-regions.
_NOT_COUNTRIES = frozenset({"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"})


@cache
def codes() -> tuple[str, ...]:
    """Every ISO 3166-1 alpha-2 code CLDR names (plus XK, as CLDR does), sorted: the nationalities one picks."""
    territories = Locale.parse("en").territories
    return tuple(
        sorted(c for c in territories if isinstance(c, str) and len(c) == 2 and c.isalpha() and c not in _NOT_COUNTRIES)
    )


def fold(text: str) -> str:
    """A name compared or sorted as people read it: case, accents and spaces aside."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch) and not ch.isspace())


@cache
def _by_name() -> dict[str, str]:
    found: dict[str, set[str]] = {}
    for language in _LANGUAGES:
        territories = Locale.parse(babel_locale(language)).territories
        for code in codes():
            found.setdefault(fold(str(territories.get(code, code))), set()).add(code)
    return {name: next(iter(codes)) for name, codes in found.items() if len(codes) == 1}


def code_for(value: str | None) -> str | None:
    """The ISO code of a nationality given as a code or as a name in one of the eight languages; else None."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.upper() in codes():
        return text.upper()
    return _by_name().get(fold(text))

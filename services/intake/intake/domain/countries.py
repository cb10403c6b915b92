"""Nationalities as ISO 3166-1 alpha-2 codes, named in each language from CLDR (Babel's locale data).

The official forms ask for the nationality (国籍・地域); a code keeps it comparable and lets every reader see it
in their own language. Drafts saved when the field was free text are recognised by name where that is
unambiguous ("Vietnam", "ベトナム", "Việt Nam" -> VN), else the applicant is asked to choose.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from babel import Locale

from zairyu_shared import translations
from zairyu_shared.events.contracts import LANGUAGES

# CLDR territories that are no nationality: unknown region, groupings, pseudo-regions.
_NOT_COUNTRIES = frozenset({"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"})


def _locale(language: str) -> Locale:
    """CLDR's locale for one of the eight languages (Tagalog is CLDR's Filipino); English for any other."""
    return Locale.parse(translations.babel_locale(translations.language_code(language) or "en"))


@lru_cache(maxsize=1)
def codes() -> tuple[str, ...]:
    """Every ISO 3166-1 alpha-2 code CLDR names (plus XK, as CLDR does), sorted."""
    territories = Locale.parse("en").territories
    return tuple(
        sorted(c for c in territories if isinstance(c, str) and len(c) == 2 and c.isalpha() and c not in _NOT_COUNTRIES)
    )


def name(code: str, language: str) -> str:
    """The country or region in the language; a value that is no code as it is."""
    return str(_locale(language).territories.get(code, code)) if code in codes() else code


@lru_cache(maxsize=16)
def ordered(language: str) -> tuple[tuple[str, str], ...]:
    """(code, name) sorted by the name as the language reads it (case-insensitive; accents folded)."""
    return tuple(sorted(((c, name(c, language)) for c in codes()), key=lambda pair: _fold(pair[1])))


def _fold(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def _by_name() -> dict[str, str]:
    found: dict[str, set[str]] = {}
    for language in LANGUAGES:
        for code in codes():
            found.setdefault(_fold(name(code, language)), set()).add(code)
    return {n: next(iter(cs)) for n, cs in found.items() if len(cs) == 1}


def code_for(text: str) -> str | None:
    """The code of a nationality typed as a code or a name in one of the eight languages; None if unknown."""
    value = text.strip()
    if value.upper() in codes():
        return value.upper()
    return _by_name().get(_fold(value))

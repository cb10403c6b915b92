"""Nationalities as ISO 3166-1 alpha-2 codes, named in each language from CLDR (Babel's locale data).

The official forms ask for the nationality (国籍・地域); a code keeps it comparable and lets every reader see it
in their own language. Drafts saved when the field was free text are recognised by name where that is
unambiguous ("Vietnam", "ベトナム", "Việt Nam" -> VN), else the applicant is asked to choose: the codes and the
names read back are zairyu_shared.countries', the one table review reads older applications with too.
"""

from __future__ import annotations

from functools import lru_cache

from babel import Locale

from zairyu_shared import translations
from zairyu_shared.countries import code_for, codes, fold

__all__ = ["code_for", "codes", "name", "ordered"]


def _locale(language: str) -> Locale:
    """CLDR's locale for one of the eight languages (Tagalog is CLDR's Filipino); English for any other."""
    return Locale.parse(translations.babel_locale(translations.language_code(language) or "en"))


def name(code: str, language: str) -> str:
    """The country or region in the language; a value that is no code as it is."""
    return str(_locale(language).territories.get(code, code)) if code in codes() else code


@lru_cache(maxsize=16)
def ordered(language: str) -> tuple[tuple[str, str], ...]:
    """(code, name) sorted by the name as the language reads it (case-insensitive; accents folded)."""
    return tuple(sorted(((c, name(c, language)) for c in codes()), key=lambda pair: fold(pair[1])))

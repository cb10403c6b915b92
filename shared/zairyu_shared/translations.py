"""One way to translate: gettext catalogs, read with Babel, in folders named by the contract's language codes.

Each service keeps ``<package>/translations/<code>/LC_MESSAGES/messages.po`` (what translators edit) and the
compiled ``messages.mo`` beside it (what runs; committed, so an installed wheel needs no build step).
``<code>`` is one of the event contract's codes (contracts.LANGUAGES), also for Tagalog: CLDR calls it
Filipino (``fil``), so where Babel needs a locale it gets one from ``babel_locale`` and nowhere else.
"""

from __future__ import annotations

from pathlib import Path

from babel.support import NullTranslations, Translations

from zairyu_shared.events.contracts import LANGUAGES

# Babel (CLDR) names for the contract's codes where they differ: Tagalog is CLDR's Filipino.
BABEL_LOCALES = {"tl": "fil"}
# What people, browsers and terminals send for our languages (LANG=zh_CN.UTF-8, Accept-Language: pt, the
# signer extension's zh/pt, CLDR's fil) onto the contract's code.
ALIASES = {"zh": "zh_Hans", "zh_CN": "zh_Hans", "zh_SG": "zh_Hans", "pt": "pt_BR", "fil": "tl", "fil_PH": "tl"}


def language_code(value: str | None) -> str | None:
    """The contract's code for a language tag or POSIX locale (``pt-BR``, ``ja_JP.UTF-8``, ``fil``), or None."""
    if not value:
        return None
    tag = value.split(":")[0].split(".")[0].split("@")[0].replace("-", "_")
    parts = tag.split("_")
    candidates = [tag, "_".join(parts[:2]), parts[0]]
    for candidate in candidates:
        for known in LANGUAGES:
            if candidate.lower() == known.lower():
                return known
        for alias, code in ALIASES.items():
            if candidate.lower() == alias.lower():
                return code
    return None


def babel_locale(code: str) -> str:
    """The Babel locale for one of the contract's codes (for dates, numbers and plural rules)."""
    return BABEL_LOCALES.get(code, code)


def catalog_path(directory: Path, code: str, suffix: str = ".mo") -> Path:
    return directory / code / "LC_MESSAGES" / f"messages{suffix}"


def load(directory: Path, code: str) -> NullTranslations:
    """The compiled catalog of ``code`` under ``directory``; an empty one if that language has none."""
    path = catalog_path(directory, code)
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as fh:
        return Translations(fh)


def languages(directory: Path) -> set[str]:
    """The languages that have a catalog under ``directory`` (folder names)."""
    return {p.parent.parent.name for p in directory.glob("*/LC_MESSAGES/messages.po")}


def best_language(accepted: list[str], offered: tuple[str, ...]) -> str | None:
    """The first of the visitor's languages (Accept-Language, best first) that is offered, as a contract code."""
    for tag in accepted:
        code = language_code(tag)
        if code in offered:
            return code
    return None

"""One glossary per language: the immigration terms, statuses of residence, kinds of documents and periods
of stay as the applicant reads them, in the names the Immigration Services Agency uses in that language.

intake and notify both show the bureau's coded words (application.documents_requested v2,
application.decided v3) in the applicant's language from here; a test holds the intake catalogs to the
glossary's terms (tests/contracts/test_glossary.py). Japanese and English names of statuses and document
kinds live in zairyu_shared.events.vocabulary, the contracts' source.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from zairyu_shared import translations
from zairyu_shared.events.vocabulary import (
    DOCUMENT_KINDS,
    INDUSTRIES,
    REFUSAL_REASONS,
    STATUSES_OF_RESIDENCE,
    period_parts,
)

HERE = Path(__file__).resolve().parent
LANGUAGES = ("ja", "en", "vi", "zh_Hans", "ko", "pt_BR", "tl", "ne")  # contracts.LANGUAGES


@dataclass(frozen=True)
class Term:
    ja: str
    en: str
    text: str  # the rendering in the glossary's language


@cache
def _load(language: str) -> dict[str, object]:
    path = HERE / f"{translations.language_code(language) or language}.toml"  # fil, fil_PH: tl
    if not path.exists():
        raise KeyError(f"no glossary for {language!r}")
    return tomllib.loads(path.read_text("utf-8"))


def terms(language: str) -> list[Term]:
    raw = _load(language).get("term", [])
    assert isinstance(raw, list)
    return [Term(t["ja"], t["en"], t["text"]) for t in raw]


def _section(language: str, name: str) -> dict[str, str]:
    section = _load(language).get(name, {})
    assert isinstance(section, dict)
    return section


def _named(names: tuple[str, str] | None, section: str, code: str, language: str) -> str | None:
    """A coded word in the language: the vocabulary's Japanese or English name, else the language's glossary section
    (English when it lacks one); None for a code the vocabulary does not know."""
    if names is None:
        return None
    if language in ("ja", "en"):
        return names[0] if language == "ja" else names[1]
    return _section(language, section).get(code) or names[1]


def status_name(code: str | None, language: str) -> str:
    """The status of residence in the language (ja/en: the vocabulary's names); an unknown code as it is."""
    if not code:
        return ""
    return _named(STATUSES_OF_RESIDENCE.get(code), "statuses", code, language) or code


def document_kind_name(code: str, language: str) -> str:
    return _named(DOCUMENT_KINDS.get(code), "document_kinds", code, language) or code


def refusal_reason_name(code: str, language: str) -> str | None:
    """A ground of refusal (vocabulary.REFUSAL_REASONS) in the language; None for a code not in the vocabulary (an
    older decision's free code: never shown as a bare code)."""
    return _named(REFUSAL_REASONS.get(code), "refusal_reasons", code, language)


def industry_name(code: str, language: str) -> str:
    """A major group of the Japan Standard Industrial Classification (A-T) in the language."""
    return _named(INDUSTRIES.get(code), "industries", code, language) or code


def period_name(code: str | None, language: str) -> str:
    """A period of stay code (P3Y, P1Y3M, P90D, indefinite) in words; an unknown value as it is (older
    decisions carried free text)."""
    if not code:
        return ""
    words = _section(language, "periods")
    if code == "indefinite":
        return words["indefinite"]
    try:
        parts = period_parts(code)
    except ValueError:
        return code
    out = [
        words[f"{unit}_{'one' if n == 1 else 'other'}"].format(n=n)
        for n, unit in zip(parts, ("year", "month", "day"), strict=True)
        if n
    ]
    return words["join"].join(out)

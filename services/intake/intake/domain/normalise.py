"""Input normalisation: full-width and half-width input is accepted and normalised, never refused.

NFKC folds full-width digits and Latin letters (２０２６, ＡＢ) and half-width katakana (ｶﾀｶﾅ) to
their usual forms. Hyphen look-alikes (ー － ‐ ― −) in numbers become "-".
"""

from __future__ import annotations

import re
import unicodedata

_DASHES = re.compile("[\u2010-\u2015\u2212\u30fc\uff0d\uff70]")
_SPACES = re.compile(r"\s+")


def nfkc(value: str | None) -> str:
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value))


def text(value: str | None) -> str:
    """A one-line text field: NFKC, whitespace collapsed, trimmed."""
    return _SPACES.sub(" ", nfkc(value)).strip()


def multiline(value: str | None) -> str:
    lines = [line.rstrip() for line in nfkc(value).replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip()


def code(value: str | None) -> str:
    """Identifiers (passport, card number): NFKC, no spaces or hyphens, upper case."""
    return re.sub(r"[\s-]", "", _DASHES.sub("-", nfkc(value))).upper()


def digits(value: str | None) -> str:
    """Numbers typed with separators (1,000 / ¥ / 円 / spaces / hyphens) reduced to their digits."""
    return re.sub(r"[\s,¥円\-]", "", _DASHES.sub("-", nfkc(value)))


def phone(value: str | None) -> str:
    """Phone numbers keep their hyphens (as Japanese numbers are written) but no spaces or parentheses."""
    v = _DASHES.sub("-", nfkc(value))
    return re.sub(r"[\s()]", "", v).strip("-")


def reference(value: str | None) -> str:
    """Reference numbers (receipt, provisional): NFKC, upper case, dash look-alikes as "-", no spaces."""
    return re.sub(r"\s", "", _DASHES.sub("-", nfkc(value))).upper()

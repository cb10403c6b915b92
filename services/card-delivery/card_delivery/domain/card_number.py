"""Residence card numbers (two Latin letters, eight digits, two Latin letters: AB12345678CD) and the validity date
printed beside them, as a person types them."""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Callable
from datetime import date

CARD_NUMBER = re.compile(r"^[A-Z]{2}[0-9]{8}[A-Z]{2}$")


def normalise(raw: str) -> str:
    """What a person or a scanner typed, in the stored form (upper case, no spaces or hyphens)."""
    import unicodedata

    text = unicodedata.normalize("NFKC", raw or "")
    return re.sub(r"[\s\-]", "", text).upper()


def is_card_number(value: str) -> bool:
    return bool(CARD_NUMBER.match(value or ""))


def random_card_number(choice: Callable[[str], str] = secrets.choice) -> str:
    """A new number drawn at random (not sequential: a number must not reveal issue order or volume).

    Uniqueness is not decided here but by the card registry's unique index (see adapters.cards).
    """
    letters, digits = string.ascii_uppercase, string.digits
    return (
        "".join(choice(letters) for _ in range(2))
        + "".join(choice(digits) for _ in range(8))
        + "".join(choice(letters) for _ in range(2))
    )


PRINTED_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def printed_date(raw: str | None) -> date | None:
    """The validity date as typed from the card's front ("このカードは 2031年05月20日まで有効です") or sent by a date
    field (2031-05-20): year, month and day with -, /, . or 年月日 between, full-width digits too; None when it is
    not such a date."""
    import unicodedata

    found = PRINTED_DATE.match(unicodedata.normalize("NFKC", raw or "").strip())
    if found is None:
        return None
    try:
        return date(*(int(part) for part in found.groups()))
    except ValueError:
        return None

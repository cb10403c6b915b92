"""Dates, times, money and numbers as each language writes them (Babel's CLDR data)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal

JAPAN = ZoneInfo("Asia/Tokyo")  # deadlines and office hours are Japanese time, wherever the reader is

# Our language codes (contracts.LANGUAGES) onto CLDR locales. Tagalog is CLDR's Filipino ("fil").
# English is British English: "5 March 2026" cannot be misread as 3 May.
LOCALES = {
    "ja": "ja_JP",
    "en": "en_GB",
    "vi": "vi_VN",
    "zh_Hans": "zh_Hans_CN",
    "ko": "ko_KR",
    "pt_BR": "pt_BR",
    "tl": "fil_PH",
    "ne": "ne_NP",
}


@cache
def locale_for(language: str) -> Locale:
    """CLDR's locale for the language, made once per process: given a locale's name, Babel parses it again on every
    call (7% of the instructions rendering a notice, issue 24)."""
    return Locale.parse(LOCALES[language])


def long_date(value: date | datetime, language: str) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(JAPAN).date()
    return format_date(value, format="long", locale=locale_for(language))


def date_time(value: datetime, language: str) -> str:
    """A moment in Japan time, labelled as such."""
    local = value.astimezone(JAPAN)
    clock = format_time(local, format="short", locale=locale_for(language), tzinfo=JAPAN)
    return f"{long_date(local, language)} {clock} (JST)"


def yen(amount: int, language: str) -> str:
    return format_currency(amount, "JPY", locale=locale_for(language))


def number(value: int, language: str) -> str:
    return format_decimal(value, locale=locale_for(language))


_SPACES = re.compile(r"\s+")


def addressee_name(registered: str | None) -> str | None:
    """The name a mail or notice greets the person by: their registered name (the signature certificate's, written
    full-width as the resident register writes it: ＮＧＵＹＥＮ　ＶＡＮ　ＡＮ) in the width people read (NFKC: NGUYEN VAN
    AN; kanji and katakana are unchanged, half-width katakana made full), one space between its parts. Found
    2026-12-07 (session 20): a Vietnamese applicant's notices greeted "Kính gửi ＮＧＵＹＥＮ　ＶＡＮ　ＡＮ". Official
    documents keep the registered form."""
    if not registered:
        return None
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", registered)).strip() or None

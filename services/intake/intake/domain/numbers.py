"""Provisional numbers: given at once on submission, before the bureau's official receipt number.

Format ``P-YYYYMMDD-NNNNNNN-C``: submission date (JST), seven random digits, and a check digit
(ISO 7064 mod 11-10, as used for many public identifiers) so a mistyped number is caught.
"""

from __future__ import annotations

import re
import secrets
from datetime import date

PATTERN = re.compile(r"^P-(\d{8})-(\d{7})-(\d)$")


def check_digit(digits: str) -> int:
    product = 10
    for ch in digits:
        s = (int(ch) + product) % 10 or 10
        product = (2 * s) % 11
    return (11 - product) % 10


def provisional_number(day: date, random_digits: str | None = None) -> str:
    body = random_digits if random_digits is not None else f"{secrets.randbelow(10**7):07d}"
    stem = day.strftime("%Y%m%d") + body
    return f"P-{day:%Y%m%d}-{body}-{check_digit(stem)}"


def is_valid(number: str) -> bool:
    m = PATTERN.match(number or "")
    return m is not None and check_digit(m.group(1) + m.group(2)) == int(m.group(3))

"""Official receipt numbers: the online receiving office's prefix, year, serial within that office and year
(東オン-2026-000123, 横オン-2026-000001).

Online applications are received at eleven offices, each named by the prefix ISA prints on its receipt
numbers (札オン 仙オン 東オン 横オン 名オン 阪オン 神オン 広オン 高オン 福オン 那オン: residence-procedures.md,
"Who decides"); the receiving office is intake's routing decision (application.submitted v2 ``routing``).
Numbers issued before (TKY-2026-000123: a bureau's code) still parse, as the bureau's own receiving office.
"""

from __future__ import annotations

import re

from zairyu_shared.events.vocabulary import RECEIVING_OFFICE_BY_PREFIX, RECEIVING_OFFICES

from .bureaus import BUREAUS

_PATTERN = re.compile(r"^(?P<code>[A-Z]{3}|\w{1}オン)-(?P<year>\d{4})-(?P<serial>\d{6,})$")


def receipt_number(receiving_office: str, year: int, serial: int) -> str:
    if serial < 1:
        raise ValueError("serials start at 1")
    if not 2000 <= year <= 9999:
        raise ValueError("year out of range")
    if receiving_office not in RECEIVING_OFFICES:
        raise ValueError(f"unknown receiving office {receiving_office!r}")
    return f"{RECEIVING_OFFICES[receiving_office][0]}-{year}-{serial:06d}"


def bureau_of(receiving_office: str) -> str:
    """The regional bureau a receiving office belongs to (Yokohama: Tokyo; Kobe: Osaka; Naha: Fukuoka)."""
    return RECEIVING_OFFICES[receiving_office][1]


def parse_receipt_number(text: str) -> tuple[str, int, int]:
    """(receiving office, year, serial)."""
    match = _PATTERN.match(text)
    if not match:
        raise ValueError(f"not a receipt number: {text!r}")
    code = match["code"]
    legacy = {b.code: b.key for b in BUREAUS.values()}
    key = RECEIVING_OFFICE_BY_PREFIX.get(code) or legacy.get(code)
    if key is None:
        raise ValueError(f"unknown receiving office in {text!r}")
    return key, int(match["year"]), int(match["serial"])

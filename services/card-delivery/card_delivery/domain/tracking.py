"""Tracking numbers of simple registered mail (簡易書留), as typed or scanned.

Japan Post prints them as 11–13 digits, often grouped with hyphens (1234-5678-9012); the barcode
is Codabar, and some scanners pass its start/stop characters (A–D) through.
"""

from __future__ import annotations

import re
import unicodedata

_DIGITS = re.compile(r"^[0-9]{11,13}$")


def normalise_tracking(raw: str) -> str | None:
    value = unicodedata.normalize("NFKC", raw or "").strip().upper()
    value = re.sub(r"[\s\-]", "", value)
    if len(value) >= 2 and value[0] in "ABCD" and value[-1] in "ABCD":
        value = value[1:-1]
    return value if _DIGITS.match(value) else None

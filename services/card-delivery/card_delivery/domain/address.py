"""The address rule: the card is mailed to the registered address only when the signature
certificate (JPKI, i.e. the resident register) agrees with it.

Both come from people typing Japanese addresses, so the comparison ignores what does not change
where a letter goes: width (NFKC), spaces, case, and the many dash look-alikes between numbers.
"""

from __future__ import annotations

import re
import unicodedata

# Dash look-alikes seen in Japanese addresses (after NFKC): hyphen, minus, en/em dash, bar, the
# katakana prolonged sound mark (ー, used as a dash in 1ー2ー3) and the fullwidth/halfwidth forms.
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff70\u2500\u2501\ufe63\uff0d"
_DASH_BETWEEN_DIGITS = re.compile(r"(?<=[0-9])[" + re.escape(_DASHES) + r"-](?=[0-9])")


def normalise_address(text: str) -> str:
    value = unicodedata.normalize("NFKC", text or "")
    value = _DASH_BETWEEN_DIGITS.sub("-", value)
    value = re.sub(r"\s+", "", value)
    return value.casefold()


def addresses_match(registered: str, certificate: str) -> bool:
    return normalise_address(registered) == normalise_address(certificate)


def mismatch_detail(registered: str, certificate: str) -> str:
    """Officer-facing explanation without the addresses themselves (events stay lean on personal data)."""
    a, b = normalise_address(registered), normalise_address(certificate)
    common = 0
    for x, y in zip(a, b):
        if x != y:
            break
        common += 1
    return (
        f"registered mailing address and signature-certificate address differ after normalisation "
        f"(first difference at character {common + 1} of {len(a)} / {len(b)})"
    )

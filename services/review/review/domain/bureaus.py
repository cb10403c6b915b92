"""The eight regional immigration bureaus (offices sit under them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bureau:
    key: str  # as in the event contracts
    code: str  # prefix of receipt numbers
    name_en: str
    name_ja: str


BUREAUS: dict[str, Bureau] = {
    b.key: b
    for b in (
        Bureau("sapporo", "SPR", "Sapporo Regional Immigration Services Bureau", "札幌出入国在留管理局"),
        Bureau("sendai", "SDJ", "Sendai Regional Immigration Services Bureau", "仙台出入国在留管理局"),
        Bureau("tokyo", "TKY", "Tokyo Regional Immigration Services Bureau", "東京出入国在留管理局"),
        Bureau("nagoya", "NGY", "Nagoya Regional Immigration Services Bureau", "名古屋出入国在留管理局"),
        Bureau("osaka", "OSA", "Osaka Regional Immigration Services Bureau", "大阪出入国在留管理局"),
        Bureau("hiroshima", "HIJ", "Hiroshima Regional Immigration Services Bureau", "広島出入国在留管理局"),
        Bureau("takamatsu", "TAK", "Takamatsu Regional Immigration Services Bureau", "高松出入国在留管理局"),
        Bureau("fukuoka", "FUK", "Fukuoka Regional Immigration Services Bureau", "福岡出入国在留管理局"),
    )
}


def bureau(key: str) -> Bureau:
    try:
        return BUREAUS[key]
    except KeyError:
        raise ValueError(f"unknown bureau {key!r}") from None

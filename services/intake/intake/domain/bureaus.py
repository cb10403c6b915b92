"""Routing: the applicant's registered address -> prefecture -> regional immigration bureau."""
from __future__ import annotations

import re

from .normalise import nfkc

# (romanised, Japanese) per prefecture, grouped by the bureau that covers it.
BUREAU_PREFECTURES: dict[str, tuple[tuple[str, str], ...]] = {
    "sapporo": (("Hokkaido", "北海道"),),
    "sendai": (("Aomori", "青森県"), ("Iwate", "岩手県"), ("Miyagi", "宮城県"), ("Akita", "秋田県"),
               ("Yamagata", "山形県"), ("Fukushima", "福島県")),
    "tokyo": (("Ibaraki", "茨城県"), ("Tochigi", "栃木県"), ("Gunma", "群馬県"), ("Saitama", "埼玉県"),
              ("Chiba", "千葉県"), ("Tokyo", "東京都"), ("Kanagawa", "神奈川県"), ("Niigata", "新潟県"),
              ("Yamanashi", "山梨県"), ("Nagano", "長野県")),
    "nagoya": (("Toyama", "富山県"), ("Ishikawa", "石川県"), ("Fukui", "福井県"), ("Gifu", "岐阜県"),
               ("Shizuoka", "静岡県"), ("Aichi", "愛知県"), ("Mie", "三重県")),
    "osaka": (("Shiga", "滋賀県"), ("Kyoto", "京都府"), ("Osaka", "大阪府"), ("Hyogo", "兵庫県"),
              ("Nara", "奈良県"), ("Wakayama", "和歌山県")),
    "hiroshima": (("Tottori", "鳥取県"), ("Shimane", "島根県"), ("Okayama", "岡山県"), ("Hiroshima", "広島県"),
                  ("Yamaguchi", "山口県")),
    "takamatsu": (("Tokushima", "徳島県"), ("Kagawa", "香川県"), ("Ehime", "愛媛県"), ("Kochi", "高知県")),
    "fukuoka": (("Fukuoka", "福岡県"), ("Saga", "佐賀県"), ("Nagasaki", "長崎県"), ("Kumamoto", "熊本県"),
                ("Oita", "大分県"), ("Miyazaki", "宮崎県"), ("Kagoshima", "鹿児島県"), ("Okinawa", "沖縄県")),
}
PREFECTURE_TO_BUREAU = {rom: bureau for bureau, prefs in BUREAU_PREFECTURES.items() for rom, _ in prefs}
_JA_TO_ROMAN = {ja: rom for prefs in BUREAU_PREFECTURES.values() for rom, ja in prefs}
# Romanised names also appear as "Hyōgo", "Kōchi", "Ōita", "Tokyo-to"; compare without macrons.
_MACRONS = str.maketrans("ōŌūŪ", "oOuU")
_ROMAN_RE = re.compile(r"\b(" + "|".join(sorted(PREFECTURE_TO_BUREAU, key=len, reverse=True)) + r")(?:[- ](?:to|fu|ken|do|prefecture))?\b",
                       re.IGNORECASE)
_JA_RE = re.compile("|".join(sorted(_JA_TO_ROMAN, key=len, reverse=True)))


def prefecture_of(address: str) -> str | None:
    """The (romanised) prefecture an address names, or None. Japanese names are matched first."""
    text = nfkc(address)
    found = _JA_RE.search(text)
    if found:
        return _JA_TO_ROMAN[found.group(0)]
    # Without the suffix, Japanese-script addresses still often start with the bare name (東京 渋谷区).
    for ja, rom in _JA_TO_ROMAN.items():
        if text.startswith(ja.rstrip("都府県") if ja != "北海道" else ja):
            return rom
    found = _ROMAN_RE.search(text.translate(_MACRONS))
    if found:
        name = found.group(1).lower()
        return next(p for p in PREFECTURE_TO_BUREAU if p.lower() == name)
    return None


def bureau_for_address(address: str) -> str | None:
    prefecture = prefecture_of(address)
    return PREFECTURE_TO_BUREAU.get(prefecture) if prefecture else None

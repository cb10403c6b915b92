"""Japan's 47 prefectures, and which one an address names (for routing a case to an office)."""
from __future__ import annotations

import re
import unicodedata

# romanised -> Japanese, in the official order (JIS X 0401).
PREFECTURES: dict[str, str] = {
    "Hokkaido": "北海道", "Aomori": "青森県", "Iwate": "岩手県", "Miyagi": "宮城県", "Akita": "秋田県",
    "Yamagata": "山形県", "Fukushima": "福島県", "Ibaraki": "茨城県", "Tochigi": "栃木県", "Gunma": "群馬県",
    "Saitama": "埼玉県", "Chiba": "千葉県", "Tokyo": "東京都", "Kanagawa": "神奈川県", "Niigata": "新潟県",
    "Toyama": "富山県", "Ishikawa": "石川県", "Fukui": "福井県", "Yamanashi": "山梨県", "Nagano": "長野県",
    "Gifu": "岐阜県", "Shizuoka": "静岡県", "Aichi": "愛知県", "Mie": "三重県", "Shiga": "滋賀県",
    "Kyoto": "京都府", "Osaka": "大阪府", "Hyogo": "兵庫県", "Nara": "奈良県", "Wakayama": "和歌山県",
    "Tottori": "鳥取県", "Shimane": "島根県", "Okayama": "岡山県", "Hiroshima": "広島県", "Yamaguchi": "山口県",
    "Tokushima": "徳島県", "Kagawa": "香川県", "Ehime": "愛媛県", "Kochi": "高知県", "Fukuoka": "福岡県",
    "Saga": "佐賀県", "Nagasaki": "長崎県", "Kumamoto": "熊本県", "Oita": "大分県", "Miyazaki": "宮崎県",
    "Kagoshima": "鹿児島県", "Okinawa": "沖縄県",
}
_JA_TO_ROMAN = {ja: rom for rom, ja in PREFECTURES.items()}
_JA_RE = re.compile("|".join(sorted(_JA_TO_ROMAN, key=len, reverse=True)))
# Romanised addresses also write "Hyōgo", "Tokyo-to", "Osaka-fu": compare without macrons, suffix optional.
_MACRONS = str.maketrans("ōŌūŪ", "oOuU")
_ROMAN_RE = re.compile(r"\b(" + "|".join(sorted(PREFECTURES, key=len, reverse=True)) + r")(?:[- ](?:to|fu|ken|do))?\b",
                       re.IGNORECASE)


def prefecture_of(address: str | None) -> str | None:
    """The romanised prefecture an address names, or None. Japanese script is matched first (an address
    in Japanese starts with its prefecture: 大阪府大阪市福島区 is Osaka, not Fukushima)."""
    if not address or not isinstance(address, str):
        return None
    text = unicodedata.normalize("NFKC", address).strip()
    found = _JA_RE.match(text) or _JA_RE.search(text)
    if found:
        return _JA_TO_ROMAN[found.group(0)]
    # Romanised addresses run from the street up, so the prefecture is the last name (Fukushima-ku, Osaka).
    found = _ROMAN_RE.findall(text.translate(_MACRONS))
    if found:
        name = found[-1].lower()
        return next(p for p in PREFECTURES if p.lower() == name)
    return None

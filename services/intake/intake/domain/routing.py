"""Routing: which address decides, its prefecture, the regional bureau, the online receiving office
(whose prefix the receipt number carries) and the district or branch office that examines the case.

One source for every service: intake decides here and ``application.submitted`` carries the decision
(``routing``); review takes it from the event and never routes on its own.

Rules and sources:
- Extension, change, acquisition, employment certificate: the applicant's registered address; a COE:
  the receiving organisation's (所属機関: employer, school...) or inviting relative's location, never the
  filer's or a licensed agent's own office (residence-procedures.md, "Who decides").
- Prefecture -> regional bureau: residence-procedures.md, "Regional bureaus and the prefectures they cover".
- Online applications are received at eleven offices named by the receipt prefix: 札オン 仙オン 東オン 横オン
  名オン 阪オン 神オン 広オン 高オン 福オン 那オン (residence-procedures.md, "Who decides"). The three
  district offices among them receive for the prefecture they cover (Yokohama: Kanagawa; Kobe: Hyogo;
  Naha: Okinawa), the bureau for the rest of its area.
- A receiving office may pass a case to a branch office for examination: OFFICE_BY_PREFECTURE is the
  office taking residence applications from a prefecture's addresses (the agency's list of regional
  offices, 地方出入国在留管理官署, as reproduced in practitioners' guides; a prefecture with several offices
  or none confirmed stays with its bureau). Codes are the contract's (zairyu_shared.events.vocabulary.OFFICES).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zairyu_shared.events.vocabulary import OFFICES, RECEIVING_OFFICES

from .normalise import nfkc

# (romanised, Japanese) per prefecture, grouped by the bureau that covers it.
BUREAU_PREFECTURES: dict[str, tuple[tuple[str, str], ...]] = {
    "sapporo": (("Hokkaido", "北海道"),),
    "sendai": (
        ("Aomori", "青森県"),
        ("Iwate", "岩手県"),
        ("Miyagi", "宮城県"),
        ("Akita", "秋田県"),
        ("Yamagata", "山形県"),
        ("Fukushima", "福島県"),
    ),
    "tokyo": (
        ("Ibaraki", "茨城県"),
        ("Tochigi", "栃木県"),
        ("Gunma", "群馬県"),
        ("Saitama", "埼玉県"),
        ("Chiba", "千葉県"),
        ("Tokyo", "東京都"),
        ("Kanagawa", "神奈川県"),
        ("Niigata", "新潟県"),
        ("Yamanashi", "山梨県"),
        ("Nagano", "長野県"),
    ),
    "nagoya": (
        ("Toyama", "富山県"),
        ("Ishikawa", "石川県"),
        ("Fukui", "福井県"),
        ("Gifu", "岐阜県"),
        ("Shizuoka", "静岡県"),
        ("Aichi", "愛知県"),
        ("Mie", "三重県"),
    ),
    "osaka": (
        ("Shiga", "滋賀県"),
        ("Kyoto", "京都府"),
        ("Osaka", "大阪府"),
        ("Hyogo", "兵庫県"),
        ("Nara", "奈良県"),
        ("Wakayama", "和歌山県"),
    ),
    "hiroshima": (
        ("Tottori", "鳥取県"),
        ("Shimane", "島根県"),
        ("Okayama", "岡山県"),
        ("Hiroshima", "広島県"),
        ("Yamaguchi", "山口県"),
    ),
    "takamatsu": (("Tokushima", "徳島県"), ("Kagawa", "香川県"), ("Ehime", "愛媛県"), ("Kochi", "高知県")),
    "fukuoka": (
        ("Fukuoka", "福岡県"),
        ("Saga", "佐賀県"),
        ("Nagasaki", "長崎県"),
        ("Kumamoto", "熊本県"),
        ("Oita", "大分県"),
        ("Miyazaki", "宮崎県"),
        ("Kagoshima", "鹿児島県"),
        ("Okinawa", "沖縄県"),
    ),
}
PREFECTURE_TO_BUREAU = {rom: bureau for bureau, prefs in BUREAU_PREFECTURES.items() for rom, _ in prefs}
_JA_TO_ROMAN = {ja: rom for prefs in BUREAU_PREFECTURES.values() for rom, ja in prefs}

# The district offices that receive online for one prefecture; every other prefecture: its bureau's office.
RECEIVING_BY_PREFECTURE = {"Kanagawa": "yokohama", "Hyogo": "kobe", "Okinawa": "naha"}

# The office examining residence applications from a prefecture's addresses (see the module docstring).
OFFICE_BY_PREFECTURE: dict[str, str] = {
    "Kanagawa": "yokohama",
    "Hyogo": "kobe",
    "Okinawa": "naha",
    "Aomori": "aomori",
    "Iwate": "morioka",
    "Akita": "akita",
    "Fukushima": "koriyama",
    "Ibaraki": "mito",
    "Tochigi": "utsunomiya",
    "Gunma": "takasaki",
    "Saitama": "saitama",
    "Chiba": "chiba",
    "Niigata": "niigata",
    "Yamanashi": "kofu",
    "Nagano": "nagano",
    "Toyama": "toyama",
    "Ishikawa": "kanazawa",
    "Fukui": "fukui",
    "Gifu": "gifu",
    "Shizuoka": "shizuoka",
    "Shiga": "otsu",
    "Kyoto": "kyoto",
    "Nara": "nara",
    "Wakayama": "wakayama",
    "Tottori": "sakaiminato",
    "Shimane": "matsue",
    "Okayama": "okayama",
    "Ehime": "matsuyama",
    "Kochi": "kochi",
    "Saga": "saga",
    "Nagasaki": "nagasaki",
    "Kumamoto": "kumamoto",
    "Oita": "oita",
    "Miyazaki": "miyazaki",
    "Kagoshima": "kagoshima",
}

# Japanese script: the full name anywhere (an address in Japanese starts with its prefecture, so the
# earliest one wins: 大阪府大阪市福島区 is Osaka). Without its suffix (東京 渋谷区, 京都市...), the bare name
# only at the start, and never a ward's name (福島区 is in Osaka): the suffix is removed as one
# character, so 京都府 leaves 京都, never 京.
_JA_RE = re.compile("|".join(sorted(_JA_TO_ROMAN, key=len, reverse=True)))
_JA_BARE = {(ja if ja == "北海道" else ja[:-1]): rom for ja, rom in _JA_TO_ROMAN.items()}
_JA_BARE_RE = re.compile("^(" + "|".join(sorted(_JA_BARE, key=len, reverse=True)) + ")(?!区)")
# Romanised addresses run from the street up: whole words only, never a ward's name ("Nagasaki" in
# Toshima-ku is a district, "Fukushima-ku" is in Osaka). A name with a prefecture suffix (Tokyo-to,
# Osaka-fu, Hyogo-ken, Hokkaido) wins; else the last one.
_MACRONS = str.maketrans("ōŌūŪ", "oOuU")
_ROMAN_RE = re.compile(
    r"\b(" + "|".join(sorted(PREFECTURE_TO_BUREAU, key=len, reverse=True)) + r")\b"
    r"(?P<suffix>[- ](?:to|fu|ken|do|prefecture)\b)?(?P<ward>[- ]?(?:ku|ward)\b)?",
    re.IGNORECASE,
)


def prefecture_of(address: str | None) -> str | None:
    """The (romanised) prefecture an address names, or None."""
    if not address:
        return None
    text = nfkc(address).strip()
    found = _JA_RE.search(text)
    if found:
        return _JA_TO_ROMAN[found.group(0)]
    bare = _JA_BARE_RE.match(text)
    if bare:
        return _JA_BARE[bare.group(1)]
    names = [m for m in _ROMAN_RE.finditer(text.translate(_MACRONS)) if not m.group("ward")]
    if not names:
        return None
    chosen = next((m for m in names if m.group("suffix")), names[-1])
    name = chosen.group(1).lower()
    return next(p for p in PREFECTURE_TO_BUREAU if p.lower() == name)


def bureau_for_address(address: str | None) -> str | None:
    prefecture = prefecture_of(address)
    return PREFECTURE_TO_BUREAU.get(prefecture) if prefecture else None


@dataclass(frozen=True)
class Route:
    prefecture: str
    bureau: str
    receiving_office: str  # key of RECEIVING_OFFICES (its receipt prefix: 東オン, 横オン...)
    office: str | None  # district or branch office examining it; None: the regional bureau itself

    @property
    def receipt_prefix(self) -> str:
        return RECEIVING_OFFICES[self.receiving_office][0]

    def as_event(self) -> dict[str, str | None]:
        return {"prefecture": self.prefecture, "receiving_office": self.receiving_office, "office": self.office}


def route_prefecture(prefecture: str) -> Route:
    bureau = PREFECTURE_TO_BUREAU[prefecture]
    receiving = RECEIVING_BY_PREFECTURE.get(prefecture, bureau)
    return Route(prefecture, bureau, receiving, OFFICE_BY_PREFECTURE.get(prefecture))


def route_address(address: str | None) -> Route | None:
    prefecture = prefecture_of(address)
    return route_prefecture(prefecture) if prefecture else None


# The COE's deciding address: the receiving organisation's (employer section) where the form has one,
# else the address the filer gives for the receiving organisation or inviting relative (inviter section).
COE_ADDRESS_FIELDS = ("employer_address", "inviter_address")


def routing_field(procedure: str, role: str | None, sections: tuple[str, ...] | list[str] = ()) -> str:
    """The form field whose address decides (for an error pointing at it)."""
    if procedure == "coe":
        return "employer_address" if "employer" in sections else "inviter_address"
    return "applicant_address" if (role or "self") != "self" else "address"


def routing_address(
    procedure: str,
    role: str | None,
    account_address: str | None,
    values: Mapping[str, Any],
    sections: tuple[str, ...] | list[str] = (),
) -> str | None:
    """The address whose prefecture decides (see the module docstring)."""
    where = routing_field(procedure, role, sections)
    if where == "address":
        return account_address
    found = values.get(where)
    return found if isinstance(found, str) else None


def _check_tables() -> None:
    for prefecture, code in OFFICE_BY_PREFECTURE.items():
        if OFFICES[code][1] != PREFECTURE_TO_BUREAU[prefecture]:  # an office belongs to the prefecture's bureau
            raise ValueError(f"{code} is not under the bureau of {prefecture}")
    for key, (_prefix, bureau, _ja) in RECEIVING_OFFICES.items():
        if bureau not in BUREAU_PREFECTURES:
            raise ValueError(f"receiving office {key} under unknown bureau {bureau}")


_check_tables()

"""District and branch offices under the regional bureaus, routing at receipt, and hand-over.

The table: the agency has 7 district offices (支局) and 61 branch offices (出張所). The district
offices are all here. Of the branch offices we ship one per prefecture whose own office we know
reliably (source: the agency's list of regional offices, 地方出入国在留管理官署, as reproduced in
practitioners' guides to each bureau; confirm against the agency's current list before production).
Where a prefecture has several offices (Yamaguchi: Shimonoseki and Shunan) or we could not confirm
which one takes residence applications (Yamagata, Mie, Tokushima), the prefecture stays with its
regional bureau, which may hand cases on. This is reference data that operations extend (add an
Office here with the prefectures it takes by address); never guess an office.

Routing is by prefecture only; an office whose area is part of a prefecture (Tachikawa, Kawasaki,
Hamamatsu...) is not modelled yet. Airport district offices take no residence applications by
address: they exist so their officers can be scoped.
"""
from __future__ import annotations

from dataclasses import dataclass

from .bureaus import BUREAUS
from .prefectures import PREFECTURES, prefecture_of

DISTRICT, BRANCH = "district", "branch"


@dataclass(frozen=True)
class Office:
    code: str  # stable key, also in events (application.received/transferred "office")
    kind: str  # district | branch
    bureau: str
    name_ja: str
    name_en: str
    prefectures: tuple[str, ...] = ()  # romanised; residence applications from there go to this office

    def __post_init__(self):
        if self.kind not in (DISTRICT, BRANCH):
            raise ValueError(f"unknown office kind {self.kind!r}")
        if self.bureau not in BUREAUS:
            raise ValueError(f"unknown bureau {self.bureau!r}")
        unknown = [p for p in self.prefectures if p not in PREFECTURES]
        if unknown:
            raise ValueError(f"unknown prefectures {unknown}")

    @property
    def label(self) -> str:
        return f"{self.name_ja} ({self.name_en})"


def _d(code, bureau, ja, en, *prefs):
    return Office(code, DISTRICT, bureau, ja, f"{en} District Immigration Office", tuple(prefs))


def _b(code, bureau, ja, en, *prefs):
    return Office(code, BRANCH, bureau, ja, f"{en} Branch Office", tuple(prefs))


OFFICES: dict[str, Office] = {o.code: o for o in (
    # district offices (支局)
    _d("narita_airport", "tokyo", "成田空港支局", "Narita Airport"),
    _d("haneda_airport", "tokyo", "羽田空港支局", "Haneda Airport"),
    _d("yokohama", "tokyo", "横浜支局", "Yokohama", "Kanagawa"),
    _d("chubu_airport", "nagoya", "中部空港支局", "Chubu Airport"),
    _d("kansai_airport", "osaka", "関西空港支局", "Kansai Airport"),
    _d("kobe", "osaka", "神戸支局", "Kobe", "Hyogo"),
    _d("naha", "fukuoka", "那覇支局", "Naha", "Okinawa"),
    # branch offices (出張所), the prefecture's own
    _b("aomori", "sendai", "青森出張所", "Aomori", "Aomori"),
    _b("morioka", "sendai", "盛岡出張所", "Morioka", "Iwate"),
    _b("akita", "sendai", "秋田出張所", "Akita", "Akita"),
    _b("koriyama", "sendai", "郡山出張所", "Koriyama", "Fukushima"),
    _b("mito", "tokyo", "水戸出張所", "Mito", "Ibaraki"),
    _b("utsunomiya", "tokyo", "宇都宮出張所", "Utsunomiya", "Tochigi"),
    _b("takasaki", "tokyo", "高崎出張所", "Takasaki", "Gunma"),
    _b("saitama", "tokyo", "さいたま出張所", "Saitama", "Saitama"),
    _b("chiba", "tokyo", "千葉出張所", "Chiba", "Chiba"),
    _b("niigata", "tokyo", "新潟出張所", "Niigata", "Niigata"),
    _b("kofu", "tokyo", "甲府出張所", "Kofu", "Yamanashi"),
    _b("nagano", "tokyo", "長野出張所", "Nagano", "Nagano"),
    _b("toyama", "nagoya", "富山出張所", "Toyama", "Toyama"),
    _b("kanazawa", "nagoya", "金沢出張所", "Kanazawa", "Ishikawa"),
    _b("fukui", "nagoya", "福井出張所", "Fukui", "Fukui"),
    _b("gifu", "nagoya", "岐阜出張所", "Gifu", "Gifu"),
    _b("shizuoka", "nagoya", "静岡出張所", "Shizuoka", "Shizuoka"),
    _b("otsu", "osaka", "大津出張所", "Otsu", "Shiga"),
    _b("kyoto", "osaka", "京都出張所", "Kyoto", "Kyoto"),
    _b("nara", "osaka", "奈良出張所", "Nara", "Nara"),
    _b("wakayama", "osaka", "和歌山出張所", "Wakayama", "Wakayama"),
    _b("sakaiminato", "hiroshima", "境港出張所", "Sakaiminato", "Tottori"),
    _b("matsue", "hiroshima", "松江出張所", "Matsue", "Shimane"),
    _b("okayama", "hiroshima", "岡山出張所", "Okayama", "Okayama"),
    _b("matsuyama", "takamatsu", "松山出張所", "Matsuyama", "Ehime"),
    _b("kochi", "takamatsu", "高知出張所", "Kochi", "Kochi"),
    _b("saga", "fukuoka", "佐賀出張所", "Saga", "Saga"),
    _b("nagasaki", "fukuoka", "長崎出張所", "Nagasaki", "Nagasaki"),
    _b("kumamoto", "fukuoka", "熊本出張所", "Kumamoto", "Kumamoto"),
    _b("oita", "fukuoka", "大分出張所", "Oita", "Oita"),
    _b("miyazaki", "fukuoka", "宮崎出張所", "Miyazaki", "Miyazaki"),
    _b("kagoshima", "fukuoka", "鹿児島出張所", "Kagoshima", "Kagoshima"),
)}

_BY_PREFECTURE: dict[str, Office] = {}
for _o in OFFICES.values():
    for _p in _o.prefectures:
        if _p in _BY_PREFECTURE:  # a prefecture goes to one office, or the table is wrong
            raise ValueError(f"{_p} is covered by {_BY_PREFECTURE[_p].code} and {_o.code}")
        _BY_PREFECTURE[_p] = _o


def office(code: str) -> Office:
    try:
        return OFFICES[code]
    except KeyError:
        raise ValueError(f"unknown office {code!r}") from None


def offices_of(bureau: str) -> list[Office]:
    return [o for o in OFFICES.values() if o.bureau == bureau]


def covering_office(bureau: str, prefecture: str | None) -> str | None:
    """The office of ``bureau`` that takes residence applications from ``prefecture`` (None: the bureau)."""
    found = _BY_PREFECTURE.get(prefecture) if prefecture else None
    return found.code if found is not None and found.bureau == bureau else None


class IllegalHandOver(Exception):
    pass


def check_hand_over(bureau: str, current: str | None, target: str | None, is_open: bool) -> None:
    """A bureau hands an open case to one of its own offices, or takes it back (target None)."""
    if not is_open:
        raise IllegalHandOver("a closed case stays where it was decided")
    if target == current:
        raise IllegalHandOver("the case is already there")
    if target is not None and (target not in OFFICES or OFFICES[target].bureau != bureau):
        raise IllegalHandOver(f"{target} is not an office of {bureau}")


def route(bureau: str, address: str | None) -> str | None:
    """The office a case received at ``bureau`` goes to, from the routing address (None: the bureau)."""
    return covering_office(bureau, prefecture_of(address))

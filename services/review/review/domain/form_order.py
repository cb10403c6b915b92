"""The signed form laid out as the official paper form, so the officer reads it in the order they know.

Source: 在留期間更新許可申請書 and 在留資格変更許可申請書 (出入国管理及び難民認定法施行規則 別記第三十号の二様式
and 第三十号様式), "申請人等作成用1": 1 国籍・地域, 2 生年月日, 3 氏名, 4 性別, 5 出生地, 6 配偶者の有無,
7 職業, 8 本国における居住地, 9 住居地 and 電話番号, 10 旅券, 11 現に有する在留資格・在留期間・満了日,
12 在留カード番号, 13 希望する在留資格・在留期間, 14 理由, 15 犯罪を理由とする処分, 16 在日親族及び同居者;
then "申請人等作成用2" / "所属機関等作成用" by status, and 法定代理人・取次者 last. Also
shared/reference/residence-procedures.md, "What the official application form asks".

The table is zairyu_shared.official_form's, the one intake prints copies in (the signed content carries
field names, not their order).
A field neither table knows is shown after the known ones (in a part of its own), never dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from zairyu_shared import official_form as shared_form

IDENTITY, FILER = shared_form.IDENTITY, shared_form.FILER
OTHER = "other"
PARTS = shared_form.PARTS  # the official form's table, shared with intake's printed copies
TYPED_IDENTITY = shared_form.TYPED_IDENTITY


@dataclass(frozen=True)
class Part:
    name: str
    fields: tuple[tuple[str, object], ...]  # (field name as signed, value) in the form's order


def ordered(
    values: Mapping[str, object], *, identity: Mapping[str, object] | None = None, proxy: bool = False
) -> list[Part]:
    """The values in the official form's parts and order. ``identity``: the registered (certificate)
    name, date of birth, sex and address, placed at numbers 2-4 and 9. ``proxy``: organisation_name is
    then the filer's organisation (取次者), not the activity's."""
    merged: dict[str, tuple[str, object]] = {}  # position name -> (name as signed, value)
    for key, value in (identity or {}).items():
        merged[key] = (key, value)
    for key, value in values.items():
        merged[TYPED_IDENTITY.get(key, key)] = (key, value)
    parts: list[Part] = []
    placed: set[str] = set()
    for part, names in PARTS:
        fields: list[tuple[str, object]] = []
        for name in names:
            if name in placed or name not in merged or merged[name][1] in (None, ""):
                continue
            if name == "organisation_name" and part != (FILER if proxy else "activity"):
                continue
            fields.append(merged[name])
            placed.add(name)
        if fields:
            parts.append(Part(part, tuple(fields)))
    rest = tuple(v for k, v in merged.items() if k not in placed and v[1] not in (None, ""))
    if rest:
        parts.append(Part(OTHER, rest))
    return parts

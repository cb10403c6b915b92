"""The order and parts of the official paper form, so that printed copies read like it.

Source: 在留期間更新許可申請書 and 在留資格変更許可申請書 (出入国管理及び難民認定法施行規則 別記第三十号の二様式
and 第三十号様式), "申請人等作成用1": 1 国籍・地域, 2 生年月日, 3 氏名, 4 性別, 5 出生地, 6 配偶者の有無,
7 職業, 8 本国における居住地, 9 住居地 and 電話番号, 10 旅券 (番号, 有効期限), 11 現に有する在留資格,
在留期間, 在留期間の満了日, 12 在留カード番号, 13 希望する在留資格 / 在留期間, 14 更新・変更の理由,
15 犯罪を理由とする処分を受けたことの有無, 16 在日親族及び同居者. Then "申請人等作成用2" and "所属機関等作成用"
by status (employer, school, supporting person, activity), and at the end of the applicant's part the
法定代理人 (legal representative) and ※取次者 (licensed agent, organisation staff) who file for them.
The re-entry permit (再入国許可申請書) and the activity outside status (資格外活動許可申請書) are forms of
their own, filed with it. (The 2024 extension form dropped 出生地; the change form keeps it: we ask it.)
Also residence-procedures.md, "What the official application form asks".

``ordered`` places every value it is given: a field this table does not know yet (one added to the
web form later) is printed after the known ones of its part, never dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from zairyu_shared import official_form as shared_form

# The table itself is shared with review (zairyu_shared.official_form).
IDENTITY, STAY, REQUEST, FILER = shared_form.IDENTITY, shared_form.STAY, shared_form.REQUEST, shared_form.FILER
PARTS = shared_form.PARTS
_TYPED_IDENTITY = shared_form.TYPED_IDENTITY
_PART_OF: dict[str, str] = {}
for _part, _names in PARTS:
    for _name in _names:
        _PART_OF.setdefault(_name, _part)  # organisation_name: the activity part unless a filer gave it
_PART_NAMES = [part for part, _ in PARTS]


@dataclass(frozen=True)
class Part:
    name: str
    fields: tuple[tuple[str, object], ...]  # (field name, value) in the form's order


def ordered(
    values: Mapping[str, object],
    *,
    identity: Mapping[str, object] | None = None,
    proxy: bool = False,
    sections: Mapping[str, Iterable[str]] | None = None,
) -> list[Part]:
    """The values laid out as on the official form: parts in order, fields in order within each.

    ``identity``: name, date_of_birth, sex, address (the certificate's, or the typed applicant's).
    ``proxy``: organisation_name is then the filer's organisation, not the activity's.
    ``sections``: the web form's sections (form.SECTIONS), to place fields this table does not list.
    """
    merged: dict[str, object] = {}
    for key, value in (identity or {}).items():
        merged[key] = value
    for key, value in values.items():
        merged[_TYPED_IDENTITY.get(key, key)] = value
    home: dict[str, str] = {}
    for section, names in (sections or {}).items():
        for name in names:
            home.setdefault(name, section if section in _PART_NAMES else FILER if section == "applicant" else section)
    buckets: dict[str, list[tuple[str, object]]] = {}
    placed: set[str] = set()
    for part, names in PARTS:
        for name in names:
            if name in merged and merged[name] not in (None, "") and _belongs(name, part, proxy):
                buckets.setdefault(part, []).append((name, merged[name]))
                placed.add(name)
    extra_parts: list[str] = []
    for name, value in merged.items():
        if name in placed or value in (None, ""):
            continue
        part = home.get(name) or _PART_OF.get(name) or REQUEST
        if part not in _PART_NAMES and part not in extra_parts:
            extra_parts.append(part)
        buckets.setdefault(part, []).append((name, value))
    return [Part(p, tuple(buckets[p])) for p in _PART_NAMES + extra_parts if p in buckets]


def _belongs(name: str, part: str, proxy: bool) -> bool:
    if name == "organisation_name":
        return part == (FILER if proxy else "activity")
    return True

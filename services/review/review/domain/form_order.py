"""The signed form laid out as the official paper form, so the officer reads it in the order they know.

Source: 在留期間更新許可申請書 and 在留資格変更許可申請書 (出入国管理及び難民認定法施行規則 別記第三十号の二様式
and 第三十号様式), "申請人等作成用1": 1 国籍・地域, 2 生年月日, 3 氏名, 4 性別, 5 出生地, 6 配偶者の有無,
7 職業, 8 本国における居住地, 9 住居地 and 電話番号, 10 旅券, 11 現に有する在留資格・在留期間・満了日,
12 在留カード番号, 13 希望する在留資格・在留期間, 14 理由, 15 犯罪を理由とする処分, 16 在日親族及び同居者;
then "申請人等作成用2" / "所属機関等作成用" by status, and 法定代理人・取次者 last. Also
shared/reference/residence-procedures.md, "What the official application form asks".

A mirror of intake's intake/domain/official_form.py ``PARTS`` (services share no code; the signed
content carries field names, not their order): when intake's table changes, change this one with it.
A field neither table knows is shown after the known ones (in a part of its own), never dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

IDENTITY = "identity"
FILER = "filer"
OTHER = "other"

PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        IDENTITY,
        (
            "nationality",
            "date_of_birth",
            "name",
            "sex",
            "place_of_birth",
            "marital_status",
            "occupation",
            "home_town",
            "address",
            "phone",
            "passport_number",
            "passport_expiry",
        ),
    ),
    ("stay", ("current_status", "period_of_stay", "period_expiry", "card_number")),
    ("event", ("event_kind", "event_date")),
    (
        "request",
        (
            "desired_status",
            "desired_period",
            "reason",
            "criminal_record",
            "criminal_record_detail",
            "family_in_japan",
            "card_receipt",
        ),
    ),
    (
        "employer",
        (
            "employer_name",
            "corporate_number",
            "employer_address",
            "employer_phone",
            "industry",
            "capital_yen",
            "annual_sales_yen",
            "employees",
            "foreign_employees",
            "job_description",
            "contract_from",
            "contract_to",
            "monthly_salary_yen",
        ),
    ),
    ("school", ("school_name", "course", "enrolment_from", "enrolment_to", "weekly_hours", "costs_paid_by")),
    (
        "supporting_person",
        (
            "supporter_name",
            "supporter_relationship",
            "supporter_date_of_birth",
            "supporter_nationality",
            "supporter_status",
            "supporter_card_number",
            "supporter_annual_income_yen",
        ),
    ),
    ("activity", ("organisation_name", "activity_description")),
    ("designated", ("notice_number",)),
    ("invitee", ("invitee_name", "invitee_date_of_birth", "invitee_nationality", "invitee_sex")),
    ("reentry", ("reentry_type", "reentry_reason")),
    ("activity_outside_status", ("outside_activity", "outside_employer", "outside_hours_per_week")),
    (
        FILER,
        (
            "filer_role",
            "filer_name",
            "filer_relationship",
            "applicant_ill",
            "organisation_name",
            "filer_address",
            "filer_corporate_number",
            "agent_qualification",
            "agent_number",
        ),
    ),
)
# A proxy filer types the applicant's identity; on paper it sits at the identity numbers.
TYPED_IDENTITY: dict[str, str] = {
    "applicant_name": "name",
    "applicant_date_of_birth": "date_of_birth",
    "applicant_sex": "sex",
    "applicant_address": "address",
}


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

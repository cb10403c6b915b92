"""The order and parts of the official paper form: intake prints copies in it, review shows officers the signed
form in it. One table for both (services share no code of their own, but this is data the law fixes).

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
"""

from __future__ import annotations

# The applicant's identity: from the signature certificate when they file themself, typed by the
# filer otherwise (applicant_*); printed at the official form's numbers 1-10.
IDENTITY = "identity"
STAY = "stay"
REQUEST = "request"
FILER = "filer"

# (part, field names in the form's order). Status parts follow intake's statuses.py ``sections`` names.
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
    (STAY, ("current_status", "period_of_stay", "period_expiry", "card_number")),
    # 在留資格取得許可申請書: the event that gave rise to the application (birth, loss of nationality).
    ("event", ("event_kind", "event_date")),
    (
        REQUEST,
        (
            "desired_status",
            "desired_period",
            "reason",
            "criminal_record",
            "criminal_record_detail",
            "family_in_japan",
            "card_receipt",
            # 特定在留カード (the card that is also the My Number Card, from 2026-06-14): asked with the card's receipt
            "specified_card",
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
    # 21 法定代理人 / ※取次者: who files for the applicant, last on the applicant's part.
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

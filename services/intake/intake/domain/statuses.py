"""Statuses of residence (在留資格): names, whether online filing is open, and the form sections each needs.

The table follows residence-procedures.md. ``sections`` names the status-dependent parts of the
official form: a worker describes the employer, a student the school, a dependent or spouse the
supporting person, other statuses the activity.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Status:
    code: str
    ja: str
    en: str
    online: bool = True
    sections: tuple[str, ...] = ()
    # Why a status is not online (message key), when it is not.
    excluded_reason: str | None = None
    has_period_of_stay: bool = True
    # Only this filer role may file for the status (None: anyone allowed by filers.py).
    filed_by: str | None = None


_W = ("employer",)
_A = ("activity",)
_S = ("supporting_person",)

STATUSES: tuple[Status, ...] = (
    Status("diplomat", "外交", "Diplomat", online=False, excluded_reason="eligibility.status_excluded"),
    Status("official", "公用", "Official", sections=_A),
    Status("professor", "教授", "Professor", sections=_W),
    Status("artist", "芸術", "Artist", sections=_A),
    Status("religious", "宗教", "Religious Activities", sections=_A),
    Status("journalist", "報道", "Journalist", sections=_W),
    Status("hsp_1a", "高度専門職（1号イ）", "Highly Skilled Professional (i)(a)", sections=_W),
    Status("hsp_1b", "高度専門職（1号ロ）", "Highly Skilled Professional (i)(b)", sections=_W),
    Status("hsp_1c", "高度専門職（1号ハ）", "Highly Skilled Professional (i)(c)", sections=_W),
    Status("hsp_2", "高度専門職（2号）", "Highly Skilled Professional (ii)", sections=_W, has_period_of_stay=False),
    Status("business_manager", "経営・管理", "Business Manager", sections=_W),
    Status("legal_accounting", "法律・会計業務", "Legal / Accounting Services", sections=_W),
    Status("medical", "医療", "Medical Services", sections=_W),
    Status("researcher", "研究", "Researcher", sections=_W),
    Status("instructor", "教育", "Instructor", sections=_W),
    Status("engineer_humanities", "技術・人文知識・国際業務",
           "Engineer / Specialist in Humanities / International Services", sections=_W),
    Status("intra_company", "企業内転勤", "Intra-company Transferee", sections=_W),
    Status("nursing_care", "介護", "Nursing Care", sections=_W),
    Status("entertainer", "興行", "Entertainer", sections=_W),
    Status("skilled_labor", "技能", "Skilled Labor", sections=_W),
    Status("ssw_1", "特定技能（1号）", "Specified Skilled Worker (i)", sections=_W),
    Status("ssw_2", "特定技能（2号）", "Specified Skilled Worker (ii)", sections=_W),
    Status("tit_1a", "技能実習（1号イ）", "Technical Intern Training (i)(a)", sections=_W),
    Status("tit_2a", "技能実習（2号イ）", "Technical Intern Training (ii)(a)", sections=_W),
    Status("tit_3a", "技能実習（3号イ）", "Technical Intern Training (iii)(a)", sections=_W),
    # Type ロ (supervising-organisation type) is filed by the supervising organisation, not the intern
    # (filers.role_problems refuses any other filer).
    Status("tit_1b", "技能実習（1号ロ）", "Technical Intern Training (i)(b)", sections=_W,
           filed_by="supervising_organisation",
           excluded_reason="eligibility.supervising_organisation_only"),
    Status("tit_2b", "技能実習（2号ロ）", "Technical Intern Training (ii)(b)", sections=_W,
           filed_by="supervising_organisation",
           excluded_reason="eligibility.supervising_organisation_only"),
    Status("tit_3b", "技能実習（3号ロ）", "Technical Intern Training (iii)(b)", sections=_W,
           filed_by="supervising_organisation",
           excluded_reason="eligibility.supervising_organisation_only"),
    Status("employment_skill_development", "育成就労", "Employment for Skill Development", sections=_W),
    Status("cultural_activities", "文化活動", "Cultural Activities", sections=_A),
    Status("temporary_visitor", "短期滞在", "Temporary Visitor", online=False, excluded_reason="eligibility.status_excluded"),
    Status("student", "留学", "Student", sections=("school",)),
    Status("trainee", "研修", "Trainee", sections=_W),
    Status("dependent", "家族滞在", "Dependent", sections=_S),
    Status("designated_activities", "特定活動", "Designated Activities", sections=("designated",) + _A),
    Status("designated_departure", "特定活動（出国準備期間）", "Designated Activities (preparation for departure)",
           online=False, excluded_reason="eligibility.status_excluded"),
    # No period of stay to extend; the permanent residence application itself is not online.
    Status("permanent_resident", "永住者", "Permanent Resident", has_period_of_stay=False),
    Status("spouse_japanese", "日本人の配偶者等", "Spouse or Child of Japanese National", sections=_S),
    Status("spouse_pr", "永住者の配偶者等", "Spouse or Child of Permanent Resident", sections=_S),
    Status("long_term_resident", "定住者", "Long-Term Resident", sections=_S),
)

BY_CODE = {s.code: s for s in STATUSES}


def get(code: str | None) -> Status | None:
    return BY_CODE.get(code or "")


def selectable() -> list[Status]:
    """Every status, in the official order: excluded ones are listed too, so the form can explain why."""
    return list(STATUSES)

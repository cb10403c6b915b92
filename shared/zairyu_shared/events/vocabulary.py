"""Words of the event contracts shared by every service: the statuses of residence (在留資格) by the codes
events and signed forms carry, with their official Japanese names and English renderings.

intake offers them in its forms (with its own rules per status); review shows them to officers by name.
"""
from __future__ import annotations

# code -> (official Japanese name, English), in the order of the Immigration Control Act's tables.
STATUSES_OF_RESIDENCE: dict[str, tuple[str, str]] = {
    "diplomat": ("外交", "Diplomat"),
    "official": ("公用", "Official"),
    "professor": ("教授", "Professor"),
    "artist": ("芸術", "Artist"),
    "religious": ("宗教", "Religious Activities"),
    "journalist": ("報道", "Journalist"),
    "hsp_1a": ("高度専門職（1号イ）", "Highly Skilled Professional (i)(a)"),
    "hsp_1b": ("高度専門職（1号ロ）", "Highly Skilled Professional (i)(b)"),
    "hsp_1c": ("高度専門職（1号ハ）", "Highly Skilled Professional (i)(c)"),
    "hsp_2": ("高度専門職（2号）", "Highly Skilled Professional (ii)"),
    "business_manager": ("経営・管理", "Business Manager"),
    "legal_accounting": ("法律・会計業務", "Legal / Accounting Services"),
    "medical": ("医療", "Medical Services"),
    "researcher": ("研究", "Researcher"),
    "instructor": ("教育", "Instructor"),
    "engineer_humanities": ("技術・人文知識・国際業務", "Engineer / Specialist in Humanities / International Services"),
    "intra_company": ("企業内転勤", "Intra-company Transferee"),
    "nursing_care": ("介護", "Nursing Care"),
    "entertainer": ("興行", "Entertainer"),
    "skilled_labor": ("技能", "Skilled Labor"),
    "ssw_1": ("特定技能（1号）", "Specified Skilled Worker (i)"),
    "ssw_2": ("特定技能（2号）", "Specified Skilled Worker (ii)"),
    "tit_1a": ("技能実習（1号イ）", "Technical Intern Training (i)(a)"),
    "tit_2a": ("技能実習（2号イ）", "Technical Intern Training (ii)(a)"),
    "tit_3a": ("技能実習（3号イ）", "Technical Intern Training (iii)(a)"),
    "tit_1b": ("技能実習（1号ロ）", "Technical Intern Training (i)(b)"),
    "tit_2b": ("技能実習（2号ロ）", "Technical Intern Training (ii)(b)"),
    "tit_3b": ("技能実習（3号ロ）", "Technical Intern Training (iii)(b)"),
    "employment_skill_development": ("育成就労", "Employment for Skill Development"),
    "cultural_activities": ("文化活動", "Cultural Activities"),
    "temporary_visitor": ("短期滞在", "Temporary Visitor"),
    "student": ("留学", "Student"),
    "trainee": ("研修", "Trainee"),
    "dependent": ("家族滞在", "Dependent"),
    "designated_activities": ("特定活動", "Designated Activities"),
    "designated_departure": ("特定活動（出国準備期間）", "Designated Activities (preparation for departure)"),
    "permanent_resident": ("永住者", "Permanent Resident"),
    "spouse_japanese": ("日本人の配偶者等", "Spouse or Child of Japanese National"),
    "spouse_pr": ("永住者の配偶者等", "Spouse or Child of Permanent Resident"),
    "long_term_resident": ("定住者", "Long-Term Resident"),
}


def status_name(code: str | None, language: str = "ja") -> str:
    """The status's name in Japanese (or English for ``language="en"``); an unknown code as it is."""
    names = STATUSES_OF_RESIDENCE.get(code or "")
    if names is None:
        return code or ""
    return names[1] if language == "en" else names[0]

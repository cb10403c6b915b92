"""Words of the event contracts shared by every service: the statuses of residence (在留資格) by the codes
events and signed forms carry, with their official Japanese names and English renderings.

intake offers them in its forms (with its own rules per status); review shows them to officers by name.
"""

from __future__ import annotations

import re

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


# Online applications are received at eleven offices, named by the receipt number's prefix
# (residence-procedures.md, "Who decides"): key -> (receipt prefix, regional bureau, Japanese name).
RECEIVING_OFFICES: dict[str, tuple[str, str, str]] = {
    "sapporo": ("札オン", "sapporo", "札幌出入国在留管理局"),
    "sendai": ("仙オン", "sendai", "仙台出入国在留管理局"),
    "tokyo": ("東オン", "tokyo", "東京出入国在留管理局"),
    "yokohama": ("横オン", "tokyo", "横浜支局"),
    "nagoya": ("名オン", "nagoya", "名古屋出入国在留管理局"),
    "osaka": ("阪オン", "osaka", "大阪出入国在留管理局"),
    "kobe": ("神オン", "osaka", "神戸支局"),
    "hiroshima": ("広オン", "hiroshima", "広島出入国在留管理局"),
    "takamatsu": ("高オン", "takamatsu", "高松出入国在留管理局"),
    "fukuoka": ("福オン", "fukuoka", "福岡出入国在留管理局"),
    "naha": ("那オン", "fukuoka", "那覇支局"),
}
# Which receiving office a receipt number's prefix names (横オン -> yokohama): review parses its numbers by it, intake
# sends the old card to that office.
RECEIVING_OFFICE_BY_PREFIX: dict[str, str] = {prefix: key for key, (prefix, _bureau, _ja) in RECEIVING_OFFICES.items()}


def receiving_office_of(receipt_number: str | None) -> str | None:
    """The receiving office a receipt number names by its prefix (横オン-2026-000001: yokohama); None for another
    number (an older form, a provisional one)."""
    return RECEIVING_OFFICE_BY_PREFIX.get((receipt_number or "").split("-", 1)[0])


# Why the post office returned a card, by the reasons its return slip (還付付箋) names: card.returned v2's
# reason_code, which notify writes in the applicant's language (card-delivery reads it from the slip's words).
RETURN_REASONS: tuple[str, ...] = (
    "addressee_not_found",  # あて所に尋ねあたりません: nobody of that name lives at the address
    "address_incomplete",  # あて名不完全で配達できません: the address is incomplete
    "moved_no_forwarding_address",  # 転居先不明: moved, no forwarding address known
    "refused",  # 受取拒絶: the addressee refused it
    "holding_period_expired",  # 保管期間経過: not collected from the post office in time
)


# District (支局) and branch (出張所) offices under the regional bureaus, by the codes events carry
# (application.submitted's routing, application.received/transferred's office): code -> (kind, bureau,
# Japanese name, English place name). Source: the agency's list of regional offices (地方出入国在留管理官署),
# as reproduced in practitioners' guides; operations add offices here.
OFFICES: dict[str, tuple[str, str, str, str]] = {
    "narita_airport": ("district", "tokyo", "成田空港支局", "Narita Airport"),
    "haneda_airport": ("district", "tokyo", "羽田空港支局", "Haneda Airport"),
    "yokohama": ("district", "tokyo", "横浜支局", "Yokohama"),
    "chubu_airport": ("district", "nagoya", "中部空港支局", "Chubu Airport"),
    "kansai_airport": ("district", "osaka", "関西空港支局", "Kansai Airport"),
    "kobe": ("district", "osaka", "神戸支局", "Kobe"),
    "naha": ("district", "fukuoka", "那覇支局", "Naha"),
    "aomori": ("branch", "sendai", "青森出張所", "Aomori"),
    "morioka": ("branch", "sendai", "盛岡出張所", "Morioka"),
    "akita": ("branch", "sendai", "秋田出張所", "Akita"),
    "koriyama": ("branch", "sendai", "郡山出張所", "Koriyama"),
    "mito": ("branch", "tokyo", "水戸出張所", "Mito"),
    "utsunomiya": ("branch", "tokyo", "宇都宮出張所", "Utsunomiya"),
    "takasaki": ("branch", "tokyo", "高崎出張所", "Takasaki"),
    "saitama": ("branch", "tokyo", "さいたま出張所", "Saitama"),
    "chiba": ("branch", "tokyo", "千葉出張所", "Chiba"),
    "niigata": ("branch", "tokyo", "新潟出張所", "Niigata"),
    "kofu": ("branch", "tokyo", "甲府出張所", "Kofu"),
    "nagano": ("branch", "tokyo", "長野出張所", "Nagano"),
    "toyama": ("branch", "nagoya", "富山出張所", "Toyama"),
    "kanazawa": ("branch", "nagoya", "金沢出張所", "Kanazawa"),
    "fukui": ("branch", "nagoya", "福井出張所", "Fukui"),
    "gifu": ("branch", "nagoya", "岐阜出張所", "Gifu"),
    "shizuoka": ("branch", "nagoya", "静岡出張所", "Shizuoka"),
    "otsu": ("branch", "osaka", "大津出張所", "Otsu"),
    "kyoto": ("branch", "osaka", "京都出張所", "Kyoto"),
    "nara": ("branch", "osaka", "奈良出張所", "Nara"),
    "wakayama": ("branch", "osaka", "和歌山出張所", "Wakayama"),
    "sakaiminato": ("branch", "hiroshima", "境港出張所", "Sakaiminato"),
    "matsue": ("branch", "hiroshima", "松江出張所", "Matsue"),
    "okayama": ("branch", "hiroshima", "岡山出張所", "Okayama"),
    "matsuyama": ("branch", "takamatsu", "松山出張所", "Matsuyama"),
    "kochi": ("branch", "takamatsu", "高知出張所", "Kochi"),
    "saga": ("branch", "fukuoka", "佐賀出張所", "Saga"),
    "nagasaki": ("branch", "fukuoka", "長崎出張所", "Nagasaki"),
    "kumamoto": ("branch", "fukuoka", "熊本出張所", "Kumamoto"),
    "oita": ("branch", "fukuoka", "大分出張所", "Oita"),
    "miyazaki": ("branch", "fukuoka", "宮崎出張所", "Miyazaki"),
    "kagoshima": ("branch", "fukuoka", "鹿児島出張所", "Kagoshima"),
    # Added 2026-12-07 (session 23), each bureau's offices as its page lists them (ja.wikipedia's bureau articles as
    # mirrored by pedia.3rd-in.co.jp; practitioners' pages named per bureau). Port and airport offices are examination
    # posts first; several take residence applications too (Himeji Port: katsumi-office.com), Chitose-Tomakomai takes
    # none (nyukan-bengoshi.com/nyukan-sapporo). Routing by prefecture still sends none of them a case: a bureau hands
    # a case over, and officers are scoped to them.
    # Sendai: with the four above, 6 branch offices (nyukan-bengoshi.com/sendai-nyukan: 青森 盛岡 仙台空港 秋田 酒田港 郡山).
    "sendai_airport": ("branch", "sendai", "仙台空港出張所", "Sendai Airport"),
    "sakata_port": ("branch", "sendai", "酒田港出張所", "Sakata Port"),
    # Sapporo: 5 branch offices (pedia.3rd-in.co.jp 札幌出入国在留管理局; visa-waizumi.com).
    "hakodate": ("branch", "sapporo", "函館出張所", "Hakodate"),
    "asahikawa": ("branch", "sapporo", "旭川出張所", "Asahikawa"),
    "kushiro_port": ("branch", "sapporo", "釧路港出張所", "Kushiro Port"),
    "wakkanai_port": ("branch", "sapporo", "稚内港出張所", "Wakkanai Port"),
    "chitose_tomakomai": ("branch", "sapporo", "千歳苫小牧出張所", "Chitose-Tomakomai"),
    # Tokyo: Tachikawa (office-kamiyama-tokyo.com: Tokyo, Sagamihara, Yamanashi addresses); Kawasaki under the
    # Yokohama district office (alivio-office.com names it 東京出入国在留管理局横浜支局川崎出張所).
    "tachikawa": ("branch", "tokyo", "立川出張所", "Tachikawa"),
    "kawasaki": ("branch", "tokyo", "横浜支局川崎出張所", "Kawasaki"),
    # Nagoya: with the five above, 8 branch offices (samurai-law.com; koyou.acroseed.com counts 8).
    "hamamatsu": ("branch", "nagoya", "浜松出張所", "Hamamatsu"),
    "toyohashi_port": ("branch", "nagoya", "豊橋港出張所", "Toyohashi Port"),
    "yokkaichi_port": ("branch", "nagoya", "四日市港出張所", "Yokkaichi Port"),
    # Osaka: Himeji Port under the Kobe district office (katsumi-office.com: 大阪出入国在留管理局神戸支局姫路港出張所).
    "himeji_port": ("branch", "osaka", "神戸支局姫路港出張所", "Himeji Port"),
    # Hiroshima: 7 branch offices (pedia.3rd-in.co.jp 広島出入国在留管理局; nyukan-bengoshi.com counts 7).
    "fukuyama": ("branch", "hiroshima", "福山出張所", "Fukuyama"),
    "hiroshima_airport": ("branch", "hiroshima", "広島空港出張所", "Hiroshima Airport"),
    "shimonoseki": ("branch", "hiroshima", "下関出張所", "Shimonoseki"),
    "shunan": ("branch", "hiroshima", "周南出張所", "Shunan"),
    # Fukuoka (pedia.3rd-in.co.jp 福岡出入国在留管理局).
    "kitakyushu": ("branch", "fukuoka", "北九州出張所", "Kitakyushu"),
    "hakata_port": ("branch", "fukuoka", "博多港出張所", "Hakata Port"),
    "fukuoka_airport": ("branch", "fukuoka", "福岡空港出張所", "Fukuoka Airport"),
    "tsushima": ("branch", "fukuoka", "対馬出張所", "Tsushima"),
}


# Documents the bureau asks for (追加資料), by the codes application.documents_requested v2 carries:
# code -> (Japanese, English). The applicant reads them in their language (zairyu_shared.glossary);
# anything else is "other" with the officer's note, which is written in Japanese. The kinds are those of
# ISA's lists of documents per procedure (moj.go.jp/isa/applications/procedures/, 提出書類).
DOCUMENT_KINDS: dict[str, tuple[str, str]] = {
    "passport_copy": ("旅券の写し", "Copy of passport"),
    "photo": ("写真（縦4cm×横3cm）", "Photograph (4 cm x 3 cm)"),
    "employment_certificate": ("在職証明書", "Certificate of employment"),
    "tax_certificate": ("住民税の課税（又は非課税）証明書", "Certificate of residence tax (taxation certificate)"),
    "tax_payment_certificate": ("住民税の納税証明書", "Certificate of residence tax payment"),
    "residence_certificate": ("住民票（世帯全員の記載のあるもの）", "Certificate of residence (jūminhyō)"),
    "enrolment_certificate": ("在学証明書", "Certificate of enrolment"),
    "attendance_record": ("出席状況証明書", "Attendance record"),
    "transcript": ("成績証明書", "Academic transcript"),
    "employment_contract": ("雇用契約書（労働条件通知書）の写し", "Copy of the employment contract"),
    "family_relation": (
        "身分関係を証する文書（戸籍謄本・出生証明書・婚姻証明書等）",
        "Documents proving the family relationship (family register, birth or marriage certificate)",
    ),
    "bank_balance": ("預金残高証明書", "Certificate of bank balance"),
    "medical_certificate": ("診断書", "Medical certificate"),
    "other": ("その他（備考のとおり）", "Other (see the bureau's note)"),
}

# Why an application is refused (不許可の理由), by the codes application.decided carries in reason_codes: code ->
# (Japanese, English). A refusal notice states its grounds broadly, under the Act's three tests: whether the activity
# falls under the status (在留資格該当性), whether the standards of the landing ordinance are met (基準適合性), and
# whether granting is appropriate (相当性: the record of stay, public duties, livelihood, credible documents)
# (kiryu-gyousei.jp/visa-denial-response; gyousei-shikama-office.com/blog110 and gj-kanazawa.com list the usual
# grounds under the third). The officer ticks the grounds and explains in Japanese; the applicant reads the grounds
# in their language (zairyu_shared.glossary) and the explanation as written.
REFUSAL_REASONS: dict[str, tuple[str, str]] = {
    "activity_not_qualifying": (
        "申請に係る活動が在留資格に該当すると認められない（在留資格該当性）",
        "The activities applied for do not fall under the status of residence",
    ),
    "standards_not_met": (
        "上陸許可基準（基準省令）に適合すると認められない",
        "The standards set for this status (the landing permission standards) are not met",
    ),
    "residence_record": (
        "これまでの在留状況が良好と認められない（素行・法令違反・届出義務違反）",
        "Your record of stay so far is not considered good (conduct, breaches of the law, notifications not made)",
    ),
    "public_duties": (
        "納税・年金・医療保険等の公的義務の履行が認められない",
        "Taxes, pension or health insurance obligations have not been met",
    ),
    "livelihood": (
        "安定した生計を営むことができると認められない",
        "A stable livelihood in Japan has not been shown",
    ),
    "outside_activity": (
        "資格外活動許可の範囲を超える活動が認められる",
        "Work beyond what your permission to engage in activities outside your status allows",
    ),
    "attendance": (
        "在籍・出席状況が良好と認められない",
        "Enrolment or attendance at school is not satisfactory",
    ),
    "documents": (
        "提出された資料から申請内容を確認できない（資料の不足・未提出・信憑性）",
        "The documents submitted do not show what the application states (missing, not submitted or not credible)",
    ),
    "false_statement": (
        "申請内容又は提出資料に虚偽が認められる",
        "The application or its documents contain false statements",
    ),
    "other": ("その他（説明のとおり）", "Other (see the bureau's explanation)"),
}

# The kinds an applicant gives a file when uploading it (intake's drafting.DOCUMENT_KINDS; Attachment.kind) that
# are not kinds the bureau asks for above: code -> (Japanese, English). The officer's case page names every file's
# kind in Japanese from these two tables (tests/contracts/test_vocabulary_kinds.py keeps intake's list covered).
UPLOAD_KINDS: dict[str, tuple[str, str]] = {
    "passport": ("旅券", "Passport"),
    "residence_card": ("在留カード", "Residence card"),
    "family_register": ("戸籍謄本等（身分関係を証する文書）", "Family register"),
    # An organisation filing on the person's consent given on paper attaches it (issue 21).
    "consent_document": ("本人の同意書", "The person's signed consent document"),
}


def document_kind_name(code: str, language: str = "ja") -> str:
    """The kind's Japanese (or English) name; an unknown code as it is."""
    names = DOCUMENT_KINDS.get(code)
    if names is None:
        return code
    return names[1] if language == "en" else names[0]


# Periods of stay a permission grants, as ISO 8601 durations, plus "indefinite" (permanent residents).
# Source: Immigration Control Act Enforcement Regulation, Annex Table 2 (出入国管理及び難民認定法施行規則
# 別表第二): 5年, 4年3月, 4年, 3年3月, 3年, 2年3月, 2年, 1年3月, 1年, 6月, 4月, 3月, 90日, 30日, 15日 and
# the Minister's designated period up to 5 years (specified as one of these lengths on the card).
PERIODS_OF_STAY: tuple[str, ...] = (
    "P5Y",
    "P4Y3M",
    "P4Y",
    "P3Y3M",
    "P3Y",
    "P2Y3M",
    "P2Y",
    "P1Y3M",
    "P1Y",
    "P6M",
    "P4M",
    "P3M",
    "P90D",
    "P30D",
    "P15D",
    "indefinite",
)


def period_parts(code: str) -> tuple[int, int, int]:
    """(years, months, days) of a period code; ValueError for anything else (also for "indefinite")."""
    m = re.fullmatch(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?", code)
    if code not in PERIODS_OF_STAY or m is None or code == "P":
        raise ValueError(f"not a period of stay: {code!r}")
    return int(m.group(1) or 0), int(m.group(2) or 0), int(m.group(3) or 0)


def period_name_ja(code: str) -> str:
    """The period as the card writes it: 3年, 1年3月, 90日, 無期限."""
    if code == "indefinite":
        return "無期限"
    years, months, days = period_parts(code)
    return "".join(f"{n}{unit}" for n, unit in ((years, "年"), (months, "月"), (days, "日")) if n)


# The employer's industry as the official forms ask it: the major groups (大分類) of the Japan Standard Industrial
# Classification (日本標準産業分類, Rev. 14, in force 2024-04-01; Ministry of Internal Affairs and Communications,
# soumu.go.jp/toukei_toukatsu/index/seido/sangyo/): code -> (Japanese, English).
INDUSTRIES: dict[str, tuple[str, str]] = {
    "A": ("農業，林業", "Agriculture and forestry"),
    "B": ("漁業", "Fisheries"),
    "C": ("鉱業，採石業，砂利採取業", "Mining and quarrying of stone and gravel"),
    "D": ("建設業", "Construction"),
    "E": ("製造業", "Manufacturing"),
    "F": ("電気・ガス・熱供給・水道業", "Electricity, gas, heat supply and water"),
    "G": ("情報通信業", "Information and communications"),
    "H": ("運輸業，郵便業", "Transport and postal activities"),
    "I": ("卸売業，小売業", "Wholesale and retail trade"),
    "J": ("金融業，保険業", "Finance and insurance"),
    "K": ("不動産業，物品賃貸業", "Real estate and goods rental and leasing"),
    "L": ("学術研究，専門・技術サービス業", "Scientific research, professional and technical services"),
    "M": ("宿泊業，飲食サービス業", "Accommodations, eating and drinking services"),
    "N": ("生活関連サービス業，娯楽業", "Living-related and personal services and amusement services"),
    "O": ("教育，学習支援業", "Education, learning support"),
    "P": ("医療，福祉", "Medical, health care and welfare"),
    "Q": ("複合サービス事業", "Compound services"),
    "R": ("サービス業（他に分類されないもの）", "Services, not elsewhere classified"),
    "S": ("公務（他に分類されるものを除く）", "Government, except elsewhere classified"),
    "T": ("分類不能の産業", "Industries unable to classify"),
}

"""``zairyu-intake sample-documents --lang LANG --out DIR``: every applicant-facing PDF for a realistic
sample application, so reviewers and translators can look at them. No database: the sample is built in
memory the way a submitted application is (validated form, signed document) and goes through the same
builders as the pages' downloads (documents.py). Every page is marked 見本 SAMPLE.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

from intake.adapters.fonts import FontsMissing
from intake.domain import canonical, fees, filers, form

LANGUAGES = ("ja", "en", "vi", "zh_Hans", "ko", "pt_BR", "tl", "ne")  # contracts.LANGUAGES
JST = timezone(timedelta(hours=9))
# One person per language, as a resident who reads that language might be: the name as in the passport
# (and on the residence card), places as they write them; nationality, period and industry as the form's codes.
# Free text in Japanese or English, as the official form asks.
PEOPLE = {
    "ja": ("WANG FANG", "1994-05-12", "female", "CN", "Shanghai", "上海市"),
    "en": ("BROWN EMILY ROSE", "1990-11-03", "female", "US", "Portland, Oregon", "Portland, Oregon"),
    "vi": ("NGUYỄN THỊ HƯƠNG", "1997-08-21", "female", "VN", "Hà Nội", "Phường Đống Đa, Hà Nội"),
    "zh_Hans": ("LIU YANG", "1992-02-29", "male", "CN", "Chengdu", "四川省成都市"),
    "ko": ("KIM MINJUN", "1995-07-15", "male", "KR", "Busan", "부산광역시 해운대구"),
    "pt_BR": ("SILVA JOÃO PEDRO", "1988-09-30", "male", "BR", "São Paulo", "São Paulo, SP"),
    "tl": ("SANTOS MARIA CLARA", "1993-12-08", "female", "PH", "Quezon City", "Quezon City, Metro Manila"),
    "ne": ("SHRESTHA RAM BAHADUR", "1996-04-14", "male", "NP", "Kathmandu", "काठमाडौं, बागमती प्रदेश"),
}
NOW = datetime(2026, 12, 1, 10, 30, tzinfo=JST)


def _values(lang: str) -> dict:
    name, _dob, _sex, nationality, birthplace, home = PEOPLE[lang]
    return {
        "nationality": nationality,
        "place_of_birth": birthplace,
        "marital_status": "single",
        "occupation": "システムエンジニア (software engineer)",
        "home_town": home,
        "phone": "090-1234-5678",
        "passport_number": "C1234567",
        "passport_expiry": "2031-03-31",
        "current_status": "engineer_humanities",
        "period_of_stay": "P3Y",
        "period_expiry": "2027-01-15",
        "card_number": "AB12345678CD",
        "reason": "引き続き同じ会社でソフトウェア開発に従事するため。To continue developing software for the same employer.",
        "criminal_record": "no",
        "family_in_japan": "",
        "card_receipt": "post",
        "employer_name": "株式会社サンプル技研 (Sample Giken K.K.)",
        "corporate_number": "7000012050002",
        "employer_address": "東京都千代田区霞が関1-1-1",
        "employer_phone": "03-1234-5678",
        "industry": "G",
        "capital_yen": "50000000",
        "annual_sales_yen": "1200000000",
        "employees": "120",
        "foreign_employees": "8",
        "job_description": "業務システムの設計・開発 (design and development of business systems)",
        "contract_from": "2024-04-01",
        "monthly_salary_yen": "320000",
        "reentry_type": "multiple",
        "reentry_reason": "一時帰国 (family visit)",
    }


def application(lang: str) -> SimpleNamespace:
    """A submitted, received extension with a re-entry permit, as the applications table holds it."""
    name, dob, sex, *_ = PEOPLE[lang]
    choice = form.Choice("extension", ("reentry",), filers.SELF)
    values, errors = form.validate(choice, _values(lang), NOW.date())
    if errors:  # the sample must stay a valid application as the rules change
        raise ValueError(f"sample application no longer valid: {errors}")
    holder = {"name": name, "date_of_birth": dob, "sex": sex, "address": "東京都新宿区西新宿2-8-1 サンプルハイツ101"}
    fee = fees.total(choice.procedure, choice.bundled, values.get("reentry_type"), received_on=NOW.date())
    signed = canonical.signed_document(
        application_id="sample",
        applicant_id="sample",
        procedure=choice.procedure,
        bundled=choice.bundled,
        form=values,
        holder=holder,
        attachments=[],
        extra={"bureau": "tokyo", "fee_yen": fee},
    )
    return SimpleNamespace(
        id="sample",
        procedure=choice.procedure,
        bundled=",".join(choice.bundled),
        status="under_examination",
        bureau="tokyo",
        language=lang,
        fee_yen=fee,
        provisional_number="P-2026-000123",
        receipt_number="東オン-2026-004321",  # as the Tokyo online receiving office numbers (routing.py)
        form=json.dumps(json.loads(canonical.canonical_json(values))),
        signed_content=base64.b64encode(signed).decode(),
        content_sha256=canonical.digest(signed),
        submitted_at=NOW,
        received_at=NOW + timedelta(days=1),
        closed_at=None,
    )


def _app(lang: str):
    """A Flask app with intake's catalogs and nothing else: no database, no settings."""
    from flask import Flask

    from zairyu_shared import flask_translations

    app = Flask("intake.entrypoints.web")
    app.config.update(BABEL_TRANSLATION_DIRECTORIES="translations", BABEL_DEFAULT_TIMEZONE="Asia/Tokyo")
    flask_translations.install(app, lambda: lang)
    return app


def write(lang: str, out: Path) -> list[Path]:
    """Write every applicant-facing PDF of the sample application in ``lang`` into ``out``."""
    from . import documents

    out.mkdir(parents=True, exist_ok=True)
    app = application(lang)
    done = SimpleNamespace(
        id="pay_sample_0001",
        amount_yen=app.fee_yen,
        paid_at=NOW + timedelta(days=20),
        provider_reference="DEMO-SAMPLE-0001",
        provider="demo",
    )
    from flask_babel import gettext as _

    from zairyu_shared.flask_translations import calendar_day

    with _app(lang).test_request_context():
        url = f"https://zairyu.example/verify?n={app.receipt_number}&t=0123456789abcdef0123"
        choice = form.Choice(app.procedure, tuple(app.bundled.split(",")), filers.SELF)
        # The draft: two answers still missing, as a draft printed before signing usually has.
        values, errors = form.validate(choice, {**_values(lang), "reason": "", "monthly_salary_yen": ""}, NOW.date())
        # What submission.review answers, as the draft's builder reads it.
        review = {
            "choice": choice,
            "values": values,
            "errors": errors,
            "bureau": "tokyo",
            "fee_total": fees.total(
                choice.procedure, choice.bundled, values.get("reentry_type"), received_on=NOW.date()
            ),
            "applicant": json.loads(base64.b64decode(app.signed_content))["applicant"],
            "filer": None,
        }
        files = {
            "e-receipt": documents.e_receipt(app, url, "0123-4567-89AB-CDEF-0123", sample=True),
            "application-copy": documents.copy(app, sample=True),
            "draft": documents.draft(review, sample=True),
            "fee-slip": documents.fee_slip(app, None, sample=True),
            "fee-slip-paid": documents.fee_slip(
                app,
                _("PAID ONLINE %(date)s ref %(ref)s", date=calendar_day(done.paid_at), ref=done.provider_reference),
                sample=True,
            ),
            "payment-receipt": documents.payment_receipt(app, done, sample=True),
        }
    written = []
    for name, data in files.items():
        path = out / f"{name}-{lang}.pdf"
        path.write_bytes(data)
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="zairyu-intake sample-documents", description="write every applicant-facing PDF of a sample application"
    )
    parser.add_argument("--lang", required=True, choices=LANGUAGES + ("all",))
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    try:
        for lang in LANGUAGES if args.lang == "all" else (args.lang,):
            for path in write(lang, args.out):
                print(path)
    except FontsMissing as exc:
        print(f"zairyu-intake sample-documents: {exc}", file=sys.stderr)
        return 2
    return 0

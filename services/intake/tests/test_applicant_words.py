"""What the applicant reads in their language (issue 18): the re-entry "single" is not the marital status,
statuses of residence in the page's language with their official Japanese name, the bureau's coded words."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import force_locale

from intake.entrypoints import labels
from zairyu_shared import flask_translations

CATALOGS = str(labels.__file__).rsplit("/", 1)[0] + "/translations"


@pytest.fixture(scope="module")
def bare_app():
    app = Flask(__name__)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = CATALOGS
    flask_translations.install(app)  # catalogs in folders named by the contract's codes
    return app


@pytest.mark.parametrize(
    "lang, marital, reentry",
    [
        ("vi", "Độc thân", "Một lần"),
        ("ja", "未婚", "一回限り"),
        ("ko", "미혼", "1회"),
        ("zh_Hans", "未婚", "单次"),
        ("pt_BR", "Solteiro(a)", "Única"),
        ("tl", "Walang asawa", "Isahan"),
        ("ne", "अविवाहित", "एक पटक"),
    ],
)
def test_single_re_entry_is_not_the_marital_status(bare_app, lang, marital, reentry):
    with bare_app.test_request_context(), force_locale(lang):
        assert labels.choice_label("marital_status", "single") == marital
        assert labels.choice_label("reentry_type", "single") == reentry
        assert labels.choice_label("reentry_type", "multiple") != "Multiple"


def test_statuses_and_the_bureaus_words_in_the_pages_language(bare_app):
    with bare_app.test_request_context(), force_locale("vi"):
        assert labels.status_label("student") == "Du học (留学)"
        assert labels.document_kind_label("residence_certificate") == "Phiếu cư trú (住民票)"
        assert (
            labels.document_kind_label("tax", "課税証明書（令和7年度）") == "課税証明書（令和7年度）"
        )  # an older request
        assert labels.period_label("P1Y3M") == "1 năm 3 tháng" and labels.period_label("3 years") == "3 years"
    with bare_app.test_request_context(), force_locale("ja"):
        assert labels.status_label("student") == "留学" and labels.period_label("P1Y3M") == "1年3月"


def _step_with(client, draft_id, name):
    for n in range(10):
        page = client.get(f"/apply/{draft_id}/step/{n}?lang=vi").data.decode()
        if f'id="f-{name}"' in page:
            return n, page
    raise AssertionError(f"no step shows {name}")


def test_nationality_period_and_industry_are_pickers_and_older_free_text_still_shows(client, rt):
    from journey import fill_draft, register, worker_fields

    register(client, rt)
    draft_id = fill_draft(
        client, fields={**worker_fields(), "nationality": "Việt Nam", "period_of_stay": "1年"}, photo=False
    )
    _n, page = _step_with(client, draft_id, "nationality")
    # A name typed the old way became its ISO code, shown in the page's language.
    assert '<option value="VN" selected>Việt Nam</option>' in page
    assert "Hãy viết bằng tiếng Nhật hoặc tiếng Anh, theo yêu cầu của mẫu đơn chính thức." in page  # free text
    _n, page = _step_with(client, draft_id, "period_of_stay")
    assert '<option value="P1Y" selected>1 năm</option>' in page
    n, page = _step_with(client, draft_id, "industry")
    assert '<option value="G" selected>G Thông tin và truyền thông (情報通信業)</option>' in page
    # Free text that names no industry stays visible as entered, and the applicant is asked to choose.
    again = client.post(f"/apply/{draft_id}/step/{n}?lang=vi", data={**worker_fields(), "industry": "IT"})
    page = again.data.decode() if again.status_code == 200 else client.get(again.headers["Location"]).data.decode()
    assert '<option value="IT" selected>IT</option>' in page and 'aria-invalid="true"' in page


def test_the_signing_page_says_what_is_signed_in_the_applicants_language(client, rt):
    """The signing page showed the stored English description ("Zairyu application ..."): now the purpose, in
    the page's language."""
    from journey import code_from, fill_draft, register, review_key

    register(client, rt)
    draft_id = fill_draft(client)
    code = code_from(client.post(f"/apply/{draft_id}/sign", data={"idempotency_key": review_key(client, draft_id)}))
    page = client.get(f"/sign/{code}?lang=vi").data.decode()
    assert "Bạn ký đơn của mình, đúng như bạn đã xem lại, cùng các tệp đính kèm." in page
    assert "<p>Zairyu application" not in page  # (the extension still gets it as data, for its own window)


def test_a_tagalog_page_names_a_status_from_the_tagalog_glossary(bare_app):
    """Flask-Babel's locale for tl is fil_PH; the glossary and the catalogs are keyed by the contract's tl."""
    from zairyu_shared import glossary

    with bare_app.test_request_context(), force_locale("tl"):
        label = labels.status_label("engineer_humanities")
    assert label.startswith(glossary.status_name("engineer_humanities", "tl")) and "技術・人文知識・国際業務" in label


def test_the_review_page_writes_amounts_of_yen_grouped_as_the_copy_does(client, rt):
    """Found 2026-12-07 (session 20) on the journey's review screenshot: the monthly salary read "300000" on the page
    the applicant checks before signing (an extra zero is easy to miss), "¥300,000" on the PDF copy and the fee
    table. Counts that are not money stay as typed."""
    from journey import fill_draft, register

    register(client, rt)
    draft_id = fill_draft(client)
    page = client.get(f"/apply/{draft_id}/review?lang=vi").data.decode()
    assert "<dd>¥300,000</dd>" in page and "<dd>300000</dd>" not in page
    assert "<dd>120</dd>" in page  # employees: a count

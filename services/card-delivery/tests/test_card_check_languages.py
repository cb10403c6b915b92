"""The public card check speaks the applicants' eight languages (issue 18); the mailroom stays Japanese/English."""

from __future__ import annotations

import pytest

ENGLISH = ["Check a residence card number", "Anyone may check", "Residence card number", "This card number is"]


@pytest.mark.parametrize(
    "lang, title",
    [
        ("vi", "Kiểm tra số thẻ lưu trú"),
        ("zh_Hans", "查询在留卡号码"),
        ("ko", "재류카드 번호 확인"),
        ("pt_BR", "Verificar um número de cartão de residência"),
        ("tl", "Suriin ang numero ng residence card"),
        ("ne", "निवास कार्ड नम्बर जाँच गर्नुहोस्"),
    ],
)
def test_the_card_check_page_is_in_the_visitors_language(app, lang, title):
    page = app.test_client().get(f"/public/card-check?lang={lang}&number=XX").get_data(as_text=True)
    assert f'<html lang="{lang.replace("_", "-")}">' in page and title in page
    assert not [e for e in ENGLISH if e in page], page
    assert 'value="vi" lang="vi"' in page  # every language is offered on the public page


def test_the_choice_is_remembered_and_the_mailroom_keeps_its_two_languages(app):
    client = app.test_client()
    page = client.get("/public/card-check").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post("/language", data={"csrf_token": token, "lang": "vi", "next": "/public/card-check"})
    assert "Kiểm tra số thẻ lưu trú" in client.get("/public/card-check").get_data(as_text=True)
    signin = client.get("/mailroom/", follow_redirects=True).get_data(as_text=True)
    assert 'value="vi"' not in signin and '<html lang="vi">' not in signin


def test_filipino_links_and_browsers_reach_the_tagalog_catalog(app):
    """The catalogs are named by the contract's codes (tl); older ?lang=fil links and browsers asking for fil or
    tl-PH still get it."""
    client = app.test_client()
    for page in (
        client.get("/public/card-check?lang=fil"),
        client.get("/public/card-check", headers={"Accept-Language": "fil-PH,fil;q=0.9,en;q=0.5"}),
    ):
        text = page.get_data(as_text=True)
        assert '<html lang="tl">' in text and "Suriin ang numero ng residence card" in text
        assert 'value="tl" lang="tl" aria-current="true"' in text


@pytest.mark.parametrize(
    "lang, missing, broken",
    [
        ("vi", "Trang này không tồn tại.", "Đã xảy ra lỗi từ phía chúng tôi"),
        ("ne", "यो पृष्ठ अवस्थित छैन।", "हाम्रो तर्फबाट"),
    ],
)
def test_a_missing_page_and_our_own_failure_speak_the_visitors_language(runtime, lang, missing, broken):
    """Werkzeug's English "Not Found" and "Internal Server Error" pages whatever the visitor had chosen."""
    from card_delivery.entrypoints.service import definition

    app = definition.create_app(runtime)
    app.config.update(PROPAGATE_EXCEPTIONS=False)

    @app.get("/public/__boom")
    def boom():
        raise RuntimeError("a bug of ours")

    client = app.test_client()
    gone = client.get(f"/public/nowhere?lang={lang}")
    assert gone.status_code == 404 and missing in gone.get_data(as_text=True)
    failed = client.get(f"/public/__boom?lang={lang}")
    body = failed.get_data(as_text=True)
    assert failed.status_code == 500 and broken in body and "Internal Server Error" not in body
    assert client.get("/public/card-status/nowhere").status_code == 404

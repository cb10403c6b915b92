"""A file field speaks the page's language, not the phone's (found and left since 2026-12-06: the browser's own
"Choose File" / "No file chosen" follow the device's language, so a Vietnamese or Nepali page on a phone set to
English said them in English, and no attribute changes them). macros.file_input draws our words over the native
input, which stays in the form: focusable, required, and what the browser's file chooser opens."""

from __future__ import annotations

import browser_support as bs
import pytest


@pytest.fixture
def people_page(tmp_path):
    """intake served, an organisation with one person on its list: the people page has a file field per person."""
    with bs.served_intake(tmp_path) as (rt, base, setup):
        _org, secret, pid = bs.org_with_one_person(rt, setup)
        yield base, secret, pid


def _signed_in(browser, base, secret, lang, javascript=True, viewport=bs.PHONE):
    from datetime import datetime, timedelta

    import pyotp

    # The device speaks English: what the browser itself writes would be English.
    page = browser.new_context(locale="en-US", viewport=viewport, java_script_enabled=javascript).new_page()
    bs.org_sign_in(page, base, lang, pyotp.TOTP(secret).at(datetime.now() + timedelta(seconds=30)))
    page.goto(f"{base}/org/people")
    return page


SCAN = {"name": "giay-dong-y.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}


@pytest.mark.parametrize(
    "lang, choose, none, chosen",
    [
        ("vi", "Chọn tệp", "Chưa chọn tệp nào", "Đã chọn tệp"),
        ("ne", "फाइल छान्नुहोस्", "कुनै फाइल छानिएको छैन", "फाइल छानियो"),
    ],
)
def test_the_file_field_says_the_pages_words_on_a_phone_set_to_english(
    people_page, browser, tmp_path, lang, choose, none, chosen
):
    base, secret, pid = people_page
    page = _signed_in(browser, base, secret, lang)
    field = page.locator(f"label.file-pick[for='doc-{pid}']")
    shown = field.inner_text()
    assert choose in shown and none in shown and chosen not in shown
    native = page.locator(f"#doc-{pid}")
    box = native.bounding_box()
    assert box is not None and box["width"] <= 1 and box["height"] <= 1  # the English-speaking control unseen
    assert native.evaluate("e => getComputedStyle(e).opacity") == "0"
    assert native.evaluate("e => e.required && e.form !== null")  # still the form's, still required

    native.focus()  # a keyboard user tabs to it: our button shows the focus
    assert field.locator(".button").evaluate("e => getComputedStyle(e).outlineStyle") == "solid"

    page.set_input_files(f"#doc-{pid}", files=[SCAN])
    shown = field.inner_text()
    assert "giay-dong-y.pdf" in shown and none not in shown
    checks = bs.PageChecks(tmp_path, lang=lang)
    checks.applicant_page(page, f"people-file-chosen-{lang}")
    assert checks.problems == []


def test_without_javascript_the_field_still_tells_chosen_from_not(people_page, browser):
    base, secret, pid = people_page
    page = _signed_in(browser, base, secret, "vi", javascript=False)
    field = page.locator(f"label.file-pick[for='doc-{pid}']")
    assert "Chưa chọn tệp nào" in field.inner_text()
    page.set_input_files(f"#doc-{pid}", files=[SCAN])
    shown = field.inner_text()
    assert "Đã chọn tệp" in shown and "Chưa chọn tệp nào" not in shown


def test_the_chosen_file_is_uploaded_with_the_form(people_page, browser):
    """The native input stays the form's: the consent document chosen through our label is the one recorded."""
    from datetime import date, timedelta

    from hostile_files import pdf

    base, secret, pid = people_page
    page = _signed_in(browser, base, secret, "ja", viewport=bs.DESKTOP)
    assert "ファイルを選択" in page.locator(f"label.file-pick[for='doc-{pid}']").inner_text()
    page.set_input_files(f"#doc-{pid}", files=[{"name": "doui.pdf", "mimeType": "application/pdf", "buffer": pdf()}])
    # the last day as a Japanese document writes it, full-width digits too (a text field, as the form's dates)
    until = date.today() + timedelta(days=365)
    assert page.get_attribute(f"#until-{pid}", "type") is None
    page.fill(
        f"#until-{pid}",
        f"{until.year}年{until.month}月{until.day}日".translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    )
    page.click(f'form[action$="/{pid}/consent-document"] button[type=submit]')
    page.wait_for_load_state()
    opened = page.context.request.get(f"{base}/org/people/{pid}/consent-document")
    assert opened.status == 200 and opened.body() == pdf()
    assert f"{until.year}年{until.month}月{until.day}日" in page.inner_text(f"#person-{pid}")  # the day recorded

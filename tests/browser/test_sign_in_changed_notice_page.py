"""Issue 20 in a real browser: the notice "your sign-in changed" (applicant.sign_in_changed) as the person finds it
in their account's inbox. notify renders the notice (its own plan and catalogue, as write_notices does) and intake
keeps it the way its notice.created consumer does (inbound.on_notice_created); Debian's chromium then opens the
inbox and the notice in Vietnamese at 1280 and 375 px (axe-core clean, no sideways scrolling, no English of
intake's catalog left, <html lang="vi">), with the notice's title and the time in Japan time. Screenshots go to
test-artifacts/browser-sign-in-changed/ (beside the journey's folder, which it empties)."""

from __future__ import annotations

import types
import uuid
from datetime import UTC, datetime

import browser_support as bs

# 2026-12-06 01:05 UTC: 10:05 in Japan, the day the same in both (a JST mistake shows as 01:05)
CHANGED_AT = datetime(2026, 12, 6, 1, 5, tzinfo=UTC)
# all seven, the newest (10:11 in Japan) last
CHANGES = (
    "two_step_on",
    "two_step_off",
    "card_linked",
    "card_unlinked",
    "card_renewed",
    "password_changed",
    "email_changed",
)


def _notice(applicant_id: str, name: str, language: str, change: str, at: datetime) -> types.SimpleNamespace:
    """notice.created as notify emits it for applicant.sign_in_changed in ``language`` (its plan + catalogue)."""
    from notify.adapters.catalogue import Catalogue
    from notify.domain.notices import INBOX, plan

    data = {"applicant_id": applicant_id, "change": change, "changed_at": at, "language": language}
    data["email"] = "an.moi@example.jp"
    if change == "email_changed":
        data["previous_email"] = "an@example.jp"
    (planned,) = plan("applicant.sign_in_changed", data, None)
    assert INBOX in planned.channels
    rendered = Catalogue().render(
        planned.notice_type, language, planned.context, name=name, portal_url="https://zairyu.example.jp"
    )
    assert rendered.language == language  # the person's language, not the bilingual fallback
    return types.SimpleNamespace(
        data={
            "notice_id": str(uuid.uuid4()),
            "applicant_id": applicant_id,
            "application_id": None,
            "notice_type": planned.notice_type,
            "language": language,
            "subject": rendered.subject,
            "body_text": rendered.in_account_text,  # as notify writes the in-account copy
            "created_at": at,
        }
    )


# one person each (the fake card's holders): the page's language and the notice's are the person's
PEOPLE = (("vi", "nguyen", "an@example.jp"), ("ne", "silva", "maria@example.jp"), ("ja", "abroad", "john@example.jp"))
VI_TITLE = "Địa chỉ e-mail đăng nhập của bạn đã được thay đổi"


def test_the_sign_in_changed_notice_in_the_persons_language_on_a_phone(tmp_path, monkeypatch):
    """Vietnamese (asserted word for word), Nepali and Japanese: the inbox lists the seven notices with their titles
    and Japan times, the e-mail change opens with its title, the masked address and the time in JST."""
    from attack_support import cheap_password_hashing
    from intake_testkit import HOLDERS
    from journey import register
    from playwright.sync_api import sync_playwright

    from intake.application import inbound

    cheap_password_hashing(monkeypatch)
    out = bs.ROOT / "test-artifacts" / "browser-sign-in-changed"
    out.mkdir(parents=True, exist_ok=True)
    problems = []
    with bs.served_intake(tmp_path) as (rt, base, setup), sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(bs.CHROMIUM), headless=True, args=bs.CHROMIUM_ARGS)
        for lang, holder, address in PEOPLE:
            client = setup.test_client()
            client.get(f"/?lang={lang}")
            me = register(client, rt, holder=holder, email=address)
            with rt.session_factory() as s, s.begin():
                told = [
                    _notice(me, HOLDERS[holder]["name"], lang, change, CHANGED_AT.replace(minute=5 + n))
                    for n, change in enumerate(CHANGES)
                ]
                for notice in told:
                    inbound.on_notice_created(rt, s, notice)
            titles = [n.data["subject"] for n in told]
            if lang == "vi":
                assert titles[-1] == VI_TITLE
            cookie = client.get_cookie(setup.config["SESSION_COOKIE_NAME"])
            checks = bs.PageChecks(out, lang=lang)
            context = chromium.new_context(viewport=bs.DESKTOP, locale=lang)
            context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base}])
            page = context.new_page()
            page.goto(f"{base}/inbox?lang={lang}")
            listed = page.locator("main").inner_text()
            assert all(t in listed for t in titles), (lang, titles, listed)
            assert "10:05" in listed and "10:11" in listed, listed  # Japan time (01:05-01:11 UTC)
            checks.applicant_page(page, f"inbox-{lang}")
            page.set_viewport_size({"width": 375, "height": 800})
            lines = page.eval_on_selector_all(".cards .when", "els => els.map(e => e.getClientRects().length)")
            assert lines == [1] * len(titles), (lang, lines)  # a date stays on one line beside its title
            page.set_viewport_size(bs.DESKTOP)
            page.get_by_role("link", name=titles[-1]).click()
            page.wait_for_load_state()
            opened = page.locator("main").inner_text()
            assert page.locator("h1").inner_text() == titles[-1]
            assert "an***@example.jp" in opened and "an.moi@" not in opened, opened  # masked
            assert "10:11 (JST)" in opened, opened
            assert "\n--" not in opened, opened  # the mail's signature (replies are not read) stays in the mail
            if lang == "vi":
                assert "Cục Quản lý Xuất nhập cảnh" in opened, opened
            checks.applicant_page(page, f"notice-{lang}")
            context.close()
            problems += checks.problems
        chromium.close()
    assert not problems, problems

"""Issue 18 in a real browser: the officer's case page in Japanese at desktop width (Debian's chromium through
Playwright): the signed form in the official form's parts and order with coded values by their Japanese
names, the photo previewed inline through the attachment route (the page's CSP allows no inline script),
the PDF opening inline. Screenshot: test-artifacts/browser-case-page/case.png."""

from __future__ import annotations

import threading

import browser_support as bs
import pytest


def test_officer_case_page_reads_like_the_official_form(tmp_path_factory):
    missing = [m for m in bs.missing_prerequisites() if "zairyu-signer" not in m]
    bs.require(not missing, "; ".join(missing))
    import sqlalchemy as sa
    from attack_support import (
        Relay,
        build_service_app,
        cheap_password_hashing,
        intake_applicant,
        intake_draft,
        intake_ports,
        intake_submit,
        intake_worker_fields,
        memory_folder,
        review_client,
        review_officer,
        review_ports,
        runtime_of,
        signature_verified,
    )
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from intake.adapters.tables import attachments as intake_attachments

    out = bs.ROOT / "test-artifacts" / "browser-case-page"
    out.mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as mp:
        cheap_password_hashing(mp)
        folder = memory_folder(tmp_path_factory.mktemp("case-page-browser"))
        intake, review, relay = build_service_app("intake", folder), build_service_app("review", folder), Relay()
        _a_id, a = intake_applicant(intake, "nguyen", "an@example.jp")
        fields = {**intake_worker_fields(), "nationality": "VN", "period_of_stay": "P1Y"}
        app_id = intake_submit(a, intake_draft(a, fields), "nguyen")
        verified = signature_verified(next(e for e in relay.new_events(intake) if e.type == "application.submitted"))
        relay.deliver(intake, verified)
        relay.deliver(review, verified)
        # review reaches intake's attachment store through its internal endpoint; here, the same bytes
        store = intake_ports(runtime_of(intake)).store
        with runtime_of(intake).engine.connect() as conn:
            for (sha,) in conn.execute(sa.select(intake_attachments.c.sha256)):
                review_ports(runtime_of(review)).attachments.blobs[sha] = store.get(sha)
        examiner = review_client(review, review_officer(review, "tokyo-examiner", "examiner", "tokyo")[0])
        officers = make_server("127.0.0.1", 0, review, threaded=True)
        threading.Thread(target=officers.serve_forever, daemon=True).start()
        review_base = f"http://127.0.0.1:{officers.server_port}"
        try:
            with sync_playwright() as p:
                chromium = p.chromium.launch(executable_path=str(bs.CHROMIUM), headless=True, args=bs.CHROMIUM_ARGS)
                bureau = chromium.new_context(viewport=bs.DESKTOP, locale="ja-JP")
                bureau.add_cookies(
                    [
                        {
                            "name": "review_session",
                            "value": examiner.get_cookie("review_session").value,
                            "url": review_base,
                        }
                    ]
                )
                page = bureau.new_page()
                blocked: list[str] = []
                page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
                page.goto(f"{review_base}/cases/{app_id}?purpose=examination")
                page.wait_for_load_state("networkidle")
                form = page.locator("section[aria-labelledby=form]")
                headings = form.locator("h3").all_inner_texts()
                assert headings[:3] == [
                    "申請人（申請書の1〜10）",
                    "現に有する在留資格・在留カード（11〜12）",
                    "申請の内容（13〜16）",
                ], headings
                text = form.inner_text()
                assert (
                    "ベトナム" in text and "1年" in text and "情報通信業" in text and "技術・人文知識・国際業務" in text
                )
                assert "specified_card" not in text and "特定在留カードの交付の希望" in text  # by name, in the request
                files = page.locator("section[aria-labelledby=att]").inner_text()
                assert "passport.pdf · 旅券" in files and "me.jpg · 写真" in files  # as the applicant named them
                photo = page.locator("img.preview")
                assert photo.count() == 1
                photo.scroll_into_view_if_needed()  # previews load lazily, when the officer reaches them
                page.wait_for_function("() => document.querySelector('img.preview').complete")
                assert photo.evaluate("img => img.complete && img.naturalWidth > 0"), "the photo preview did not load"
                page.screenshot(path=str(out / "case.png"), full_page=True)
                pdf = page.locator("section[aria-labelledby=att] a", has_text="PDFを開く")
                assert pdf.count() == 1 and pdf.get_attribute("target") == "_blank"
                assert not blocked, blocked
                chromium.close()
        finally:
            officers.shutdown()

"""Issue 22 in a real browser: the applicant's "who opened my file" page in Vietnamese at 375 px (Debian's
chromium through Playwright, as the journey), after an officer read the case with a purpose and review signed a
tree head: the entry shows, proven, in Vietnamese, axe-clean, no sideways scrolling. Screenshots go to
test-artifacts/browser-access-log/."""

from __future__ import annotations

import threading

import browser_support as bs
import pytest


def test_who_opened_my_file_in_vietnamese_on_a_phone(tmp_path_factory):
    missing = [m for m in bs.missing_prerequisites() if "zairyu-signer" not in m]
    bs.require(not missing, "; ".join(missing))
    from attack_support import (
        Relay,
        build_service_app,
        cheap_password_hashing,
        intake_applicant,
        intake_draft,
        intake_submit,
        intake_worker_fields,
        memory_folder,
        review_client,
        review_officer,
        runtime_of,
        signature_verified,
    )
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from review.application.tree_heads import publish as publish_tree_head

    out = bs.ROOT / "test-artifacts" / "browser-access-log"  # beside the journey's folder, which it empties
    out.mkdir(parents=True, exist_ok=True)
    checks = bs.PageChecks(out, lang="vi")
    with pytest.MonkeyPatch.context() as mp:
        cheap_password_hashing(mp)
        folder = memory_folder(tmp_path_factory.mktemp("access-log-browser"))
        intake, review, relay = build_service_app("intake", folder), build_service_app("review", folder), Relay()
        _a_id, a = intake_applicant(intake, "nguyen", "an@example.jp")
        app_id = intake_submit(a, intake_draft(a, intake_worker_fields()), "nguyen")
        verified = signature_verified(next(e for e in relay.new_events(intake) if e.type == "application.submitted"))
        relay.deliver(intake, verified)
        relay.deliver(review, verified)
        examiner = review_client(review, review_officer(review, "tokyo-examiner", "examiner", "tokyo")[0])
        supervisor = review_client(review, review_officer(review, "tokyo-supervisor", "supervisor", "tokyo")[0])
        assert examiner.get(f"/cases/{app_id}?purpose=examination").status_code == 200
        assert supervisor.get(f"/cases/{app_id}?purpose=supervision").status_code == 200
        assert publish_tree_head(runtime_of(review)) is not None
        auditor = review_client(review, review_officer(review, "tokyo-auditor", "auditor", "tokyo")[0])
        relay.pump(review, intake)

        server = make_server("127.0.0.1", 0, intake, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        officers = make_server("127.0.0.1", 0, review, threaded=True)
        threading.Thread(target=officers.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        review_base = f"http://127.0.0.1:{officers.server_port}"
        cookie = a.get_cookie(intake.config["SESSION_COOKIE_NAME"])
        try:
            with sync_playwright() as p:
                chromium = p.chromium.launch(executable_path=str(bs.CHROMIUM), headless=True, args=bs.CHROMIUM_ARGS)
                # the officer's side, in Japanese: the purpose asked before the file, and the supervisors' monitor
                bureau = chromium.new_context(viewport=bs.DESKTOP, locale="ja-JP")
                bureau.add_cookies(
                    [
                        {
                            "name": "review_session",
                            "value": auditor.get_cookie("review_session").value,
                            "url": review_base,
                        }
                    ]
                )
                officer_page = bureau.new_page()
                officer_page.goto(f"{review_base}/cases/{app_id}")
                assert "このファイルを開く目的" in officer_page.locator("main").inner_text()
                assert not officer_page.locator("input[name=purpose]:checked").count()  # nothing preselected
                checks.shot(officer_page, "review-purpose-ja")
                officer_page.goto(f"{review_base}/access-monitor")
                assert "閲覧モニター" in officer_page.locator("main").inner_text()
                checks.shot(officer_page, "review-monitor-ja")
                context = chromium.new_context(viewport=bs.DESKTOP, locale="vi-VN")
                context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base}])
                page = context.new_page()
                page.goto(f"{base}/access-log?lang=vi")
                text = page.locator("main").inner_text()
                assert (
                    "Ai đã mở hồ sơ của tôi" in text and "Thẩm tra hồ sơ" in text and "Giám sát việc thẩm tra" in text
                )
                assert text.count("✓") == 2 and "Cán bộ thẩm tra" in text
                checks.applicant_page(page, "access-log-vi")
                chromium.close()
        finally:
            server.shutdown()
            officers.shutdown()
    assert not checks.problems, checks.problems

"""The whole journey in a real browser (issue 9): RabbitMQ, PostgreSQL, pcscd and the simulated card real.

An applicant registers with the card in Vietnamese, applies for an extension with a bundled re-entry
permit, uploads a photo and a PDF, signs with the desktop signer (`zairyu-signer redeem` through
pcscd) and submits; an examiner in Tokyo signs in with TOTP and requests a document; the applicant
answers; the examiner proposes approval and a supervisor confirms; the mailroom records the envelope,
issues and dispatches the card; the applicant's timeline and inbox show every step and the SMTP
server received every mail. axe-core runs on every applicant page, at desktop width and at 375 px.
Screenshots: test-artifacts/browser/.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import browser_support as bs
import pytest
import sqlalchemy as sa

BUREAU_MAILBOX = bs.BUREAU_MAILBOX

EMAIL = "nguyen.van.an@example.vn"
PASSWORD = "mật khẩu dài của tôi 2026"
OLD_CARD = "AB12345678CD"
TRACKING = "123456789012"  # Japan Post: 11-13 digits
# The notices the applicant receives on the way (e-mail; all but the first also in the inbox).
APPLICANT_MAILS = [
    "email_verification",
    "application_submitted",
    "application_received",
    "documents_requested",
    "decision_approved",
    "card_envelope_received",
    "card_issued",
    "card_dispatched",
]
TIMELINE = [
    "submitted",
    "signature_verified",
    "received",
    "examination_started",
    "documents_requested",
    "documents_submitted",
    "approved",
    "envelope_received",
    "card_issued",
    "card_dispatched",
]


def form_values(today: date) -> dict:
    expiry = today + timedelta(days=60)  # inside the extension window (3 months before expiry)
    return {
        "nationality": "VN",
        "place_of_birth": "Hà Nội",
        "marital_status": "single",
        "occupation": "engineer",
        "home_town": "Hà Nội",
        "phone": "090-1234-5678",
        "passport_number": "C1234567",
        "passport_expiry": (today + timedelta(days=900)).isoformat(),
        "current_status": "engineer_humanities",
        "period_of_stay": "P1Y",
        "period_expiry": expiry.isoformat(),
        "card_number": OLD_CARD,
        "reason": "Tiếp tục làm việc tại công ty",
        "criminal_record": "no",
        "employer_name": "Example KK",
        "corporate_number": "7000012050002",
        "employer_address": "東京都千代田区",
        "employer_phone": "03-1234-5678",
        "industry": "G",
        "employees": "120",
        "job_description": "Software",
        "contract_from": "2024-04-01",
        "monthly_salary_yen": "300,000",
        "reentry_type": "multiple",
        "reentry_reason": "family visit",
    }


def wait(predicate, what: str, timeout: float = 60.0):
    from zairyu_shared.testing import wait_until

    return wait_until(predicate, timeout=timeout, interval=0.1, message=what)


def scalar(runtime, query):
    with runtime.engine.connect() as conn:
        return conn.execute(query).scalar()


def fill_step(page, values: dict) -> None:
    """Fill whichever of the form's fields this step shows (selects, yes/no radios, text)."""
    for name, value in values.items():
        if page.locator(f"select#f-{name}").count():
            page.select_option(f"select#f-{name}", value)
        elif page.locator(f"input[type=radio][name='{name}']").count():
            page.check(f"input[type=radio][name='{name}'][value='{value}']")
        elif page.locator(f"#f-{name}").count():
            page.fill(f"#f-{name}", value)


def sign_on_card(page, card, server: str, check_now: bool) -> str:
    """The waiting page shows the one-time code; the desktop signer redeems it with the card via pcscd.
    The page then moves on by itself (it polls), or at once with its "check now" link."""
    code = page.locator("p.code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code), code
    bs.redeem_with_card(code, server, card.reader, card.holder.password)
    if check_now:
        page.locator(f"a[href$='/sign/{code}']").click()
    return code


# ~1.5-2 min on an idle 2-core machine; the margin is for a machine shared with other suites (every
# wait is bounded on its own, so a real hang still fails early).
@pytest.mark.timeout(600)
def test_the_whole_journey_in_a_browser(zairyu, browser, smtp, pki, artifacts):
    from card_delivery.adapters import officers as mailroom_officers
    from card_delivery.adapters.tables import delivery_cases
    from intake.adapters.tables import applications, timeline_entries
    from intake.adapters.tables import notices as inbox_notices
    from intake.application.common import today_jst
    from review.adapters.accounts import create_officer
    from review.adapters.tables import cases
    from signing.testing import running_card
    from zairyu_shared.db import transaction

    intake_url, review_url, mailroom_url = zairyu.urls["intake"], zairyu.urls["review"], zairyu.urls["card-delivery"]
    intake_rt, review_rt, delivery_rt = (
        zairyu.runtimes["intake"],
        zairyu.runtimes["review"],
        zairyu.runtimes["card-delivery"],
    )
    checks = artifacts
    checks.lang = "vi"  # every applicant page after the switch must be in Vietnamese

    # Officers: the bureau's own bootstrap code (what `zairyu-review create-officer` runs).
    with transaction(review_rt.session_factory) as s:
        _, examiner_pw, examiner_totp = create_officer(s, "tanaka", "Tanaka Ken", "examiner", "tokyo")
        _, supervisor_pw, supervisor_totp = create_officer(s, "suzuki", "Suzuki Aya", "supervisor", "tokyo")
    with transaction(delivery_rt.session_factory) as s:
        clerk = mailroom_officers.create(s, "sato", "Sato Hanako")

    applicant_ctx = browser.new_context(viewport=bs.DESKTOP, locale="vi-VN")
    # The bureau's officers work in Japanese (issue 18): their browsers ask for it.
    officer_ctx = browser.new_context(viewport=bs.DESKTOP, locale="ja-JP")
    supervisor_ctx = browser.new_context(viewport=bs.DESKTOP, locale="ja-JP")
    mailroom_ctx = browser.new_context(viewport=bs.DESKTOP, locale="ja-JP")
    for ctx in (applicant_ctx, officer_ctx, supervisor_ctx, mailroom_ctx):
        ctx.set_default_timeout(30_000)
    page = applicant_ctx.new_page()

    with running_card(pki, "valid-nguyen") as card:
        # -- 1. registration with the card, in Vietnamese -------------------------------------------
        page.goto(intake_url + "/")
        bs.choose_language(page, "vi")
        checks.applicant_page(page, "home-vi")
        page.goto(intake_url + "/register")
        checks.applicant_page(page, "register")
        page.fill("#email", EMAIL)
        page.locator("main form button[type=submit]").click()
        page.wait_for_selector("main form input[name=email][type=hidden]", state="attached")  # "check your e-mail"
        checks.applicant_page(page, "register-sent")

        # The address is proven before the card signs; the link opens any number of times.
        verification = wait(lambda: smtp.of_type(EMAIL, "email_verification"), "the verification e-mail")[0]
        assert verification["Content-Language"] == "vi"
        link = re.search(re.escape(intake_url) + r"/register/verify/\S+", bs.body_text(verification))
        assert link, bs.body_text(verification)
        link = link.group(0).rstrip(".)")
        page.goto(link)
        page.goto(link)  # a second tap (or a mail scanner) spends nothing
        checks.applicant_page(page, "register-sign")
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/sign/[A-Z0-9-]+$"))
        checks.applicant_page(page, "register-sign-code")
        sign_on_card(page, card, intake_url, check_now=False)
        page.wait_for_url(re.compile(r"/register/verify/[^/]+$"))
        page.wait_for_selector("#password_again")
        checks.applicant_page(page, "choose-password")
        page.fill("#password", PASSWORD)
        page.fill("#password_again", PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/applications$"))
        checks.applicant_page(page, "my-applications")

        # -- 2. extension + re-entry permit, photo and PDF, sign and submit --------------------------
        page.goto(intake_url + "/apply")
        checks.applicant_page(page, "apply-choose")
        page.check("input[name=procedure][value=extension]")
        page.check("input[name=bundled][value=reentry]")
        page.locator("main form button[type=submit]").click()
        values = form_values(today_jst())
        for step in range(10):
            page.wait_for_url(re.compile(r"/apply/[^/]+/(step/\d+|attachments)$"))
            if page.url.endswith("/attachments"):
                break
            fill_step(page, values)
            checks.applicant_page(page, f"apply-step-{step}")
            page.click("button[name=action][value=next]")
        else:
            raise AssertionError("the form never reached the attachments step")
        draft_path = page.url.rsplit("/", 1)[0]
        checks.applicant_page(page, "attachments-empty")
        for kind, name, mime, data in (
            ("photo", "anh-chan-dung.jpg", "image/jpeg", bs.portrait_jpeg()),
            (
                "passport",
                "ho-chieu.pdf",
                "application/pdf",
                bs.letter_pdf("Passport copy", ["NGUYEN VAN AN", "C1234567"]),
            ),
        ):
            page.select_option("#kind", kind)
            page.set_input_files("#file", {"name": name, "mimeType": mime, "buffer": data})
            page.locator("main form[enctype] button[type=submit]").click()
            page.wait_for_selector(f"main table a:text('{name}')")
        checks.applicant_page(page, "attachments")
        page.goto(draft_path + "/review")
        assert page.locator(".error-summary").count() == 0, page.locator(".error-summary").inner_text()
        fee_total = int(re.sub(r"\D", "", page.locator("main table tr").last.locator("td").inner_text()))
        checks.applicant_page(page, "review")
        page.locator("main form[action$='/sign'] button").click()
        page.wait_for_url(re.compile(r"/sign/[A-Z0-9-]+$"))
        checks.applicant_page(page, "submit-sign-code")
        sign_on_card(page, card, intake_url, check_now=True)
        page.wait_for_url(re.compile(r"/applications/[^/]+$"))
        app_id = page.url.rsplit("/", 1)[1]
        provisional = scalar(intake_rt, sa.select(applications.c.provisional_number).where(applications.c.id == app_id))
        assert provisional in page.locator("main").inner_text()

    def status():
        return scalar(intake_rt, sa.select(applications.c.status).where(applications.c.id == app_id))

    wait(lambda: status() == "received", "signing verified and the Tokyo bureau received the application")
    receipt = scalar(review_rt, sa.select(cases.c.receipt_number).where(cases.c.application_id == app_id))
    assert receipt.startswith("東オン-")  # the Tokyo bureau's online receiving office
    page.reload()
    assert receipt in page.locator("main").inner_text()
    checks.applicant_page(page, "application-received")

    # -- 3. the examiner signs in with TOTP, claims the case and requests a document ------------------
    examiner = bs.officer_sign_in(
        officer_ctx, review_url, "/login", ("username", "password", "totp"), "tanaka", examiner_pw, examiner_totp
    )
    examiner.wait_for_url(re.compile(r"/queue"))
    examiner.goto(review_url + "/queue")
    examiner.locator(f"a:text('{receipt}')").click()
    examiner.wait_for_url(re.compile(r"/cases/"))
    # issue 22: the file opens only once the officer has said why (remembered for this case and session)
    examiner.check("input[name=purpose][value=examination]")
    examiner.locator("main form button[type=submit]").click()
    examiner.wait_for_selector("form[action$='/claim']", state="attached")
    assert examiner.evaluate("document.documentElement.lang") == "ja"
    checks.shot(examiner, "examiner-case")
    examiner.locator("form[action$='/claim'] button").click()
    examiner.wait_for_selector("form[action$='/request-documents']", state="attached")
    examiner.locator("form[action$='/request-documents']").locator("xpath=ancestor::details").locator("summary").click()
    examiner.check("input[name=kinds][value=employment_certificate]")
    examiner.fill("#message", "3か月以内に発行されたものを提出してください。")
    examiner.fill("#deadline", (today_jst() + timedelta(days=14)).isoformat())
    checks.shot(examiner, "examiner-request-documents")
    examiner.locator("form[action$='/request-documents'] button").click()
    wait(lambda: status() == "documents_requested", "the request for documents to reach the applicant")

    # -- 4. the applicant answers ------------------------------------------------------------------
    page.reload()
    page.wait_for_selector("#documents")
    checks.applicant_page(page, "documents-requested")
    # The kind of document in Vietnamese; the officer's note as written, marked as Japanese (issue 18).
    requested = page.locator("#documents").inner_text()
    assert "Giấy chứng nhận đang làm việc" in requested and "(原文（日本語）)" in requested, requested
    page.set_input_files(
        "#documents input[type=file]",
        {
            "name": "giay-xac-nhan-viec-lam.pdf",
            "mimeType": "application/pdf",
            "buffer": bs.letter_pdf(
                "Certificate of employment",
                ["Example KK certifies that NGUYEN VAN AN", "is employed as a software engineer."],
            ),
        },
    )
    page.locator("#documents form[enctype] button").click()
    page.wait_for_selector("#documents li:has-text('giay-xac-nhan-viec-lam.pdf')")
    page.fill("#documents textarea", "Tôi gửi giấy xác nhận việc làm.")
    page.locator("#documents form[action$='/submit'] button").click()
    wait(
        lambda: (
            scalar(review_rt, sa.select(cases.c.status).where(cases.c.application_id == app_id)) == "documents_answered"
        ),
        "the answer to reach the examiner",
    )

    # -- 5. the examiner proposes approval at once; a supervisor confirms --------------------------
    examiner.reload()
    checks.shot(examiner, "examiner-documents-answered")
    examiner.wait_for_selector("form[action$='/propose']", state="attached")  # no "resume" click first (issue 18)
    examiner.locator("form[action$='/propose']").locator("xpath=ancestor::details").locator("summary").click()
    examiner.check("input[name=outcome][value=approved]")
    examiner.select_option("#granted_status", "engineer_humanities")
    examiner.select_option("#period_of_stay", "P3Y")
    checks.shot(examiner, "examiner-propose")
    examiner.locator("form[action$='/propose'] button").click()
    wait(
        lambda: (
            scalar(review_rt, sa.select(cases.c.status).where(cases.c.application_id == app_id)) == "decision_proposed"
        ),
        "the proposal",
    )
    supervisor = bs.officer_sign_in(
        supervisor_ctx, review_url, "/login", ("username", "password", "totp"), "suzuki", supervisor_pw, supervisor_totp
    )
    supervisor.wait_for_url(re.compile(r"/queue"))
    supervisor.goto(f"{review_url}/cases/{app_id}?purpose=supervision")
    checks.shot(supervisor, "supervisor-case")
    supervisor.check("form[action$='/confirm'] input[name=acknowledge]")  # final and announced: ticked first
    supervisor.locator("form[action$='/confirm'] button").click()
    wait(lambda: status() == "approved", "the approval to reach the applicant")

    # -- 6. the mailroom: envelope, card, dispatch ---------------------------------------------------
    wait(
        lambda: (
            scalar(delivery_rt, sa.select(delivery_cases.c.state).where(delivery_cases.c.application_id == app_id))
            == "awaiting_envelope"
        ),
        "card-delivery to open the delivery case",
    )
    mailroom = bs.officer_sign_in(
        mailroom_ctx,
        mailroom_url,
        "/mailroom/sign-in",
        ("username", "password", "code"),
        "sato",
        clerk.password,
        clerk.totp_secret,
    )
    mailroom.wait_for_url(re.compile(r"/mailroom/?$"))
    delivery_id = scalar(
        delivery_rt, sa.select(delivery_cases.c.delivery_id).where(delivery_cases.c.application_id == app_id)
    )
    mailroom.goto(f"{mailroom_url}/mailroom/cases/{delivery_id}")
    assert mailroom.evaluate("document.documentElement.lang") == "ja"
    due = int(re.sub(r"\D", "", mailroom.locator("dt:text('手数料') + dd").inner_text()))  # "Fee due"
    assert due == fee_total, (due, fee_total)  # the fee shown to the applicant is the fee the mailroom expects
    checks.shot(mailroom, "mailroom-case")
    mailroom.fill("#fee_yen", str(due))
    mailroom.fill("#old_card_number", OLD_CARD)
    mailroom.locator("form[action$='/envelope'] button").click()
    mailroom.wait_for_selector("form[action$='/issue']")
    mailroom.check("form[action$='/issue'] input[name=confirm]")  # the old number is cancelled: confirmed first
    mailroom.locator("form[action$='/issue'] button").click()
    mailroom.wait_for_selector("form[action$='/dispatch']")
    mailroom.fill("#tracking_number", TRACKING)
    mailroom.locator("form[action$='/dispatch'] button").click()
    mailroom.wait_for_selector(f"dd:text('{TRACKING}')")
    checks.shot(mailroom, "mailroom-dispatched")

    # -- 7. the applicant's timeline, inbox and mailbox show every step -------------------------------
    def kinds():
        with intake_rt.engine.connect() as conn:
            return (
                conn.execute(
                    sa.select(timeline_entries.c.kind)
                    .where(timeline_entries.c.application_id == app_id)
                    .order_by(timeline_entries.c.id)
                )
                .scalars()
                .all()
            )

    wait(lambda: status() == "card_dispatched" and "envelope_received" in kinds(), "the card events in the timeline")
    got = kinds()
    it = iter(got)
    assert all(k in it for k in TIMELINE), got  # every step, in this order
    page.reload()
    items = page.locator("ol.timeline > li")  # (a request lists its documents in a nested list)
    assert items.count() == len(got)
    shown = page.locator("ol.timeline").inner_text()
    assert receipt in shown and TRACKING in shown
    checks.applicant_page(page, "timeline-dispatched")

    wait(lambda: all(smtp.of_type(EMAIL, t) for t in APPLICANT_MAILS), "every mail to the applicant", timeout=45)
    wait(lambda: smtp.to(BUREAU_MAILBOX), "the bureau's mail about the answered request")
    mails = smtp.to(EMAIL)
    types = [m["X-Zairyu-Notice-Type"] for m in mails]
    assert sorted(types) == sorted(APPLICANT_MAILS), types  # each exactly once
    assert {m["Content-Language"] for m in mails} == {"vi"}
    assert receipt in bs.body_text(smtp.of_type(EMAIL, "application_received")[0])
    assert TRACKING in bs.body_text(smtp.of_type(EMAIL, "card_dispatched")[0])
    assert smtp.to(BUREAU_MAILBOX)[0]["X-Zairyu-Notice-Type"] == "documents_submitted"

    inbox_expected = len(APPLICANT_MAILS) - 1  # the verification link goes by e-mail only
    wait(
        lambda: scalar(intake_rt, sa.select(sa.func.count()).select_from(inbox_notices)) == inbox_expected,
        "the inbox copies of every notice",
    )
    page.goto(intake_url + "/inbox")
    subjects = page.locator("main ul.cards li a").all_inner_texts()
    assert sorted(s.strip() for s in subjects) == sorted(
        str(m["Subject"]) for m in mails if m["X-Zairyu-Notice-Type"] != "email_verification"
    )
    checks.applicant_page(page, "inbox")
    page.locator("main ul.cards li a").first.click()
    checks.applicant_page(page, "notice")
    # greeted by the card's name in the width people read, not the register's full-width ＮＧＵＹＥＮ (session 20)
    greeting = page.locator("main").inner_text()
    assert "NGUYEN VAN AN" in greeting and "ＮＧＵＹＥＮ" not in greeting

    # -- 8. every applicant page again, in Nepali at 375 px (issue 18) ----------------------------------
    def to_nepali(p):
        p.goto(intake_url + "/")
        bs.choose_language(p, "ne")

    # the first draft is an application now: a second one, left unsubmitted, shows the draft's pages in Nepali
    page.goto(intake_url + "/apply")
    page.check("input[name=procedure][value=extension]")
    page.locator("main form button[type=submit]").click()
    for _ in range(10):
        page.wait_for_url(re.compile(r"/apply/[^/]+/(step/\d+|attachments)$"))
        if page.url.endswith("/attachments"):
            break
        fill_step(page, values)
        page.click("button[name=action][value=next]")
    checks.again_in(page, "ne", to_nepali, rewrite={draft_path: page.url.rsplit("/", 1)[0]})

    print(
        f"{len(checks.checked)} applicant pages checked at 1280 and 375 px; {checks.seconds:.1f} s in "
        f"screenshots + axe-core; {checks.count} screenshots in {bs.ARTIFACTS}"
    )
    assert not checks.problems, "accessibility / 375 px / untranslated problems:\n" + "\n".join(checks.problems)
    for ctx in (applicant_ctx, officer_ctx, supervisor_ctx, mailroom_ctx):
        ctx.close()

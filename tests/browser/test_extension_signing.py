"""Signing through the browser extension, for real (issue 18).

The MV3 extension (services/signing/browser-extension) is loaded unpacked into Debian's chromium (a
persistent profile, headless: new headless mode runs extensions), the native messaging host manifest is
installed into that profile's NativeMessagingHosts folder, and `zairyu-signer native-host` talks to the
simulated card through real pcscd and vsmartcard's vpcd. An applicant registers and submits an
application, both signatures made through the extension: the page offers "Sign with your card reader"
only once the extension and its program answer, the extension's own window shows the fingerprint and
takes the signature password (a wrong one first: the window says how many tries are left), and the
application reaches "received" after signing verified it. The card is then linked for login, the password
typed first (a session alone links no card), and logs in, the 4-digit PIN typed in the same window; two-step
login goes on and off again (the password and a code). Screenshots: test-artifacts/browser/extension/.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import browser_support as bs
import pyotp
import pytest
import sqlalchemy as sa
from test_journey import fill_step, form_values, scalar, wait

EXTENSION = bs.ROOT / "services" / "signing" / "browser-extension"
HOST_NAME = "jp.zairyu.signer"
EMAIL = "tran.thi.binh@example.vn"
PASSWORD = "mật khẩu của Bình 2026 dài"
COMPUTE_DIGITAL_SIGNATURE = 0x2A  # PSO INS byte (jpki-card.md): what the card receives to sign


def pinned_extension_id() -> str:
    """Chromium's id of an extension with a "key": SHA-256 of the public key, first 16 bytes, 0-f -> a-p."""
    key = base64.b64decode(json.loads((EXTENSION / "manifest.json").read_text())["key"])
    return "".join(chr(ord("a") + int(c, 16)) for c in hashlib.sha256(key).hexdigest()[:32])


def install_native_host(profile: Path, reader: str) -> Path:
    """What a user runs once (services/signing/README.md), here for this profile only and the test's reader:
    `zairyu-signer install-native-host` writes a wrapper and <user-data-dir>/NativeMessagingHosts/<name>.json."""
    signer = Path(sys.executable).parent / "zairyu-signer"
    done = subprocess.run(
        [
            str(signer),
            "--reader",
            reader,
            "--wait",
            "10",
            "install-native-host",
            "--user-data-dir",
            str(profile),
            "--bin-dir",
            str(profile.parent / "bin"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    manifest = profile / "NativeMessagingHosts" / f"{HOST_NAME}.json"
    assert str(manifest) in done.stdout
    return manifest


@pytest.fixture
def extension_browser(prerequisites, tmp_path, request):
    """Chromium with the extension loaded unpacked, in a persistent profile (extensions need one)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    profile = tmp_path / "profile"
    profile.mkdir()
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(bs.CHROMIUM),
            headless=True,
            locale="vi-VN",
            viewport=bs.DESKTOP,
            args=[*bs.CHROMIUM_ARGS, f"--disable-extensions-except={EXTENSION}", f"--load-extension={EXTENSION}"],
        )
        context.set_default_timeout(30_000)
        if not context.service_workers:
            try:
                context.wait_for_event("serviceworker", timeout=20_000)
            except PlaywrightTimeout:  # skip outside CI, fail under CI=true
                bs.require(
                    False,
                    f"{bs.CHROMIUM} did not load the unpacked extension (Google Chrome 137+ ignores "
                    "--load-extension; use Debian's chromium)",
                )
        yield context, profile
        if getattr(request.node, "failed_call", False):
            for m, page in enumerate(context.pages):
                try:
                    page.screenshot(path=str(bs.ARTIFACTS / "extension" / f"FAILED-{m}.png"), full_page=True)
                except Exception:
                    pass
        context.close()


def ask_extension(page, request: dict) -> dict | None:
    """What a page gets back for a request, by the protocol zairyu-extension.js speaks (window messages)."""
    return page.evaluate(
        """(request) => new Promise((resolve) => {
        const id = "test-" + Math.random();
        window.addEventListener("message", (e) => {
            if (e.source === window && e.data && e.data.source === "zairyu-extension" && e.data.id === id) resolve(e.data.reply);
        });
        window.postMessage({source: "zairyu-page", id, request}, window.location.origin);
        setTimeout(() => resolve(null), 15000);
    })""",
        request,
    )


def in_extension_window(
    context,
    button,
    extension_id: str,
    secret: str,
    checks,
    name: str,
    wrong_first: str | None = None,
    while_open=None,
    page=None,
):
    """Press the page's button; the extension's own window opens and takes the password or PIN."""
    with context.expect_page() as opened:
        button.click()
    window = opened.value
    window.wait_for_load_state()
    assert window.url.startswith(f"chrome-extension://{extension_id}/confirm.html"), window.url
    window.locator("#secret").wait_for(state="visible")
    assert window.evaluate("document.documentElement.lang") == "vi"  # the page's language, not the browser's
    if while_open:
        while_open(window)
    if wrong_first:
        window.fill("#secret", wrong_first)
        window.click("#ok")
        window.locator("#error").filter(has_text="4").wait_for()  # "... 4 ..." tries left, in Vietnamese
        checks.shot(window, name + "-wrong-secret")
        if page is not None:
            assert page.locator("#extension-error").inner_text() == ""  # the page hears only the final answer
    checks.shot(window, name + "-extension-window")
    checks._axe(window, name + "-extension-window")  # the extension's window is held to the pages' standard
    window.fill("#secret", secret)
    with window.expect_event("close"):
        window.click("#ok")


def sign_with_extension(
    context, page, extension_id: str, password: str, checks, name: str, wrong_first: str | None = None
) -> None:
    """On the waiting page: "Sign with your card reader"; the window shows the fingerprint the page shows."""
    page.wait_for_url(re.compile(r"/sign/[A-Z0-9-]+$"))
    button = page.locator("#sign-with-extension")
    button.wait_for(state="visible")  # shown only after the extension and zairyu-signer answered "hello"
    checks.applicant_page(page, name)
    assert page.locator("input[type=password]").count() == 0  # the password is typed in the extension's window
    page_digest = page.locator("p.digest").inner_text().strip()
    purpose = page.locator("p.signing-purpose").inner_text().strip()

    def check_window(window):
        window.locator("#digest").filter(has_text=re.compile(r"\w")).wait_for()
        assert window.locator("#digest").inner_text().strip() == page_digest  # the bytes the site showed
        # What is signed, in the applicant's language as the page says it (issue 18: was intake's English record).
        described = window.locator("#description").inner_text().strip()
        assert described.startswith(purpose) and "Zairyu:" not in described and "Zairyu application" not in described

    def while_open(window):
        check_window(window)
        if wrong_first:  # one signer window per tab: a page cannot stack them
            busy = ask_extension(page, {"op": "sign", "data": "eA=="})
            assert busy and not busy["ok"] and busy["error"]["code"] == "busy", busy
            assert len([p for p in context.pages if p.url.startswith("chrome-extension://")]) == 1

    in_extension_window(
        context, button, extension_id, password, checks, name, wrong_first, while_open=while_open, page=page
    )


# The form's coded pickers (issue 18: ISO country, the legal periods of stay, the industry classification);
# used where the step shows them as a select with these values, whatever form_values still says.
CODED = {"nationality": "VN", "period_of_stay": "P1Y", "industry": "G"}


def fill_coded_step(page, values: dict) -> None:
    coded = {
        name: code for name, code in CODED.items() if page.locator(f"select#f-{name} option[value='{code}']").count()
    }
    fill_step(page, {**values, **coded})


def registration_mail_link(smtp, intake_url: str) -> str:
    mail = wait(lambda: smtp.of_type(EMAIL, "email_verification"), "the verification e-mail")[-1]
    link = re.search(re.escape(intake_url) + r"/register/verify/\S+", bs.body_text(mail))
    assert link, bs.body_text(mail)
    return link.group(0).rstrip(".)")


# ~40-60 s on the shared 2-core machine; every wait is bounded on its own.
@pytest.mark.timeout(240)
def test_signing_through_the_extension_and_native_host(zairyu, extension_browser, smtp, pki):
    from intake.adapters.tables import applications, timeline_entries
    from intake.application.common import today_jst
    from signing.testing import running_card

    context, profile = extension_browser
    intake_url, intake_rt = zairyu.urls["intake"], zairyu.runtimes["intake"]
    out = bs.ARTIFACTS / "extension"
    out.mkdir(parents=True, exist_ok=True)
    checks = bs.PageChecks(out, lang="vi")

    extension_id = context.service_workers[0].url.split("/")[2]
    assert extension_id == pinned_extension_id()  # the "key" pins the id the host manifest allows

    page = context.pages[0] if context.pages else context.new_page()
    page.goto(intake_url + "/")
    bs.choose_language(page, "vi")

    # Without the native host the extension answers, but the page offers nothing new.
    hello = ask_extension(page, {"op": "hello"})
    assert hello and not hello["ok"] and hello["error"]["code"] == "native_host_unavailable", hello

    with running_card(pki, "valid-nguyen") as card:
        manifest = json.loads(install_native_host(profile, card.reader).read_text())
        assert manifest["allowed_origins"] == [f"chrome-extension://{extension_id}/"]
        hello = ask_extension(page, {"op": "hello"})
        assert hello and hello["ok"] and hello["hello"]["program"] == "zairyu-signer", hello

        # -- registration: the statement signed through the extension ------------------------------
        page.goto(intake_url + "/register")
        page.fill("#email", EMAIL)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        if re.search(r"/sign/[A-Z0-9-]+$", page.url):  # card first, then the e-mail link
            sign_with_extension(
                context, page, extension_id, card.holder.password, checks, "register-sign", wrong_first="WRONGPW1"
            )
            page.wait_for_url(re.compile(r"/sign/registered$"))
            page.goto(registration_mail_link(smtp, intake_url))
        else:  # the e-mail link first, then the card (issue 18's registration flow)
            page.goto(registration_mail_link(smtp, intake_url))
            page.locator("main form[action$='/sign'] button").click()
            sign_with_extension(
                context, page, extension_id, card.holder.password, checks, "register-sign", wrong_first="WRONGPW1"
            )
        page.wait_for_selector("#password_again")
        page.fill("#password", PASSWORD)
        page.fill("#password_again", PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/applications$"))

        # -- an extension of the period of stay, signed through the extension ------------------------
        page.goto(intake_url + "/apply")
        page.check("input[name=procedure][value=extension]")
        page.locator("main form button[type=submit]").click()
        values = form_values(today_jst())
        for _ in range(10):
            page.wait_for_url(re.compile(r"/apply/[^/]+/(step/\d+|attachments)$"))
            if page.url.endswith("/attachments"):
                break
            fill_coded_step(page, values)
            page.click("button[name=action][value=next]")
        else:
            raise AssertionError("the form never reached the attachments step")
        draft_path = page.url.rsplit("/", 1)[0]
        for kind, name, mime, data in (
            ("photo", "anh.jpg", "image/jpeg", bs.portrait_jpeg()),
            (
                "passport",
                "ho-chieu.pdf",
                "application/pdf",
                bs.letter_pdf("Passport copy", ["TRAN THI BINH", "C7654321"]),
            ),
        ):
            page.select_option("#kind", kind)
            page.set_input_files("#file", {"name": name, "mimeType": mime, "buffer": data})
            page.locator("main form[enctype] button[type=submit]").click()
            page.wait_for_selector(f"main table a:text('{name}')")
        page.goto(draft_path + "/review")
        assert page.locator(".error-summary").count() == 0, page.locator(".error-summary").inner_text()
        page.locator("main form[action$='/sign'] button").click()
        sign_with_extension(context, page, extension_id, card.holder.password, checks, "submit-sign")
        page.wait_for_url(re.compile(r"/applications/[^/]+$"))
        app_id = page.url.rsplit("/", 1)[1]
        signed = [c for c in card.commands() if len(c) > 1 and c[1] == COMPUTE_DIGITAL_SIGNATURE]
        assert len(signed) == 2, f"the card signed {len(signed)} times"  # a wrong password gets no signature

        # -- card login through the extension: link the card (the password first: a session alone links
        # no card), log out, log in with the PIN ----------------------------------------------------------
        page.goto(intake_url + "/account/card-login")
        use_card = page.locator("#use-extension")
        use_card.wait_for(state="visible")
        checks.applicant_page(page, "card-link")
        use_card.click()  # no password yet: the browser points at the field, the card is not asked
        assert page.evaluate("document.activeElement.id") == "password"
        page.fill("#password", PASSWORD)
        in_extension_window(context, use_card, extension_id, card.holder.pin, checks, "card-link")
        page.wait_for_url(re.compile(r"/account\?changed=card_linked$"))
        checks.applicant_page(page, "card-linked")
        page.locator("form[action$='/logout'] button").click()
        page.goto(intake_url + "/login/card")
        use_card.wait_for(state="visible")
        in_extension_window(context, use_card, extension_id, card.holder.pin, checks, "card-login")
        page.wait_for_url(re.compile(r"/applications$"))

        # -- two-step login on, then off: the password and a code (or the linked card) first -----------------
        page.goto(intake_url + "/account/totp")
        totp = pyotp.TOTP(page.locator("main code").inner_text())
        page.fill("#code", totp.now())
        page.fill("#password", PASSWORD)  # turning it on needs the password (or the linked card) too
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/account\?changed=totp_on$"))
        page.goto(intake_url + "/account/totp")
        page.locator("main details summary").click()  # "Or use your My Number Card": the linked card proves it too
        page.locator("#extension-auth").wait_for(state="visible")
        checks.applicant_page(page, "totp-off")
        page.fill("#password", PASSWORD)
        page.fill("#code", totp.at(datetime.now(UTC) + timedelta(seconds=30)))  # not the one that turned it on
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/account\?changed=totp_off$"))
        page.goto(intake_url + "/account/card-login")  # linked: another card, or unlink with the password
        use_card.wait_for(state="visible")
        checks.applicant_page(page, "card-linked-manage")

    def status():
        return scalar(intake_rt, sa.select(applications.c.status).where(applications.c.id == app_id))

    wait(lambda: status() == "received", "signing verified and the bureau received the application")
    with intake_rt.engine.connect() as conn:
        kinds = (
            conn.execute(
                sa.select(timeline_entries.c.kind)
                .where(timeline_entries.c.application_id == app_id)
                .order_by(timeline_entries.c.id)
            )
            .scalars()
            .all()
        )
    assert "signature_verified" in kinds and "received" in kinds, kinds
    page.reload()
    checks.applicant_page(page, "application-received")
    assert not checks.problems, "accessibility / 375 px problems:\n" + "\n".join(checks.problems)

"""Helpers for the browser journey: prerequisites, the SMTP sink, axe-core, screenshots, the card signer.

Every wait polls a condition against a deadline; nothing sleeps a fixed time.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import io
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# the Tokyo bureau's mailbox in the browser tests (a constant of this module, not of conftest: a bare
# `from conftest import` gets whichever conftest a whole-repo run imported first)
BUREAU_MAILBOX = "review-tokyo@example.jp"

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = Path(os.environ.get("ZAIRYU_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
INSTALL_AXE = "npm ci --prefix tests/browser  (package.json + package-lock.json pin axe-core)"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require(ok: bool, reason: str) -> None:
    """Skip with the reason (how to get the missing part); under CI=true fail instead."""
    import pytest

    if ok:
        return
    if in_ci():
        pytest.fail(f"browser journey prerequisite missing in CI: {reason}")
    pytest.skip(reason)


@contextlib.contextmanager
def served_intake(tmp_path):
    """intake alone in this process (SQLite in ``tmp_path``), behind a real HTTP server for the browser, and a second
    app on the same database with CSRF off, driven by a test client to set the scene: (runtime, base URL, that app).
    The organisation's pages need no card reader or signer; without chromium, axe-core or playwright: skipped
    (failed under CI)."""
    from werkzeug.serving import make_server

    missing = [m for m in missing_prerequisites() if "zairyu-signer" not in m]
    require(not missing, "; ".join(missing))
    from intake_testkit import make_runtime

    from intake.entrypoints.web import create_app

    rt = make_runtime(tmp_path)
    app = create_app(rt)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    setup = create_app(rt)
    setup.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    try:
        yield rt, f"http://127.0.0.1:{server.server_port}", setup
    finally:
        server.shutdown()
        rt.stop()


def missing_prerequisites() -> list[str]:
    missing = []
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        missing.append(f"chromium not found at {CHROMIUM} (Debian: apt-get install chromium)")
    if not AXE.exists():
        missing.append(f"axe-core not installed ({AXE}); run: {INSTALL_AXE}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("playwright (Python) is not installed in the venv")
    if shutil.which("zairyu-signer", path=str(Path(sys.executable).parent)) is None:
        missing.append("zairyu-signer is not installed in the venv (pip install -e services/signing)")
    return missing


# -- test artefacts: a little fake applicant paperwork --------------------------------------------
def portrait_jpeg() -> bytes:
    """A 3:4 portrait photo (600 x 800) with a plain background and a face-ish shape."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (600, 800), (232, 236, 240))
    draw = ImageDraw.Draw(img)
    draw.ellipse((190, 180, 410, 440), fill=(222, 184, 150))
    draw.rectangle((130, 470, 470, 800), fill=(40, 60, 110))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def letter_pdf(title: str, lines: list[str]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    pdf.setTitle(title)
    y = 800
    for line in [title, "", *lines]:
        pdf.drawString(72, y, line)
        y -= 18
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


# -- SMTP sink ------------------------------------------------------------------------------------
@dataclass
class SmtpSink:
    """A real SMTP server (aiosmtpd) that keeps every message it is handed."""

    port: int
    messages: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 OK"

    def to(self, address: str) -> list:
        with self.lock:
            return [m for rcpts, m in self.messages if address in rcpts]

    def of_type(self, address: str, notice_type: str) -> list:
        return [m for m in self.to(address) if m["X-Zairyu-Notice-Type"] == notice_type]


def body_text(msg) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""


# -- pages: screenshots + axe-core + phone width --------------------------------------------------
INTAKE_CATALOGS = ROOT / "services" / "intake" / "intake" / "entrypoints" / "translations"


def untranslated_markers(lang: str) -> list[str]:
    """English strings of intake's catalog that must not appear on a page in ``lang``: every msgid of two
    words or more whose translation differs from it (names that stay the same, like "Zairyu", are left out;
    so are strings with placeholders, which never show as written)."""
    from babel.messages.pofile import read_po

    with (INTAKE_CATALOGS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        po = read_po(fh, locale=lang)
    out = []
    for m in po:
        if not m.id or not isinstance(m.id, str) or "%(" in m.id or " " not in m.id.strip() or len(m.id) < 8:
            continue
        if m.string and m.string != m.id:
            out.append(m.id)
    return out


PHONE_READING = """() => {
  window.dispatchEvent(new Event("resize"));  // chosen.js measures again at this width, synchronously
  const out = [];
  for (const el of document.querySelectorAll(".nobreak, td.money")) {
    if (el.getClientRects().length > 1) out.push("broken over lines: " + el.textContent.trim());
  }
  const measure = document.createElement("canvas").getContext("2d");
  for (const select of document.querySelectorAll(".field select")) {
    const option = select.options[select.selectedIndex];
    if (!option || !option.value) continue;
    measure.font = getComputedStyle(select).font;
    if (measure.measureText(option.text).width <= select.clientWidth - 40) continue;
    const note = document.getElementById("chosen-" + select.name);
    if (!note || note.hidden || note.textContent !== option.text) out.push("select cuts its answer: " + option.text);
  }
  // a value squeezed into a column a word wide beside a long label (the organisation draft's summary, session 20)
  for (const dd of document.querySelectorAll("main dl dd")) {
    const text = dd.textContent.trim();
    if (dd.clientWidth > 0 && dd.clientWidth < 120 && text.length > 16) out.push("value in a narrow column: " + text);
  }
  // two buttons one above the other with no space between them
  const buttons = [...document.querySelectorAll("main button, main .button")]
    .map((b) => [b, b.getBoundingClientRect()]).filter(([, r]) => r.width > 0 && r.height > 0);
  for (const [a, ra] of buttons) {
    for (const [b, rb] of buttons) {
      const gap = rb.top - ra.bottom;
      const overlap = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
      if (a !== b && overlap > 0 && gap >= -1 && gap < 4) out.push("buttons touch: " + a.textContent.trim() + " / " + b.textContent.trim());
    }
  }
  return out;
}"""


class PageChecks:
    """Screenshot every step; on applicant pages run axe-core at desktop and 375 px widths, and look for
    English left on a page in another language."""

    def __init__(self, out: Path, lang: str | None = None):
        self.out = out
        self.lang = lang  # every applicant page must be in this language (<html lang>)
        self.count = 0
        self.checked: list[str] = []
        self.visited: list[
            tuple[str, str]
        ] = []  # (name, url) of the applicant pages, to walk again in another language
        self.problems: list[str] = []
        self.seconds = 0.0  # spent in screenshots + axe (reported, so the journey's own time is visible)
        self._markers: dict[str, list[str]] = {}

    def untranslated(self, page, name: str, lang: str) -> None:
        """No English msgid of intake's catalog in the visible text of a page shown in ``lang``."""
        if lang == "en":
            return
        markers = self._markers.setdefault(lang, untranslated_markers(lang))
        text = " ".join(page.locator("body").inner_text().split())
        left = [m for m in markers if " ".join(m.split()) in text]
        if left:
            self.problems.append(f"{name} ({page.url}): untranslated in {lang}: {left[:5]}")

    def shot(self, page, name: str) -> None:
        self.count += 1
        page.screenshot(path=str(self.out / f"{self.count:02d}-{name}.png"), full_page=True)

    def applicant_page(self, page, name: str) -> None:
        """Screenshot + axe at desktop width, then the same at 375 px (and no sideways scrolling)."""
        started = time.monotonic()
        # a click's navigation may have committed without the new document parsed yet: its <html> is then null
        page.wait_for_load_state()
        if self.lang and page.evaluate("document.documentElement.lang") != self.lang:
            self.problems.append(f"{name} ({page.url}): <html lang> is not {self.lang!r}")
        if self.lang:
            self.untranslated(page, name, self.lang)
        self.visited.append((name, page.url))
        self.shot(page, name)
        self._axe(page, name)
        page.set_viewport_size(PHONE)
        try:
            self.shot(page, name + "-375px")
            self._axe(page, name + "@375px")
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if overflow > 1:
                self.problems.append(f"{name}@375px: page scrolls sideways by {overflow}px ({page.url})")
            self.phone_reading(page, name + "@375px")
        finally:
            page.set_viewport_size(DESKTOP)
        self.checked.append(name)
        self.seconds += time.monotonic() - started

    def again_in(self, page, lang: str, switch, rewrite: dict[str, str] | None = None) -> None:
        """Every applicant page visited, again in ``lang`` at 375 px: in that language (<html lang>), nothing
        English left, no sideways scrolling, axe clean, and the page itself (not an error page). ``switch(page)``
        changes the site's language; ``rewrite`` maps an address prefix to another (a draft submitted since its
        pages were seen: a live draft's pages stand in for them)."""
        switch(page)
        page.set_viewport_size(PHONE)
        try:
            seen = set()
            for name, url in self.visited:
                parts = urlsplit(url)  # a ?lang= in a visited address would switch the language back
                query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "lang"])
                url = urlunsplit(parts._replace(query=query))
                for before, after in (rewrite or {}).items():
                    if url.startswith(before):
                        url = after + url[len(before) :]
                if url in seen:
                    continue
                seen.add(url)
                answer = page.goto(url)
                label = f"{name}-{lang}-375px"
                if answer is not None and answer.status >= 400:
                    self.problems.append(f"{label} ({url}): answered {answer.status}, not the page")
                if page.evaluate("document.documentElement.lang") != lang:
                    self.problems.append(f"{label} ({page.url}): <html lang> is not {lang!r}")
                self.untranslated(page, label, lang)
                self.shot(page, label)
                self._axe(page, label)
                overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
                if overflow > 1:
                    self.problems.append(f"{label}: page scrolls sideways by {overflow}px ({page.url})")
                self.phone_reading(page, label)
        finally:
            page.set_viewport_size(DESKTOP)

    def phone_reading(self, page, label: str) -> None:
        """What no sideways scrolling misses (found 2026-12-07 at 375 px in Nepali and Vietnamese): a number, code
        or amount broken over lines ("TKY-" / "2026-000777", "¥12,00" / "0"), and a form's closed select cutting
        its chosen answer at the box's edge with nothing under it saying the whole answer (chosen.js)."""
        found = page.evaluate(PHONE_READING)
        for problem in found:
            self.problems.append(f"{label} ({page.url}): {problem}")

    def _axe(self, page, name: str) -> None:
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            # evaluated through the DevTools protocol: the pages' strict CSP stays on (no inline script tag)
            page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
        result = page.evaluate("""async () => {
            // target-size: WCAG 2.2 2.5.8, tap targets of at least 24 x 24 px (a phone's fingers; issue 18)
            const r = await axe.run(document, {resultTypes: ['violations'], rules: {'target-size': {enabled: true}}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }""")
        for v in result:
            if v["impact"] in ("serious", "critical"):
                self.problems.append(f"{name} ({page.url}): {v['impact']} {v['id']}: {v['help']} at {v['nodes']}")


# -- the bureau's officers ------------------------------------------------------------------------------------
def officer_sign_in(context, base: str, path: str, fields: tuple[str, str, str], username, password, secret):
    """An officer's sign-in page (review's or the mailroom's): user name, password and the TOTP code."""
    import pyotp

    page = context.new_page()
    page.goto(base + path)
    page.fill(f"#{fields[0]}", username)
    page.fill(f"#{fields[1]}", password)
    page.fill(f"#{fields[2]}", pyotp.TOTP(secret).now())
    page.locator(f"form:has(#{fields[1]}) button").click()
    return page


def choose_language(page, lang: str) -> None:
    """The page's language picker set to ``lang`` and sent, waiting for the page that answers: the click starts a
    navigation, and a predicate polled across it can meet a document with no root element yet (CI, 2026-12-07:
    ``Cannot read properties of null (reading 'lang')``), so the wait is for the navigation, then for the root."""
    from playwright.sync_api import expect  # here: this module loads where playwright is missing, to skip

    page.select_option("#lang-select", lang)
    with page.expect_navigation():
        page.locator("form.lang button").click()
    expect(page.locator("html")).to_have_attribute("lang", lang)


# -- an organisation's staff (services/intake/tests/test_organisation_people.make_org's administrator) ----------------
def org_sign_in(page, base: str, lang: str, code: str) -> None:
    """The organisation's sign-in page in ``lang``, as its administrator, with the TOTP ``code`` given (a code is
    accepted once: a scene that signed in already passes the next step's)."""
    page.goto(f"{base}/org/login?lang={lang}")
    page.fill("#email", "admin@sample.example")
    page.fill("#password", "correct horse battery")
    page.fill("#code", code)
    page.click("main > form button[type=submit]")


def org_with_one_person(rt, setup, period_of_stay: str | None = "3 years") -> tuple[Any, str, str]:
    """An organisation, its administrator signed in on a client of ``setup`` (served_intake's app), and TRAN THI
    BINH on its people list (``period_of_stay`` None: recorded without one): (that client, the administrator's TOTP
    secret, the person's id)."""
    import sqlalchemy as sa
    from test_organisation_people import make_org, sign_in

    from intake.adapters.organisation_tables import people

    org = setup.test_client()
    _org_id, secret = make_org(org, rt)
    assert sign_in(org, "admin@sample.example", secret).status_code == 302
    person = {
        "name": "TRAN THI BINH",
        "status": "engineer_humanities",
        "period_expiry": "2027-02-01",
        "card_number": "AB00000001CD",
        "period_of_stay": period_of_stay,
        "nationality": "Viet Nam",
    }
    org.post("/org/people", data={k: v for k, v in person.items() if v is not None})
    with rt.engine.connect() as conn:
        return org, secret, str(conn.execute(sa.select(people.c.id)).scalar())


# -- the desktop signer, through pcscd -------------------------------------------------------------
def redeem_with_card(code: str, server: str, reader: str, password: str, timeout: float = 60.0) -> str:
    """`zairyu-signer --reader R redeem CODE --server URL --yes`, the password on stdin (exit 0 or fail)."""
    signer = str(Path(sys.executable).parent / "zairyu-signer")
    done = subprocess.run(
        [signer, "--reader", reader, "--lang", "en", "redeem", code, "--server", server, "--yes"],
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, f"zairyu-signer exit {done.returncode}: {done.stdout}\n{done.stderr}"
    return done.stdout

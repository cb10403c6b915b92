"""Issue 21's journey in a real browser: RabbitMQ, PostgreSQL, SMTP (aiosmtpd), pcscd with the simulated card real.

A Tokyo employer applies for use (its administrator, in Japanese); a Tokyo examiner proposes approval and a
supervisor confirms it (four-eyes); the administrator invites a staff member by e-mail, who chooses a password,
reads the authenticator key and signs in with password + TOTP (in Vietnamese). The staff member lists 20 people,
asks each for consent (each consents from their own account, registered with their own card), imports 20
extensions from a CSV, adds each person's photo, chooses all 20 and gets one page of signing codes with one command;
`zairyu-signer redeem` signs all 20 on the staff member's card in one card session (the password once). The bureau
receives 20 cases filed by the organisation; the examiner asks for a document on one, refuses one and proposes
approval for the rest, the supervisor confirms; the staff member answers the request with a PDF from the dashboard,
and the dashboard shows every decision. The staff member's pages are checked with axe-core at desktop and 375 px
(in Vietnamese), the administrator's in Japanese. Screenshots: test-artifacts/browser/organisation/.

What a person does, the browser does; the 20 people's own registrations (e-mail link, card, password) and
consents go through intake's web front without a browser (the applicant's journey covers those pages).
"""

from __future__ import annotations

import base64
import csv
import io
import re
import shlex
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import browser_support as bs
import pyotp
import pytest
import sqlalchemy as sa

OUT = bs.ARTIFACTS / "organisation"
ORG_NAME = "株式会社さくらソフトウェア"
ORG_ADDRESS = "東京都千代田区丸の内一丁目1番1号"  # Tokyo: the Tokyo bureau decides its application for use
CORPORATE = "7123456789012"  # check digit 7 (法人番号の指定等に関する省令 第2条)
ADMIN, ADMIN_PASSWORD = "jinji@sakura-soft.example", "人事部の長いパスワード 2026"
STAFF, STAFF_PASSWORD = "lan.pham@sakura-soft.example", "mật khẩu của Lan ở công ty"
PERSON_PASSWORD = "my own long password 2026"
# The people the employer files for, as their passports write them.
NAMES = [
    "NGUYEN THI HOA",
    "TRAN VAN MINH",
    "LE THI LAN",
    "PHAM DUC ANH",
    "HOANG THI MAI",
    "VU VAN NAM",
    "DANG THI THU",
    "BUI VAN HUNG",
    "DO THI NGOC",
    "NGO VAN LONG",
    "GURUNG RAM BAHADUR",
    "THAPA SITA",
    "SHRESTHA BIKASH",
    "SARI DEWI",
    "SANTOSO BUDI",
    "REYES MARIA CLARA",
    "DELA CRUZ JOSE",
    "WANG FANG",
    "LI WEI",
    "SILVA ANA PAULA",
]
ASKED, REFUSED = 0, 1  # the bureau asks NAMES[0] for a document and refuses NAMES[1]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PROVISIONAL = re.compile(r"P-\d{8}-\d{7}-\d")
COMPUTE_DIGITAL_SIGNATURE, VERIFY = 0x2A, 0x20  # the card's INS bytes (jpki_apdu)


@pytest.fixture
def pki(tmp_path):
    """The test PKI with a card for each of the 20 people (valid-more-001 ...) besides the staff member's."""
    from signing.testpki import create_test_pki

    return create_test_pki(tmp_path / "pki", more_valid=len(NAMES))


@pytest.fixture
def background(zairyu):
    """A worker for the people's own registrations, stopped before the platform is."""
    pool = ThreadPoolExecutor(max_workers=1)
    yield pool
    pool.shutdown(wait=True, cancel_futures=True)


def wait(predicate, what: str, timeout: float = 60.0):
    from zairyu_shared.testing import wait_until

    return wait_until(predicate, timeout=timeout, interval=0.1, message=what)


def translator(lang: str):
    """intake's catalog for ``lang``: what the page says, to assert the words a person reads."""
    from babel.support import Translations

    return Translations.load(str(bs.INTAKE_CATALOGS), [lang]).gettext


def csrf(client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    return CSRF.search(page.get_data(as_text=True)).group(1)


def link_in(mail, base: str, path: str) -> str:
    found = re.search(re.escape(base) + re.escape(path) + r"\S+", bs.body_text(mail))
    assert found, bs.body_text(mail)
    return found.group(0).rstrip(".)")


# -- the people themselves (their own accounts; no browser) -------------------------------------------------------
def register_person(plat, smtp, pki, n: int):
    """Person n registers as any applicant does: e-mail link, their own card signs, a password. Each from their
    own address (the front's limits count per address). Returns their signed-in client."""
    from signing.adapters.inprocess_card import inprocess_signer
    from signing.testpki.card import card_for

    holder = pki.holder(f"valid-more-{n + 1:03d}")
    email = f"person{n + 1:02d}@example.vn"
    client = plat.client("intake")
    client.environ_base.update(REMOTE_ADDR=f"198.51.100.{n + 1}", HTTP_ACCEPT_LANGUAGE="vi")
    sent = client.post("/register", data={"csrf_token": csrf(client, "/register"), "email": email})
    assert sent.status_code == 200, sent.get_data(as_text=True)[:500]
    mail = wait(lambda: smtp.of_type(email, "email_verification"), f"{email}'s verification mail")[0]
    link = link_in(mail, plat.urls["intake"], "/register/verify/").removeprefix(plat.urls["intake"])
    started = client.post(link + "/sign", data={"csrf_token": csrf(client, link)})
    code = started.headers["Location"].rsplit("/", 1)[1]
    request = client.get(f"/api/v1/signing-requests/{code}").json
    signature = inprocess_signer(card_for(pki, holder)).sign(base64.b64decode(request["content_b64"]), holder.password)
    answer = client.post(
        f"/api/v1/signing-requests/{code}/signature",
        json={"signature_b64": base64.b64encode(signature).decode()},
        headers={"X-Zairyu-Api": "1"},
    )
    assert answer.status_code == 200 and answer.json["ok"], answer.json
    done = client.post(
        link,
        data={"csrf_token": csrf(client, link), "password": PERSON_PASSWORD, "password_again": PERSON_PASSWORD},
    )
    assert done.status_code == 302 and done.headers["Location"].endswith("/applications"), done.status_code
    return client


def consent(client, link: str) -> None:
    path = "/" + link.split("/", 3)[3]
    given = client.post(path, data={"csrf_token": csrf(client, path)})
    assert given.status_code == 200, given.status_code


def the_csv(cards: list[str], expiry: str) -> bytes:
    """One row per person: their residence card number, the procedure and the form's fields (the organisation
    is filled in as the filer)."""
    from test_organisation_people import ROW  # the form's fields for an extension filed by employer staff

    rows = []
    for n, (name, card) in enumerate(zip(NAMES, cards, strict=True)):
        rows.append(
            {
                **ROW,
                "card_number": card,
                "procedure": "extension",
                "applicant_name": name,
                "applicant_date_of_birth": f"199{n % 10}-0{n % 9 + 1}-1{n % 9}",
                "applicant_sex": "female" if n % 2 == 0 else "male",
                "passport_number": f"C{7000000 + n}",
                "period_expiry": expiry,
            }
        )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["card_number", "procedure", *ROW], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def decisions_on(dashboard) -> dict[str, str]:
    """The dashboard's "filed" section: each person's name and the state of what was filed for them."""
    return {
        card.locator("h3").inner_text().strip(): card.locator("strong").inner_text().strip()
        for card in dashboard.locator("section[aria-labelledby=filed] li.card").all()
    }


# -- the bureau's officers -------------------------------------------------------------------------------------
def submit(page, selector: str) -> None:
    """Click a form's button and wait for the page it leads to (a POST, then its redirect)."""
    with page.expect_navigation():
        page.locator(selector).click()


def propose(examiner, base: str, app_id: str, outcome: str, claim: bool = True) -> None:
    examiner.goto(f"{base}/cases/{app_id}?purpose=examination")
    if claim:
        submit(examiner, "form[action$='/claim'] button")
    examiner.locator("form[action$='/propose']").locator("xpath=ancestor::details").locator("summary").click()
    examiner.check(f"form[action$='/propose'] input[name=outcome][value={outcome}]")
    if outcome == "approved":
        examiner.select_option("#granted_status", "engineer_humanities")
        examiner.select_option("#period_of_stay", "P3Y")
    else:
        # the grounds are sentences, each on its own line with its box (they ran together as one paragraph)
        lefts = examiner.eval_on_selector_all(
            "fieldset.grounds label", "ls => ls.map(l => l.getBoundingClientRect().left)"
        )
        assert len(lefts) == 10 and len(set(lefts)) == 1, lefts
        examiner.check("input[name=reason_codes][value=standards_not_met]")  # pay below a Japanese worker's
        examiner.fill("#explanation", "雇用契約上の報酬額が日本人と同等額以上であることが確認できないため。")
    submit(examiner, "form[action$='/propose'] button")
    assert examiner.locator(".proposal").count() == 1, examiner.locator("main").inner_text()[:800]


def confirm(supervisor, base: str, app_id: str) -> None:
    supervisor.goto(f"{base}/cases/{app_id}?purpose=supervision")
    supervisor.check("form[action$='/confirm'] input[name=acknowledge]")  # final and announced: ticked first
    submit(supervisor, "form[action$='/confirm'] button")


# 75 s (+ 25 s to start and stop the platform) on 2 cores at load 8, 2-2.5 min at load 14; every wait is bounded on
# its own, so a real hang still fails early.
@pytest.mark.timeout(600)
def test_a_tokyo_employer_files_twenty_extensions_in_one_card_session(zairyu, browser, smtp, pki, background):
    from intake.adapters.organisation_tables import org_drafts, organisations
    from intake.adapters.tables import applications
    from intake.application.common import today_jst
    from review.adapters.accounts import create_officer
    from review.adapters.organisation_tables import organisation_requests
    from review.adapters.tables import cases
    from signing.testing import running_card
    from zairyu_shared.db import transaction

    started = time.monotonic()
    phases: dict[str, float] = {}

    def phase(name: str) -> None:
        phases[name] = time.monotonic() - started - sum(phases.values())

    intake_url, review_url = zairyu.urls["intake"], zairyu.urls["review"]
    intake_rt, review_rt = zairyu.runtimes["intake"], zairyu.runtimes["review"]
    shutil.rmtree(OUT, ignore_errors=True)
    for sub in ("staff-vi", "admin-ja"):
        (OUT / sub).mkdir(parents=True)
    staff_checks = bs.PageChecks(OUT / "staff-vi", lang="vi")  # the staff member's pages: Vietnamese
    admin_checks = bs.PageChecks(OUT / "admin-ja", lang="ja")  # the administrator's and the officers': Japanese
    vi, ja = translator("vi"), translator("ja")

    # The 20 people register with their own cards meanwhile (their own accounts; no browser).
    registering = [background.submit(register_person, zairyu, smtp, pki, n) for n in range(len(NAMES))]

    with transaction(review_rt.session_factory) as s:
        _, examiner_pw, examiner_totp = create_officer(s, "tanaka", "Tanaka Ken", "examiner", "tokyo")
        _, supervisor_pw, supervisor_totp = create_officer(s, "suzuki", "Suzuki Aya", "supervisor", "tokyo")
    contexts = {
        "admin": browser.new_context(viewport=bs.DESKTOP, locale="ja-JP"),
        "staff": browser.new_context(viewport=bs.DESKTOP, locale="vi-VN"),
        "examiner": browser.new_context(viewport=bs.DESKTOP, locale="ja-JP"),
        "supervisor": browser.new_context(viewport=bs.DESKTOP, locale="ja-JP"),
    }
    for ctx in contexts.values():
        ctx.set_default_timeout(30_000)

    # -- 1. the employer applies for use (its administrator, in Japanese) ------------------------------------------
    admin = contexts["admin"].new_page()
    admin.goto(intake_url + "/org/apply")
    assert admin.evaluate("document.documentElement.lang") == "ja"
    admin.fill("#f-name", ORG_NAME)
    admin.select_option("#f-kind", "employer")
    admin.fill("#f-address", ORG_ADDRESS)
    admin.fill("#f-corporate_number", CORPORATE)
    admin.fill("#f-email", ADMIN)
    admin.fill("#f-password", ADMIN_PASSWORD)
    submit(admin, "main > form button[type=submit]")
    admin_secret = admin.locator("main code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{16,}", admin_secret), admin_secret  # the authenticator key, shown once
    admin_checks.applicant_page(admin, "org-applied")

    def filed_at_review():
        with review_rt.engine.connect() as conn:
            return conn.execute(
                sa.select(organisation_requests.c.organisation_id, organisation_requests.c.bureau)
            ).first()

    org_id, bureau = wait(filed_at_review, "review to file the application for use")
    assert bureau == "tokyo"
    phase("apply for use")

    # -- 2. the Tokyo bureau approves it, four-eyes ------------------------------------------------------------------
    examiner = bs.officer_sign_in(
        contexts["examiner"],
        review_url,
        "/login",
        ("username", "password", "totp"),
        "tanaka",
        examiner_pw,
        examiner_totp,
    )
    examiner.wait_for_url(re.compile(r"/queue"))
    examiner.goto(review_url + "/organisations")
    submit(examiner, f"a:text('{ORG_NAME}')")
    assert CORPORATE in examiner.locator("main").inner_text()
    examiner.check("input[name=outcome][value=approved]")
    admin_checks.shot(examiner, "review-organisation-propose")
    submit(examiner, "form[action$='/propose'] button")
    supervisor = bs.officer_sign_in(
        contexts["supervisor"],
        review_url,
        "/login",
        ("username", "password", "totp"),
        "suzuki",
        supervisor_pw,
        supervisor_totp,
    )
    supervisor.wait_for_url(re.compile(r"/queue"))
    supervisor.goto(f"{review_url}/organisations/{org_id}")
    submit(supervisor, "form[action$='/confirm'] button")
    admin_checks.shot(supervisor, "review-organisation-confirmed")

    def standing():
        with intake_rt.engine.connect() as conn:
            return conn.execute(sa.select(organisations.c.status).where(organisations.c.id == org_id)).scalar()

    wait(lambda: standing() == "approved", "intake to learn of the approval")
    phase("bureau approves")

    # -- 3. the administrator signs in and invites a staff member (Vietnamese) -------------------------------------
    admin.goto(intake_url + "/org/login")
    admin.fill("#email", ADMIN)
    admin.fill("#password", ADMIN_PASSWORD)
    admin.fill("#code", pyotp.TOTP(admin_secret).now())
    submit(admin, "main > form button[type=submit]")
    # The bureau's answer to an application for use is 承認 (msgctxt "organisation use"), not a residence permission.
    from babel.support import Translations

    use_approved = Translations.load(str(bs.INTAKE_CATALOGS), ["ja"]).pgettext("organisation use", "Approved")
    assert use_approved in admin.locator("#approval + p").inner_text()
    admin.goto(intake_url + "/org/staff")
    admin.fill("#f-email", STAFF)
    admin.select_option("#f-language", "vi")
    submit(admin, "main > form:last-of-type button[type=submit]")
    assert admin.locator(".notice[role=status]").count() == 1  # "the invitation was sent by e-mail"
    admin_checks.applicant_page(admin, "org-staff-invited")
    invitation = wait(lambda: smtp.to(STAFF), "the invitation e-mail")[0]
    assert invitation["Content-Language"] == "vi" and ORG_NAME in bs.body_text(invitation)

    staff = contexts["staff"].new_page()
    staff.goto(link_in(invitation, intake_url, "/org/invite/"))
    assert staff.evaluate("document.documentElement.lang") == "vi"
    staff.fill("#password", STAFF_PASSWORD)
    submit(staff, "main form button[type=submit]")
    staff_secret = staff.locator("main code").inner_text().strip()
    staff_checks.applicant_page(staff, "org-invitation-accepted")
    staff.goto(intake_url + "/org/login")
    staff.fill("#email", STAFF)
    staff.fill("#password", STAFF_PASSWORD)
    staff.fill("#code", pyotp.TOTP(staff_secret).now())
    submit(staff, "main > form button[type=submit]")
    assert staff.url.rstrip("/").endswith("/org"), staff.url
    header = staff.locator("header nav")  # signed in: their dashboard and log out, not the applicants' sign-in
    assert header.locator("a[href='/org/']").count() == 1 and header.locator("a[href='/login']").count() == 0
    phase("staff invited and signed in")

    # -- 4. the staff member lists the 20 people and asks each for consent ----------------------------------------
    expiry = (today_jst() + timedelta(days=60)).isoformat()  # inside the extension window (3 months)
    cards = [f"RK{n + 1:08d}VN" for n in range(len(NAMES))]
    staff.goto(intake_url + "/org/people")
    for name, card in zip(NAMES, cards, strict=True):
        staff.fill("#f-person_name", name)
        staff.fill("#f-nationality", "Viet Nam")
        staff.select_option("#f-status", "engineer_humanities")
        staff.fill("#f-period_of_stay", "3 years")
        staff.fill("#f-period_expiry", expiry)
        staff.fill("#f-card_number", card)
        submit(staff, "main > form:last-of-type button[type=submit]")
    assert staff.locator("main li.card").count() == len(NAMES)
    staff_checks.applicant_page(staff, "org-people")
    links = []
    for name in NAMES:
        staff.goto(intake_url + "/org/people")
        submit(staff, f"main li.card:has(h2:text-is('{name}')) form[action$='/consent-link'] button")
        links.append(staff.locator("main code").inner_text().strip())
    staff_checks.applicant_page(staff, "org-consent-link")
    people = [r.result(timeout=180) for r in registering]
    phase("20 people listed; their registrations")
    for person, link in zip(people, links, strict=True):
        consent(person, link)
    staff.goto(intake_url + "/org/people")
    assert staff.locator("main li.card form[action$='/consent-link']").count() == 0  # everyone consented

    # -- 5. 20 extensions from a CSV, each person's photo -----------------------------------------------------------
    staff.goto(intake_url + "/org/drafts/import")
    staff.set_input_files(
        "#f-file", {"name": "gia-han-2026.csv", "mimeType": "text/csv", "buffer": the_csv(cards, expiry)}
    )
    submit(staff, "main > form:last-of-type button[type=submit]")
    assert staff.locator("#error-summary").count() == 0, staff.locator("#error-summary").inner_text()
    assert staff.locator(".notice[role=status]").inner_text().strip() == vi("Drafts created: %(num)d") % {
        "num": len(NAMES)
    }
    staff_checks.applicant_page(staff, "org-imported")
    with intake_rt.engine.connect() as conn:
        draft_ids = (
            conn.execute(sa.select(org_drafts.c.id).where(org_drafts.c.organisation_id == org_id)).scalars().all()
        )
    assert len(draft_ids) == len(NAMES)
    photo = bs.portrait_jpeg()
    for n, draft_id in enumerate(draft_ids):
        staff.goto(f"{intake_url}/org/drafts/{draft_id}")
        if n == 0:
            staff_checks.applicant_page(staff, "org-draft-needs-photo")  # "before this draft can be signed"
        staff.select_option("#kind", "photo")
        staff.set_input_files("#file", {"name": f"anh-{n + 1:02d}.jpg", "mimeType": "image/jpeg", "buffer": photo})
        submit(staff, "main form[enctype] button[type=submit]")
        assert staff.locator("#error-summary").count() == 0, staff.locator("#error-summary").inner_text()
    staff_checks.applicant_page(staff, "org-draft-ready")
    phase("CSV import and 20 photos")

    # -- 6. all 20 chosen; one page of codes; one card session signs them -------------------------------------------
    staff.goto(intake_url + "/org/drafts")
    boxes = staff.locator("main input[type=checkbox][name=draft]")
    assert boxes.count() == len(NAMES)
    for i in range(boxes.count()):
        boxes.nth(i).check()
    submit(staff, "main form[action$='/drafts/sign'] button[type=submit]:not([formaction])")  # "with my card"
    assert "/org/signing/" in staff.url, staff.locator("main").inner_text()[:1000]
    codes = staff.locator("main li.card code").all_inner_texts()
    assert len(codes) == len(NAMES) and len(set(codes)) == len(NAMES)  # each application its own signature
    command = shlex.split(staff.locator("pre.cmd").inner_text())
    assert command[:2] == ["zairyu-signer", "redeem"] and command[2 : 2 + len(codes)] == codes, command
    staff_checks.applicant_page(staff, "org-signing-codes")
    staff.set_viewport_size(bs.PHONE)  # the command wraps between codes on a phone, never inside one
    split = staff.evaluate(
        "[...document.querySelectorAll('pre.cmd .nobreak')].filter(c => c.getClientRects().length > 1)"
    )
    staff.set_viewport_size(bs.DESKTOP)
    assert staff.locator("pre.cmd .nobreak").count() == len(NAMES) + 1 and not split  # the codes and --server
    with running_card(pki, "valid-nguyen") as card:  # the staff member's own My Number Card
        signer = str(Path(sys.executable).parent / "zairyu-signer")
        done = subprocess.run(
            [signer, "--reader", card.reader, *command[1:], "--yes"],
            input=card.holder.password + "\n",  # the signature password, once
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, f"zairyu-signer exit {done.returncode}: {done.stdout[-2000:]}\n{done.stderr}"
        commands = card.commands()
    signatures = [c for c in commands if len(c) > 1 and c[1] == COMPUTE_DIGITAL_SIGNATURE]
    passwords = [c for c in commands if len(c) > 5 and c[1] == VERIFY]
    # Twenty signatures, each over its own application; the card wants the password before each one, and the
    # signer asked the staff member once (one line on stdin) and presented it each time.
    assert len(signatures) == len(NAMES) and len(passwords) == len(NAMES), (len(signatures), len(passwords))
    assert len({s[5:] for s in signatures}) == len(NAMES)  # twenty different digests
    for n in range(1, len(NAMES) + 1):  # everything listed before the password was asked
        assert f"[{n}/{len(NAMES)}]" in done.stdout
    submit(staff, f"a[href$='{staff.url.rsplit('/', 1)[1]}']")  # "check now"
    statuses = staff.locator("main li.card p[role=status]").all_inner_texts()
    assert len(statuses) == len(NAMES) and all(PROVISIONAL.search(s) for s in statuses), statuses
    assert staff.locator("pre.cmd").count() == 0  # nothing left to sign
    staff_checks.applicant_page(staff, "org-signing-filed")
    phase("one card session signs 20")

    # -- 7. the bureau receives 20 cases filed by the organisation -------------------------------------------------
    with intake_rt.engine.connect() as conn:
        filed = dict(
            conn.execute(
                sa.select(org_drafts.c.person_id, org_drafts.c.submitted_application_id).where(
                    org_drafts.c.organisation_id == org_id
                )
            ).all()
        )
    app_of = {}  # name -> application id
    with intake_rt.engine.connect() as conn:
        from intake.adapters.organisation_tables import people as roster

        for person_id, name in conn.execute(sa.select(roster.c.id, roster.c.name)).all():
            app_of[name] = filed[person_id]
    assert set(app_of) == set(NAMES) and all(app_of.values())

    def states():
        with intake_rt.engine.connect() as conn:
            return dict(conn.execute(sa.select(applications.c.id, applications.c.status)).all())

    wait(lambda: set(states().values()) == {"received"}, "the Tokyo bureau to receive all 20", timeout=120)
    with review_rt.engine.connect() as conn:
        receipts = dict(conn.execute(sa.select(cases.c.application_id, cases.c.receipt_number)).all())
    assert len(receipts) == len(NAMES) and all(r.startswith("東オン-") for r in receipts.values())
    examiner.goto(review_url + "/queue")
    queue = examiner.locator("main table tbody").inner_text()
    assert all(r in queue for r in receipts.values()) and queue.count(ORG_NAME) == len(NAMES), queue[:2000]
    admin_checks.shot(examiner, "review-queue")
    phase("bureau receives 20")

    # -- 8. the examiner asks one person for a document, refuses one, proposes approval for the rest --------------
    asked = app_of[NAMES[ASKED]]
    examiner.goto(f"{review_url}/cases/{asked}?purpose=examination")
    page_text = examiner.locator("main").inner_text()
    assert ORG_NAME in page_text and CORPORATE in page_text  # who filed, and its approval for use
    assert examiner.locator(".filer-organisation").count() == 1
    submit(examiner, "form[action$='/claim'] button")
    examiner.locator("form[action$='/request-documents']").locator("xpath=ancestor::details").locator("summary").click()
    examiner.check("input[name=kinds][value=employment_certificate]")
    examiner.fill("#message", "直近3か月以内に発行された在職証明書を提出してください。")
    examiner.fill("#deadline", (today_jst() + timedelta(days=14)).isoformat())
    admin_checks.shot(examiner, "review-case-request-documents")
    submit(examiner, "form[action$='/request-documents'] button")
    for n, name in enumerate(NAMES):
        if n != ASKED:
            propose(examiner, review_url, app_of[name], "refused" if n == REFUSED else "approved")
    for n, name in enumerate(NAMES):
        if n != ASKED:
            confirm(supervisor, review_url, app_of[name])
    phase("19 decided four-eyes, one document asked for")

    # -- 9. the staff member answers the request from the dashboard -------------------------------------------------
    wait(lambda: states()[asked] == "documents_requested", "the request to reach intake")
    staff.goto(intake_url + "/org/")
    asking = staff.locator("section[aria-labelledby=filed] li.card").first  # the request first, of twenty
    assert asking.locator("h3").inner_text() == NAMES[ASKED] and asking.locator("p.requested").count() == 1
    staff_checks.applicant_page(staff, "org-dashboard-asked")
    submit(staff, f"section[aria-labelledby=filed] a[href*='/applications/{asked}/documents/']")
    staff_checks.applicant_page(staff, "org-documents-request")
    assert "直近3か月以内" in staff.locator("main p[lang=ja]").inner_text()  # the bureau's note, marked Japanese
    staff.set_input_files(
        "#file",
        {
            "name": "giay-xac-nhan-viec-lam.pdf",
            "mimeType": "application/pdf",
            "buffer": bs.letter_pdf("在職証明書", [f"{NAMES[ASKED]} is employed by Sakura Software K.K."]),
        },
    )
    submit(staff, "main form[enctype] button[type=submit]")
    assert "giay-xac-nhan-viec-lam.pdf" in staff.locator("main").inner_text()
    staff.fill("#message", "Chúng tôi gửi giấy xác nhận việc làm.")
    submit(staff, "main form[action$='/submit'] button")
    assert staff.locator("section[aria-labelledby=filed] .notice[role=status]").count() == 1  # "documents sent"

    def case_status(app_id):
        with review_rt.engine.connect() as conn:
            return conn.execute(sa.select(cases.c.status).where(cases.c.application_id == app_id)).scalar()

    wait(lambda: case_status(asked) == "documents_answered", "the answer to reach the examiner")
    propose(examiner, review_url, asked, "approved", claim=False)
    confirm(supervisor, review_url, asked)
    phase("document answered, decided")

    # -- 10. the dashboard shows every decision ---------------------------------------------------------------------
    wait(
        lambda: sorted(states().values()) == sorted(["approved"] * (len(NAMES) - 1) + ["refused"]),
        "every decision to reach intake",
    )
    staff.goto(intake_url + "/org/")
    assert decisions_on(staff) == {name: vi("Refused" if n == REFUSED else "Approved") for n, name in enumerate(NAMES)}
    assert staff.locator("section[aria-labelledby=filed] p.requested").count() == 0  # nothing asked any more
    # Nothing left to sign. Each approval moved the person's expiry on by the 3 years granted (from the day after the
    # old expiry), so only the refused person's stay still ends within 3 months, saying what became of the filing;
    # the filed section says what each approval granted.
    assert staff.locator("#prepared + p").inner_text().startswith(vi("Drafts: %(num)d") % {"num": 0})
    soon = staff.locator("section[aria-labelledby=soon] li").all_inner_texts()
    assert len(soon) == 1 and NAMES[REFUSED] in soon[0] and vi("Refused") in soon[0], soon
    from zairyu_shared import glossary

    granted = f"{vi('Period of stay')}: {glossary.period_name('P3Y', 'vi')}"
    assert staff.locator("section[aria-labelledby=filed]").inner_text().count(granted) == len(NAMES) - 1, granted
    staff_checks.applicant_page(staff, "org-dashboard-decided")
    admin.goto(intake_url + "/org/")  # the administrator sees the same, in Japanese
    assert decisions_on(admin) == {name: ja("Refused" if n == REFUSED else "Approved") for n, name in enumerate(NAMES)}
    admin_checks.applicant_page(admin, "org-dashboard-decided")
    phase("dashboard")

    # The people follow their own applications: the bureau's request and the decisions reached them by e-mail.
    first, second = "person01@example.vn", "person02@example.vn"
    wait(
        lambda: (
            smtp.of_type(first, "documents_requested")
            and smtp.of_type(first, "decision_approved")
            and smtp.of_type(second, "decision_refused")
        ),
        "the people's own notices",
    )
    assert {m["Content-Language"] for m in smtp.to(first)} == {"vi"}

    for name, seconds in phases.items():
        print(f"organisation journey {name}: {seconds:.1f} s")
    print(
        f"organisation_journey_seconds: {time.monotonic() - started:.1f} s "
        f"({staff_checks.seconds + admin_checks.seconds:.1f} s in screenshots + axe-core); screenshots in {OUT}"
    )
    problems = staff_checks.problems + admin_checks.problems
    assert not problems, "accessibility / 375 px / untranslated problems:\n" + "\n".join(problems)
    for ctx in contexts.values():
        ctx.close()

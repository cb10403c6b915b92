"""Filing without a card (issue 21) in a real browser: an organisation's staff member chooses two drafts on the
list, sees them on the confirmation page, enters a wrong code (refused, in Vietnamese), then a new one, and gets
the filed page — in Vietnamese at 375 px (axe-core clean, no sideways scrolling, no English left) and in Japanese
at desktop width. The same application, through signing's attestation and review's consumer (in process), on the
officer's case page in Japanese: how the filer was authenticated, no signature."""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime, timedelta

import browser_support as bs
import pyotp
import pytest
import time_machine
from werkzeug.serving import make_server


@pytest.fixture
def clock():
    with time_machine.travel(datetime.now(UTC), tick=True) as traveller:
        yield traveller


@pytest.fixture
def intake(tmp_path, clock):
    """intake served for the browser, and an app on its database to set the scene (browser_support)."""
    with bs.served_intake(tmp_path) as served:
        yield served


def _scene(rt, setup):
    """An approved Tokyo employer and two people who consented from their own accounts, a ready draft each."""
    from test_organisation_filing import a_draft, consenting_person, with_photo
    from test_organisation_people import make_org, sign_in

    org = setup.test_client()
    org.org_id, secret = make_org(org, rt)
    assert sign_in(org, "admin@sample.example", secret).status_code == 302
    drafts = []
    for n in (1, 2):
        card = f"AB0000000{n}CD"
        pid, _person = consenting_person(org, setup, rt, card, f"p{n}@example.jp")
        drafts.append(a_draft(rt, org, pid, card))
        with_photo(org, drafts[-1])
    return secret, drafts


def _sign_in(page, base, secret, lang):
    bs.org_sign_in(page, base, lang, pyotp.TOTP(secret).now())
    page.wait_for_url(re.compile(r".*/org/$"))


def test_filing_without_a_card_in_vietnamese_at_375_px_and_in_japanese(intake, browser, clock, tmp_path):
    rt, base, setup = intake
    secret, drafts = _scene(rt, setup)
    out = bs.ARTIFACTS / "staff-filing"
    for lang in ("vi", "ja"):
        (out / lang).mkdir(parents=True, exist_ok=True)
    vi = bs.PageChecks(out / "vi", lang="vi")
    clock.shift(timedelta(seconds=31))  # a code is accepted once: the scene signed in with this step's
    context = browser.new_context(locale="vi-VN", viewport=bs.DESKTOP)
    page = context.new_page()
    _sign_in(page, base, secret, "vi")
    page.goto(f"{base}/org/drafts")
    vi.applicant_page(page, "org-drafts-vi")
    for draft in drafts:
        page.check(f"#d-{draft}")
    page.click('main form button[formaction$="/org/file/confirm"]')
    page.wait_for_url(re.compile(r".*/org/file/confirm$"))
    vi.applicant_page(page, "org-file-confirm-vi")
    listed = page.inner_text("main ol.cards")
    assert "PERSON AB00000001CD" in listed and "PERSON AB00000002CD" in listed
    page.fill("#code", "000000")
    page.click('main form[action$="/org/file"] button[type=submit]')
    vi.applicant_page(page, "org-file-wrong-code-vi")
    assert "Mã này sai, đã quá cũ hoặc đã được dùng" in page.inner_text("#error-summary")
    assert page.get_attribute("#code", "aria-invalid") == "true"
    clock.shift(timedelta(seconds=31))
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click('main form[action$="/org/file"] button[type=submit]')
    page.wait_for_url(re.compile(r".*/org/filed/.*"))
    vi.applicant_page(page, "org-filed-vi")
    assert page.inner_text("main").count("Số tạm thời") == 2
    filed_url = page.url
    context.close()

    # The same pages in Japanese at desktop width (a new draft for the confirmation page: both are filed).
    from test_organisation_filing import a_draft, consenting_person, with_photo

    org = setup.test_client()
    from test_organisation_people import sign_in

    clock.shift(timedelta(seconds=31))
    assert sign_in(org, "admin@sample.example", secret).status_code == 302
    org.org_id = _org_id(rt)
    pid, _person = consenting_person(org, setup, rt, "AB00000003CD", "p3@example.jp")
    third = a_draft(rt, org, pid, "AB00000003CD")
    with_photo(org, third)
    ja = bs.PageChecks(out / "ja", lang="ja")
    clock.shift(timedelta(seconds=31))
    page = browser.new_context(locale="ja-JP", viewport=bs.DESKTOP).new_page()
    _sign_in(page, base, secret, "ja")
    page.goto(f"{base}/org/drafts/{third}")
    ja.applicant_page(page, "org-draft-ja")
    page.click(f'main a[href$="/org/drafts/{third}/file"]')
    ja.applicant_page(page, "org-file-confirm-ja")
    assert "認証アプリの新しい6桁のコード" in page.inner_text("main")
    page.goto(filed_url)
    ja.applicant_page(page, "org-filed-ja")
    assert "カードなしで申請しました" in page.inner_text("h1")
    page.context.close()
    assert not vi.problems and not ja.problems, "\n".join(vi.problems + ja.problems)

    # The officer's case page for the first application, after signing's attestation and review's consumer.
    _officer_page(browser, rt, tmp_path, out)


def _org_id(rt):
    import sqlalchemy as sa

    from intake.adapters.organisation_tables import organisations

    with rt.engine.connect() as conn:
        return conn.execute(sa.select(organisations.c.id)).scalar_one()


def _officer_page(browser, intake_rt, tmp_path, out):
    from review_testkit import make_runtime as review_runtime

    from review.adapters.accounts import create_officer
    from review.application import inbound
    from review.entrypoints.web import create_app as review_app
    from signing.application import verifying
    from signing.entrypoints.service import definition as signing_definition
    from zairyu_shared.crypto import new_key
    from zairyu_shared.db import transaction
    from zairyu_shared.events import parse_message
    from zairyu_shared.testing import service_runtime, staged_events

    submitted = parse_message(json.dumps(staged_events(intake_rt, "application.submitted")[0]))
    signing = service_runtime(
        signing_definition, database_url=f"sqlite:///{tmp_path}/signing.db", data_keys=(new_key(),)
    )
    with transaction(signing.session_factory) as s:
        verifying.on_application_submitted(signing, s, submitted)
    [accepted] = staged_events(signing, "attestation.accepted")
    review = review_runtime(f"sqlite:///{tmp_path}/review.db", f"memory://{tmp_path.name}")
    with transaction(review.session_factory) as s:
        inbound.receive_attested(review, s, parse_message(json.dumps(accepted)))
        _oid, password, totp = create_officer(s, "tanaka", "田中", "examiner", "tokyo")
    app = review_app(review)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        context = browser.new_context(locale="ja-JP", viewport=bs.DESKTOP)
        page = bs.officer_sign_in(context, base, "/login", ("username", "password", "totp"), "tanaka", password, totp)
        page.wait_for_url(re.compile(r"/queue"))
        page.goto(f"{base}/cases/{submitted.data['application_id']}?purpose=examination")
        section = page.inner_text("section.authentication-staff")
        assert "カード署名なし" in section and "画面" in section and "提出者が団体であること" in section
        assert "filer_is_organisation" not in page.inner_text("main")  # no raw codes for the officer
        page.locator("section.authentication-staff").scroll_into_view_if_needed()
        page.screenshot(path=str(out / "review-case-staff-authenticated-ja.png"), full_page=True)
        context.close()
    finally:
        server.shutdown()
        review.stop()
        signing.stop()

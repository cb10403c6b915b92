"""The filing organisation's staff withdraw an application it filed without a card (issue 21), in a real browser:
the dashboard's 'Correct or withdraw' link, the page in Vietnamese at 375 px and in Japanese at desktop width (axe
clean, no sideways scrolling, no English left), a wrong code refused, a new code sends it. Then, through signing's
attestation and review's consumers (in process, signing's real internal API judging the withdrawal), the officer's
case page in Japanese: the staff member's name on the filer line and in how the filer was authenticated, and the
withdrawal, said to come from the filing organisation's staff member, by name, without a card."""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime, timedelta

import browser_support as bs
import pyotp
import pytest
import sqlalchemy as sa
import time_machine
from werkzeug.serving import make_server

STAFF_NAME = "山田 花子"


@pytest.fixture
def clock():
    with time_machine.travel(datetime.now(UTC), tick=True) as traveller:
        yield traveller


@pytest.fixture
def intake(tmp_path, clock):
    """intake served for the browser, and an app on its database to set the scene (browser_support)."""
    with bs.served_intake(tmp_path) as served:
        yield served


def _filed(rt, setup, clock):
    """An approved Tokyo employer whose administrator (named) filed one application without a card."""
    from test_organisation_filing import a_draft, consenting_person, with_photo
    from test_organisation_people import make_org, sign_in

    from intake.adapters.organisation_tables import organisation_staff
    from intake.adapters.tables import applications

    org = setup.test_client()
    org.org_id, secret = make_org(org, rt)
    with rt.engine.begin() as conn:
        conn.execute(organisation_staff.update().values(name=STAFF_NAME))
    assert sign_in(org, "admin@sample.example", secret).status_code == 302
    pid, _person = consenting_person(org, setup, rt, "AB00000001CD", "p1@example.jp")
    draft = a_draft(rt, org, pid, "AB00000001CD")
    with_photo(org, draft)
    clock.shift(timedelta(seconds=31))
    filed = org.post(
        "/org/file",
        data={"batch_key": "7d5c1f0e-2b8a-4c3d-9e6f-0a1b2c3d4e5f", "draft": [draft], "code": pyotp.TOTP(secret).now()},
    )
    assert filed.status_code == 302, filed.get_data(as_text=True)[:500]
    with rt.engine.connect() as conn:
        return secret, conn.execute(sa.select(applications.c.id)).scalar_one()


def _sign_in(page, base, secret, lang):
    bs.org_sign_in(page, base, lang, pyotp.TOTP(secret).now())
    page.wait_for_url(re.compile(r".*/org/$"))


def test_staff_withdraw_without_a_card_and_the_officer_sees_who(intake, browser, clock, tmp_path):
    rt, base, setup = intake
    secret, application_id = _filed(rt, setup, clock)
    out = bs.ARTIFACTS / "org-follow-up"
    for lang in ("vi", "ja"):
        (out / lang).mkdir(parents=True, exist_ok=True)
    vi, ja = bs.PageChecks(out / "vi", lang="vi"), bs.PageChecks(out / "ja", lang="ja")

    clock.shift(timedelta(seconds=31))
    context = browser.new_context(locale="vi-VN", viewport=bs.DESKTOP)
    page = context.new_page()
    _sign_in(page, base, secret, "vi")
    page.click(f'main a[href$="/org/applications/{application_id}/follow-up"]')
    page.wait_for_url(re.compile(r".*/follow-up$"))
    vi.applicant_page(page, "org-follow-up-vi")
    assert "Đính chính hoặc rút hồ sơ" in page.inner_text("h1")
    context.close()

    clock.shift(timedelta(seconds=31))
    page = browser.new_context(locale="ja-JP", viewport=bs.DESKTOP).new_page()
    _sign_in(page, base, secret, "ja")
    page.goto(f"{base}/org/applications/{application_id}/follow-up")
    ja.applicant_page(page, "org-follow-up-ja")
    page.check("#action-withdrawal")
    page.fill("#message", "雇用契約が終了したため")
    page.fill("#code", "000000")
    page.click('main form button[formaction$="/follow-up/code"]')
    ja.applicant_page(page, "org-follow-up-wrong-code-ja")
    assert "コード" in page.inner_text("#error-summary")  # the code was refused, in Japanese
    clock.shift(timedelta(seconds=31))
    page.check("#action-withdrawal")
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click('main form button[formaction$="/follow-up/code"]')
    page.wait_for_url(re.compile(r".*/org/\?sent=withdrawal#filed$"))
    ja.applicant_page(page, "org-follow-up-sent-ja")
    assert "入管局に送信しました" in page.inner_text("main")
    page.context.close()
    assert not vi.problems and not ja.problems, "\n".join(vi.problems + ja.problems)

    _officer_page(browser, rt, tmp_path, out, application_id)


class _SigningOverHttp:
    """Review's signing port, answered by signing's own internal API (its Flask app): the real judgement."""

    def __init__(self, client):
        self.client = client

    def attest_follow_up(self, content_b64, request, language="en"):
        body = {"content_b64": content_b64, **request, "language": language}
        return self.client.post("/internal/v1/attestations/follow-up", json=body).get_json()


def _officer_page(browser, intake_rt, tmp_path, out, application_id):
    from review_testkit import make_runtime as review_runtime

    from review.adapters.accounts import create_officer
    from review.application import inbound
    from review.bootstrap import ports
    from review.entrypoints.web import create_app as review_app
    from signing.application import verifying
    from signing.entrypoints.service import definition as signing_definition
    from signing.entrypoints.web import create_app as signing_app
    from zairyu_shared.crypto import new_key
    from zairyu_shared.db import transaction
    from zairyu_shared.events import parse_message
    from zairyu_shared.testing import service_runtime, staged_events

    submitted = parse_message(json.dumps(staged_events(intake_rt, "application.submitted")[0]))
    withdrawn = parse_message(json.dumps(staged_events(intake_rt, "application.withdrawn")[0]))
    signing = service_runtime(
        signing_definition, database_url=f"sqlite:///{tmp_path}/signing.db", data_keys=(new_key(),)
    )
    with transaction(signing.session_factory) as s:
        verifying.on_application_submitted(signing, s, submitted)
    [accepted] = staged_events(signing, "attestation.accepted")
    review = review_runtime(f"sqlite:///{tmp_path}/review.db", f"memory://{tmp_path.name}")
    ports(review).signing = _SigningOverHttp(signing_app(signing).test_client())
    with transaction(review.session_factory) as s:
        inbound.receive_attested(review, s, parse_message(json.dumps(accepted)))
    with transaction(review.session_factory) as s:
        inbound.withdrawn(review, s, withdrawn)
    with transaction(review.session_factory) as s:
        _oid, password, totp = create_officer(s, "tanaka", "田中", "examiner", "tokyo")
    server = make_server("127.0.0.1", 0, review_app(review), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        context = browser.new_context(locale="ja-JP", viewport=bs.DESKTOP)
        page = bs.officer_sign_in(context, base, "/login", ("username", "password", "totp"), "tanaka", password, totp)
        page.wait_for_url(re.compile(r"/queue"))
        page.goto(f"{base}/cases/{application_id}?purpose=examination")
        filer_line = page.inner_text("span.filer")
        assert STAFF_NAME in filer_line and "Org of admin@sample.example" in filer_line
        assert STAFF_NAME in page.inner_text("section.authentication-staff")
        withdrawal = page.inner_text("#wd")
        assert "申請した所属機関がこの申請を取り下げました" in withdrawal
        asked = page.inner_text("p.requested-by")
        assert STAFF_NAME in asked and "カード署名なし" in asked
        assert "取下げの申出 · 申請した所属機関" in page.inner_text("main")  # the history names who
        page.screenshot(path=str(out / "review-case-withdrawn-by-staff-ja.png"), full_page=True)
        context.close()
    finally:
        server.shutdown()
        review.stop()
        signing.stop()

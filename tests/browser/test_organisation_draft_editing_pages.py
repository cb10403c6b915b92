"""Correcting a draft on the organisation's page (issue 21) in a real browser, in Vietnamese at 375 px: the draft's
problems link to their part of the form; a refused value comes back on its field in Vietnamese; the correction saved,
the draft is ready to sign — axe-core clean, no sideways scrolling, no English left. Screenshots in the test's folder."""

from __future__ import annotations

from datetime import datetime, timedelta

import browser_support as bs
import pyotp
import sqlalchemy as sa
from test_organisation_consent_document_pages import intake  # noqa: F401  (the fixture: a served intake)


def test_correcting_a_draft_in_vietnamese_at_375_px(intake, browser, tmp_path):  # noqa: F811
    from hostile_files import jpeg
    from intake_testkit import HOLDERS
    from journey import register
    from test_organisation_filing import fake_signing
    from test_organisation_people import ROW

    from intake.adapters.organisation_tables import organisation_staff
    from intake.application import organisation_drafts
    from intake.application import organisations as orgs
    from zairyu_shared.db import transaction

    rt, base, setup = intake
    org, secret, pid = bs.org_with_one_person(rt, setup, period_of_stay=None)
    import re

    link = org.post(f"/org/people/{pid}/consent-link")
    path = re.search(rb"http://intake\.test(/org/consent/[\w-]+)", link.data).group(1).decode()
    person = setup.test_client()
    fake_signing(rt).holders["AB00000001CD"] = {**HOLDERS["nguyen"], "name": "TRAN THI BINH"}
    register(person, rt, holder="AB00000001CD", email="p1@example.jp")
    assert person.post(path).status_code == 200
    fields = {k: v for k, v in ROW.items() if k not in ("passport_number", "card_number")}
    with transaction(rt.session_factory) as s:
        member = orgs.active_member(s, s.execute(sa.select(organisation_staff.c.id)).scalar())
        draft = organisation_drafts.create(rt, s, member, pid, "extension", fields)
    import io

    org.post(
        f"/org/drafts/{draft}/attachments",
        data={"kind": "photo", "file": (io.BytesIO(jpeg()), "photo.jpg")},
        content_type="multipart/form-data",
    )
    out = tmp_path / "shots"
    out.mkdir()
    checks = bs.PageChecks(out, lang="vi")
    page = browser.new_context(locale="vi-VN", viewport=bs.PHONE).new_page()
    bs.org_sign_in(page, base, "vi", pyotp.TOTP(secret).at(datetime.now() + timedelta(seconds=30)))
    page.goto(f"{base}/org/drafts/{draft}")
    checks.applicant_page(page, "org-draft-passport-missing")
    page.click('#error-summary a[href*="sections/personal#f-passport_number"]')
    checks.applicant_page(page, "org-draft-section-personal")
    page.fill("#f-passport_number", "C7654321")
    page.fill("#f-passport_expiry", "năm sau")  # not a date: refused on its field, nothing saved
    page.click("main form button[type=submit]")
    checks.applicant_page(page, "org-draft-section-refused")
    assert "YYYY-MM-DD" in page.inner_text("#e-passport_expiry")
    page.fill("#f-passport_expiry", "2031-01-01")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**/org/drafts/{draft}?corrected=personal*")
    checks.applicant_page(page, "org-draft-corrected")
    assert "Đã lưu" in page.inner_text("main") and page.locator("#error-summary").count() == 0
    page.context.close()
    assert not checks.problems, "accessibility / 375 px / untranslated problems:\n" + "\n".join(checks.problems)

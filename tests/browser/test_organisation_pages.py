"""The organisation's pages (issue 21) in a real browser: axe-core at desktop width and at 375 px, no sideways
scrolling, and every page again in Nepali at 375 px with no English left (the same checks as the applicant's)."""

from __future__ import annotations

from datetime import date, timedelta

import browser_support as bs
import pyotp
import pytest
import sqlalchemy as sa


@pytest.fixture
def intake(tmp_path):
    """intake served for the browser (browser_support; these pages are set up through the browser itself)."""
    with bs.served_intake(tmp_path) as (rt, base, _setup):
        yield rt, base


def test_the_organisation_pages_are_accessible_at_375_px_and_in_nepali(intake, browser, tmp_path):
    from intake_testkit import decide_organisation_use

    from intake.adapters.organisation_tables import organisation_staff, organisations
    from zairyu_shared.db import transaction

    rt, base = intake
    out = tmp_path / "shots"
    out.mkdir()
    checks = bs.PageChecks(out, lang="en")
    context = browser.new_context(locale="en-GB", viewport=bs.DESKTOP)
    page = context.new_page()
    page.goto(f"{base}/org/apply")
    checks.applicant_page(page, "org-apply")
    page.fill("#f-name", "株式会社サンプル")
    page.select_option("#f-kind", "employer")
    page.fill("#f-address", "東京都港区港南5-5-30")
    page.fill("#f-corporate_number", "8123456789012")  # a wrong check digit first: the error summary
    page.fill("#f-email", "admin@sample.example")
    page.fill("#f-password", "correct horse battery")
    page.click("main > form button[type=submit]")
    checks.applicant_page(page, "org-apply-errors")
    page.fill("#f-corporate_number", "7123456789012")
    page.fill("#f-password", "correct horse battery")
    page.click("main > form button[type=submit]")
    checks.applicant_page(page, "org-applied")
    with transaction(rt.session_factory) as s:
        org_id, secret = s.execute(
            sa.select(organisation_staff.c.organisation_id, organisation_staff.c.totp_secret)
        ).one()
    decide_organisation_use(rt, org_id)
    with transaction(rt.session_factory) as s:
        assert s.execute(sa.select(organisations.c.status)).scalar() == "approved"
    page.goto(f"{base}/org/login")
    checks.applicant_page(page, "org-login")
    page.fill("#email", "admin@sample.example")
    page.fill("#password", "correct horse battery")
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("main > form button[type=submit]")
    page.goto(f"{base}/org/people")
    page.fill("#f-person_name", "NGUYEN VAN A")
    page.select_option("#f-status", "engineer_humanities")
    page.fill("#f-period_expiry", (date.today() + timedelta(days=40)).isoformat())
    page.fill("#f-card_number", "AB12345678CD")
    page.click("main > form:last-of-type button[type=submit]")
    checks.applicant_page(page, "org-people")
    page.goto(f"{base}/org/")
    checks.applicant_page(page, "org-dashboard")
    page.goto(f"{base}/org/staff")
    page.fill("#f-email", "a-very-long-address-for-a-narrow-phone@sample-organisation.example")
    page.click("main > form:last-of-type button[type=submit]")
    checks.applicant_page(page, "org-staff")
    page.goto(f"{base}/org/drafts/import")
    page.set_input_files(
        "#f-file",
        files=[
            {
                "name": "b.csv",
                "mimeType": "text/csv",
                "buffer": b"card_number,procedure,phone\nAB12345678CD,extension,x\n",
            }
        ],
    )
    page.click("main > form:last-of-type button[type=submit]")
    checks.applicant_page(page, "org-import-errors")
    checks.lang = "ne"

    def to_nepali(p):
        p.goto(f"{base}/org/")
        bs.choose_language(p, "ne")

    checks.again_in(page, "ne", to_nepali)
    context.close()
    assert not checks.problems, "accessibility / 375 px / untranslated problems:\n" + "\n".join(checks.problems)

"""Consent by a signed document (issue 21) in a real browser, in Vietnamese at 375 px: a staff member records a
person's paper consent with its last day (first a day in the past, refused on that person's form), sees it on the
people list with the link that opens it, and the draft page saying the document goes to the bureau with the
application — axe-core clean, no sideways scrolling, no English left. Screenshots in the test's folder."""

from __future__ import annotations

from datetime import datetime, timedelta

import browser_support as bs
import pyotp
import pytest
import sqlalchemy as sa


@pytest.fixture
def intake(tmp_path):
    """intake served for the browser, and an app on its database to set the scene (browser_support)."""
    with bs.served_intake(tmp_path) as served:
        yield served


def test_recording_a_paper_consent_in_vietnamese_at_375_px(intake, browser, tmp_path):
    from hostile_files import pdf

    rt, base, setup = intake
    _org, secret, pid = bs.org_with_one_person(rt, setup)
    out = tmp_path / "shots"
    out.mkdir()
    checks = bs.PageChecks(out, lang="vi")
    page = browser.new_context(locale="vi-VN", viewport=bs.PHONE).new_page()
    bs.org_sign_in(page, base, "vi", pyotp.TOTP(secret).at(datetime.now() + timedelta(seconds=30)))
    page.goto(f"{base}/org/people")
    checks.applicant_page(page, "org-people-no-consent")
    scan = {"name": "dong-y.pdf", "mimeType": "application/pdf", "buffer": pdf()}
    page.set_input_files(f"#doc-{pid}", files=[scan])
    page.fill(f"#until-{pid}", "2020-01-31")  # a day in the past: refused on this person's form
    page.click(f'form[action$="/{pid}/consent-document"] button[type=submit]')
    checks.applicant_page(page, "org-people-consent-refused")
    assert "không được là ngày đã qua" in page.inner_text(f"#person-{pid}")
    until = (datetime.now() + timedelta(days=365)).date()
    page.set_input_files(f"#doc-{pid}", files=[scan])
    page.fill(f"#until-{pid}", until.isoformat())
    page.click(f'form[action$="/{pid}/consent-document"] button[type=submit]')
    checks.applicant_page(page, "org-people-consent-document")
    card = page.inner_text(f"#person-{pid}")
    assert "Văn bản đồng ý đã ký" in card and "Mở văn bản đồng ý" in card
    opened = page.context.request.get(f"{base}/org/people/{pid}/consent-document")
    assert opened.ok and opened.body() == scan["buffer"]
    from test_organisation_filing import ROW

    from intake.adapters.organisation_tables import organisation_staff
    from intake.application import organisation_drafts
    from intake.application import organisations as orgs
    from zairyu_shared.db import transaction

    with transaction(rt.session_factory) as s:
        member = orgs.active_member(s, s.execute(sa.select(organisation_staff.c.id)).scalar())
        fields = {k: v for k, v in ROW.items() if k != "card_number"}
        draft = organisation_drafts.create(rt, s, member, pid, "extension", fields)
    page.goto(f"{base}/org/drafts/{draft}")
    checks.applicant_page(page, "org-draft-on-consent-document")
    assert "Văn bản đồng ý đã ký được gửi đến Cục" in page.inner_text("main")
    page.context.close()
    assert not checks.problems, "accessibility / 375 px / untranslated problems:\n" + "\n".join(checks.problems)

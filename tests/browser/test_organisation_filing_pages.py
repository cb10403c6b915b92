"""An organisation's filing pages (issue 21) in a real browser, in Vietnamese at 375 px: the drafts list, a draft
not yet ready (its problems) and ready, the batch of signing codes (one command for one card session), the dashboard
with what is filed and what the bureau asks for and, once approved, the period granted; the people list (20 people, the
form to add one first) with its removal button, and the person's own page of the organisations filing for them —
axe-core clean, no sideways scrolling, no English left; a missing photo is named as the person's."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import browser_support as bs
import pyotp
import pytest
import sqlalchemy as sa


def vi(msgid: str) -> str:
    from babel.support import Translations

    return Translations.load(str(bs.INTAKE_CATALOGS), ["vi"]).gettext(msgid)


@pytest.fixture
def intake(tmp_path):
    """intake served for the browser, and an app on its database to set the scene (browser_support)."""
    with bs.served_intake(tmp_path) as served:
        yield served


def _scene(rt, setup):
    """An approved Tokyo employer; two people who consented from their own accounts, a draft each (one with its
    photo, one without); one filed by the staff member's card, with a documents request from the bureau."""
    from hostile_files import jpeg
    from intake_testkit import HOLDERS
    from journey import register, sign_code
    from test_organisation_filing import ROW, fake_signing, from_review
    from test_organisation_people import make_org, sign_in

    from intake.adapters.organisation_tables import organisation_staff
    from intake.adapters.tables import applications
    from intake.application import organisation_drafts
    from intake.application import organisations as orgs
    from zairyu_shared.db import transaction

    org = setup.test_client()
    _org_id, secret = make_org(org, rt)
    assert sign_in(org, "admin@sample.example", secret).status_code == 302
    drafts = []
    for n, card in enumerate(("AB00000001CD", "AB00000002CD"), start=1):
        org.post(
            "/org/people",
            data={
                "name": f"NGUYEN VAN {n}",
                "status": "engineer_humanities",
                "period_expiry": "2027-02-01",
                "card_number": card,
                "period_of_stay": "3 years",
                "nationality": "Viet Nam",
            },
        )
        with transaction(rt.session_factory) as s:
            from intake.adapters.organisation_tables import people

            pid = next(p.id for p in s.execute(sa.select(people)).all() if p.card_number == card)
        link = org.post(f"/org/people/{pid}/consent-link")
        path = re.search(rb"http://intake\.test(/org/consent/[\w-]+)", link.data).group(1).decode()
        person = setup.test_client()
        fake_signing(rt).holders[card] = {**HOLDERS["nguyen"], "name": f"NGUYEN VAN {n}"}
        register(person, rt, holder=card, email=f"p{n}@example.jp")
        assert person.post(path).status_code == 200
        with transaction(rt.session_factory) as s:
            admin = s.execute(sa.select(organisation_staff.c.id)).scalar()
            member = orgs.active_member(s, admin)
            fields = {k: v for k, v in ROW.items() if k != "card_number"}
            drafts.append(organisation_drafts.create(rt, s, member, pid, "extension", fields))
    r = org.post(
        f"/org/drafts/{drafts[0]}/attachments",
        data={"kind": "photo", "file": (io.BytesIO(jpeg()), "photo.jpg")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    batch = org.post("/org/drafts/sign", data={"batch_key": "3f1c6a5e-0b7e-4d55-9a52-1b8c9e0f2a11", "draft": drafts[0]})
    [code] = re.findall(r"<code>([A-Z0-9-]{14})</code>", org.get(batch.headers["Location"]).get_data(as_text=True))
    app_id = sign_code(org, code, "silva").json["application_id"]
    with rt.engine.connect() as conn:
        owner = conn.execute(sa.select(applications.c.applicant_id)).scalar()
    common = {"application_id": app_id, "applicant_id": owner}
    from_review(
        rt,
        "application.received",
        {
            **common,
            "receipt_number": "東オン-2026-000123",
            "bureau": "tokyo",
            "procedure": "extension",
            "received_at": "2026-12-07T01:00:00+00:00",
        },
    )
    from_review(
        rt,
        "application.documents_requested",
        {
            **common,
            "request_id": "req-1",
            "message": "",
            "items": [{"code": "tax_certificate", "description": "住民税の課税（又は非課税）証明書"}],
            "deadline": "2026-12-20",
        },
    )
    return secret, drafts, batch.headers["Location"]


def test_the_filing_pages_in_vietnamese_at_375_px(intake, browser, tmp_path):
    rt, base, setup = intake
    secret, drafts, signed_batch = _scene(rt, setup)
    out = tmp_path / "shots"
    out.mkdir()
    checks = bs.PageChecks(out, lang="vi")
    context = browser.new_context(locale="vi-VN", viewport=bs.PHONE)
    page = context.new_page()
    # The next step's code: the scene's sign-in spent this step's (a code is accepted once).
    bs.org_sign_in(page, base, "vi", pyotp.TOTP(secret).at(datetime.now() + timedelta(seconds=30)))
    page.goto(f"{base}/org/drafts")
    checks.applicant_page(page, "org-drafts")
    page.check(f"#d-{drafts[1]}")
    page.click("main form button[type=submit]")
    checks.applicant_page(page, "org-drafts-not-ready")  # the second draft has no photo: nothing prepared
    assert "NGUYEN VAN 2" in page.inner_text("#error-summary")
    page.goto(f"{base}/org/drafts/{drafts[1]}")
    checks.applicant_page(page, "org-draft-not-ready")
    # The staff member is told whose photo is missing, not "add your photo" (the applicant's own words).
    missing = page.inner_text("#error-summary")
    assert vi("Add a photo of %(name)s.") % {"name": "NGUYEN VAN 2"} in missing, missing
    assert vi("Add your photo.") not in missing
    from hostile_files import jpeg

    page.select_option("#kind", "photo")
    page.set_input_files("#file", files=[{"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
    page.click("main form[enctype] button[type=submit]")
    checks.applicant_page(page, "org-draft-ready")
    page.click('main form[action$="/drafts/sign"] button[type=submit]')  # sign and file with my card
    page.wait_for_url(re.compile(r".*/org/signing/.*"))
    checks.applicant_page(page, "org-signing-waiting")
    command = page.inner_text("pre.cmd")
    assert command.startswith("zairyu-signer redeem ") and "--server" in command
    page.goto(f"{base}/org/drafts/{drafts[0]}")
    checks.applicant_page(page, "org-draft-filed")
    page.goto(f"{base}{signed_batch}")
    checks.applicant_page(page, "org-signing-done")
    page.goto(f"{base}/org/")
    checks.applicant_page(page, "org-dashboard-filed")
    filed = page.inner_text("section[aria-labelledby=filed]")
    assert "東オン-2026-000123" in filed and "NGUYEN VAN 1" in filed
    page.click("section[aria-labelledby=filed] a")  # answer the bureau's request for the person
    checks.applicant_page(page, "org-documents-request")
    assert "/documents/req-1" in page.url
    # 20 people: the form to add one comes first, not at the bottom of a page many screens long at 375 px.
    from intake.adapters.organisation_tables import organisations
    from intake.application import organisation_people
    from zairyu_shared.db import transaction

    with transaction(rt.session_factory) as s:
        org_id = s.execute(sa.select(organisations.c.id)).scalar()
        for n in range(3, 21):
            organisation_people.add(
                rt,
                s,
                org_id,
                {
                    "name": f"TRAN THI {n}",
                    "status": "engineer_humanities",
                    "period_of_stay": "3 years",
                    "period_expiry": "2027-03-01",
                    "card_number": f"AB{n:08d}CD",
                },
            )
    page.set_viewport_size(bs.PHONE)
    page.goto(f"{base}/org/people")
    assert page.locator("main li.card").count() == 20
    form_top = page.evaluate("document.querySelector('#f-person_name').getBoundingClientRect().top + scrollY")
    height = page.evaluate("document.documentElement.scrollHeight")
    print(f"org_people_20_height_375px: {height} px")
    print(f"org_people_20_add_form_top_375px: {form_top:.0f} px")
    assert form_top < bs.PHONE["height"], f"the add form starts at {form_top} px of {height}"
    checks.applicant_page(page, "org-people-remove")
    # The bureau approves the filed extension: the dashboard says for how long, in the staff member's language.
    from test_organisation_filing import from_review

    from intake.adapters.tables import applications

    with rt.engine.connect() as conn:
        app_id, owner = conn.execute(sa.select(applications.c.id, applications.c.applicant_id)).one()
    from_review(
        rt,
        "application.decided",
        {
            "application_id": app_id,
            "applicant_id": owner,
            "outcome": "approved",
            "procedure": "extension",
            "bureau": "tokyo",
            "granted_status": "engineer_humanities",
            "period_of_stay": "P3Y",
            "period_of_stay_expiry": "2027-02-01",
            "card_by_mail": True,
            "fee_yen": 4000,
            "explanation": "",
            "decided_at": "2026-12-21T02:00:00+00:00",
        },
    )
    page.goto(f"{base}/org/")
    checks.applicant_page(page, "org-dashboard-approved")
    filed = page.inner_text("section[aria-labelledby=filed]")
    assert "3 năm" in filed, filed  # P3Y in Vietnamese, beside "approved"
    assert "NGUYEN VAN 1" not in page.inner_text("section[aria-labelledby=soon]")  # its stay now ends in 2030
    context.close()
    person = browser.new_context(locale="vi-VN", viewport=bs.PHONE).new_page()
    person.goto(f"{base}/login?lang=vi")
    person.fill("#email", "p1@example.jp")
    person.fill("#password", "correct horse battery")
    person.click("main form button[type=submit]")
    person.goto(f"{base}/org/consents")
    checks.applicant_page(person, "person-consents")
    assert "Org of admin@sample.example" in person.inner_text("main")
    person.context.close()
    assert not checks.problems, "accessibility / 375 px / untranslated problems:\n" + "\n".join(checks.problems)

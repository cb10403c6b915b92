"""Issue 18: the desktop signer and the extension's window say what is signed in the applicant's language, not in
the stored English description (the signer's computer may speak anything; the request carries the language)."""

from __future__ import annotations

import html

import sqlalchemy as sa
from intake_testkit import outbox_events
from journey import code_from, fill_draft, register, review_key

from intake.adapters.tables import applicants

NE_REGISTER = "तपाईं दर्ता विवरणमा हस्ताक्षर गर्नुहुन्छ: तपाईंले प्रमाणित गर्नुभएको इमेल ठेगानाका लागि Zairyu खाता।"
VI_REGISTER = "Bạn ký bản cam kết đăng ký: tạo tài khoản Zairyu cho địa chỉ e-mail bạn đã xác nhận."
VI_SUBMIT = "Bạn ký đơn của mình, đúng như bạn đã xem lại, cùng các tệp đính kèm."


def test_a_registration_is_described_in_the_language_chosen_to_register(client, rt):
    assert client.post("/register?lang=ne", data={"email": "an@example.jp"}).status_code == 200
    url = outbox_events(rt, "applicant.email_verification_requested")[-1]["payload"]["verify_url"]
    code = code_from(client.post("/register/verify/" + url.rsplit("/", 1)[1] + "/sign"))
    signer = client.application.test_client()  # the desktop signer: no session, an English computer
    got = signer.get(f"/api/v1/signing-requests/{code}", headers={"Accept-Language": "en"}).json
    assert got["language"] == "ne"
    assert got["summary"] == f"{NE_REGISTER} (an@example.jp)"
    assert got["description"].startswith("Zairyu: register an account")  # the technical record, unchanged
    # The extension's window shows what the page hands it: the sentence in the page's language.
    page = client.get(f"/sign/{code}?lang=vi").get_data(as_text=True)
    assert f'data-description="{html.escape(VI_REGISTER + " (an@example.jp)", quote=True)}"' in page


def test_an_application_is_described_in_the_applicants_language(client, rt):
    applicant_id = register(client, rt)
    with rt.engine.begin() as conn:
        conn.execute(sa.update(applicants).where(applicants.c.id == applicant_id).values(language="vi"))
    draft_id = fill_draft(client)
    code = code_from(client.post(f"/apply/{draft_id}/sign", data={"idempotency_key": review_key(client, draft_id)}))
    got = client.application.test_client().get(f"/api/v1/signing-requests/{code}").json
    assert got["language"] == "vi" and got["summary"] == VI_SUBMIT
    assert "Zairyu application" in got["description"]


VI_ORG = "Bạn ký đơn này với tư cách người nộp thay mặt tổ chức của bạn: "


def test_an_organisation_s_filing_is_described_in_the_staff_member_s_language(app, rt):
    """The staff member signs with their own card, not the account holder: the signer speaks their language."""
    from test_organisation_filing import a_draft, codes_on, consenting_person, sign_batch, with_photo
    from test_organisation_people import _admin_id, make_org, sign_in

    from intake.adapters.organisation_tables import organisation_staff
    from intake.entrypoints import labels

    org = app.test_client()
    org_id, secret = make_org(org, rt)
    assert sign_in(org, "admin@sample.example", secret).status_code == 302
    org.org_id = org_id
    pid, _person = consenting_person(org, app, rt, "AB00000001CD", "p1@example.jp")  # an account in English
    draft_id = a_draft(rt, org, pid, "AB00000001CD")
    with_photo(org, draft_id)
    with rt.engine.begin() as conn:
        staff = _admin_id(rt, org_id)
        conn.execute(sa.update(organisation_staff).where(organisation_staff.c.id == staff).values(language="vi"))
    [code] = codes_on(org.get(sign_batch(org, [draft_id]).headers["Location"]).data)
    got = app.test_client().get(f"/api/v1/signing-requests/{code}", headers={"Accept-Language": "en"}).json
    with app.test_request_context("/?lang=vi"):
        procedure = labels.label(labels.PROCEDURES, "extension")
    assert got["language"] == "vi"
    assert got["summary"] == f"{VI_ORG}{procedure}. (PERSON AB00000001CD, Org of admin@sample.example)"
    assert "Zairyu application" in got["description"]  # the technical record, unchanged

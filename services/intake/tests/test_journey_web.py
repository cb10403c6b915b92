"""The applicant's journey through the web front: register with the card, apply, sign, submit, follow."""

from __future__ import annotations

import base64
import json
import re

import sqlalchemy as sa
from intake_testkit import outbox_events
from journey import API, code_from, fill_draft, login, register, registration_link, review_key, sign_code, worker_fields

from intake.adapters.tables import applicants, applications
from zairyu_shared.events import parse_message


def test_registration_takes_identity_from_the_certificate_and_encrypts_it(client, rt):
    applicant_id = register(client, rt)
    with rt.engine.connect() as conn:
        row = conn.execute(sa.select(applicants).where(applicants.c.id == applicant_id)).first()
        raw = conn.execute(sa.text("SELECT name, address, email FROM applicants")).first()
    assert row.name == "NGUYEN VAN AN" and row.date_of_birth == "1994-03-15" and row.address.startswith("東京都")
    assert (
        b"NGUYEN" not in bytes(raw.name)
        and "東京".encode() not in bytes(raw.address)
        and b"example" not in bytes(raw.email)
    )
    registered = outbox_events(rt, "applicant.registered")
    assert [e["payload"]["applicant_id"] for e in registered] == [applicant_id]
    assert client.get("/applications").status_code == 200  # logged in after choosing the password


def test_registration_refuses_a_tampered_statement_and_a_second_account_for_the_same_person(client, rt):
    code = code_from(client.post(registration_link(client, rt, "x@example.jp") + "/sign"))
    bad = sign_code(client, code, "nguyen", tamper=True)
    assert bad.status_code == 422 and bad.json["error"] == "signing.invalid"
    register(client, rt)
    client.post("/logout")
    again = code_from(client.post(registration_link(client, rt, "other@example.jp") + "/sign"))
    assert sign_code(client, again, "nguyen").json["error"] == "register.already_registered"


def test_full_application_is_signed_submitted_once_and_published(client, rt):
    register(client, rt)
    draft_id = fill_draft(client)
    key = review_key(client, draft_id)
    first = client.post(f"/apply/{draft_id}/sign", data={"idempotency_key": key})
    double_click = client.post(f"/apply/{draft_id}/sign", data={"idempotency_key": key})
    code = code_from(first)
    assert code_from(double_click) == code
    answer = sign_code(client, code, "nguyen")
    assert answer.status_code == 200 and answer.json["provisional_number"].startswith("P-")
    retry = client.post(
        f"/api/v1/signing-requests/{code}/signature",
        json={"signature_b64": base64.b64encode(b"whatever").decode()},
        headers=API,
    )
    assert retry.json["application_id"] == answer.json["application_id"]  # a retried post: same answer
    # A second code for the same draft (e.g. a reload of the review page) cannot make a second application.
    with rt.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(applications)).scalar() == 1
    published = outbox_events(rt, "application.submitted")
    assert len(published) == 1
    event = parse_message(json.dumps(published[0]))
    data = event.data
    assert data["procedure"] == "extension" and data["bundled"] == ["reentry"] and data["bureau"] == "tokyo"
    assert data["expected_holder"]["name"] == "NGUYEN VAN AN"
    signed = json.loads(base64.b64decode(data["signed_content_b64"]))
    assert signed["form"]["passport_number"] == "C1234567"  # full-width input normalised
    assert signed["form"]["phone"] == "090-1234-5678"
    assert {a["kind"] for a in signed["attachments"]} == {"photo", "passport"}
    # The officer reads each file's name beside its kind (not signed: the signed bytes carry the hashes).
    assert {a["kind"]: a["filename"] for a in data["attachments"]} == {"photo": "me.jpg", "passport": "p.pdf"}
    assert "filename" not in signed["attachments"][0]
    assert signed["fee_yen"] == 5500 + 6500
    assert data["card_by_mail"] is True and signed["form"]["card_receipt"] == "post"  # the default
    page = client.get(f"/sign/{code}")
    assert page.headers["Location"].endswith(f"/applications/{answer.json['application_id']}")
    detail = client.get(page.headers["Location"]).data.decode()
    assert answer.json["provisional_number"] in detail


def test_choosing_the_counter_for_the_new_card_travels_signed_to_review(client, rt):
    from journey import worker_fields

    register(client, rt)
    draft_id = fill_draft(client, fields={**worker_fields(), "card_receipt": "counter"})
    review = client.get(f"/apply/{draft_id}/review").data.decode()
    assert "At the counter" in review
    code = code_from(client.post(f"/apply/{draft_id}/sign", data={"idempotency_key": review_key(client, draft_id)}))
    assert sign_code(client, code, "nguyen").status_code == 200
    data = outbox_events(rt, "application.submitted")[0]["payload"]
    assert data["card_by_mail"] is False
    assert json.loads(base64.b64decode(data["signed_content_b64"]))["form"]["card_receipt"] == "counter"


def test_second_code_for_a_submitted_draft_gives_the_same_application(client, rt):
    register(client, rt)
    draft_id = fill_draft(client)
    code_a = code_from(client.post(f"/apply/{draft_id}/sign", data={"idempotency_key": review_key(client, draft_id)}))
    code_b = code_from(client.post(f"/apply/{draft_id}/sign", data={"idempotency_key": review_key(client, draft_id)}))
    assert code_a != code_b
    a = sign_code(client, code_a, "nguyen").json
    b = sign_code(client, code_b, "nguyen").json
    assert a["application_id"] == b["application_id"] and b["duplicate"] is True
    assert len(outbox_events(rt, "application.submitted")) == 1


def test_a_submitted_draft_s_pages_lead_to_its_application_not_a_dead_end(client, rt):
    """Back after submitting (or an old bookmark) answered 'this page does not exist'."""
    register(client, rt)
    draft_id = fill_draft(client)
    answer = sign_code(
        client,
        code_from(client.post(f"/apply/{draft_id}/sign", data={"idempotency_key": review_key(client, draft_id)})),
        "nguyen",
    ).json
    for page in ("review", "step/0", "attachments"):
        went = client.get(f"/apply/{draft_id}/{page}")
        assert went.status_code == 303, page
        assert went.headers["Location"].endswith(f"/applications/{answer['application_id']}"), page


def test_signature_by_another_persons_card_is_not_accepted_as_submission_of_this_form(client, rt):
    register(client, rt)
    draft_id = fill_draft(client)
    code = code_from(client.post(f"/apply/{draft_id}/sign", data={"idempotency_key": review_key(client, draft_id)}))
    # The submission is accepted provisionally; the signing service checks the holder asynchronously
    # against expected_holder (from the account), so the event must carry the account's holder.
    answer = sign_code(client, code, "silva")
    assert answer.status_code == 200
    holder = outbox_events(rt, "application.submitted")[0]["payload"]["expected_holder"]
    assert holder["name"] == "NGUYEN VAN AN"


def test_eligibility_is_explained_in_the_form(client, rt):
    register(client, rt)
    fields = worker_fields()
    fields["period_expiry"] = "2099-01-01"
    r = client.post("/apply", data={"procedure": "extension"})
    draft_id = r.headers["Location"].split("/")[2]
    client.post(f"/apply/{draft_id}/step/0", data=fields)
    page = client.post(f"/apply/{draft_id}/step/1", data=fields)
    assert page.status_code == 200
    assert "three months before" in page.data.decode()
    bundled_alone = client.post("/apply", data={"procedure": "coe", "bundled": ["reentry"]})
    assert bundled_alone.status_code == 200 and "can only be added" in bundled_alone.data.decode()


def test_review_refuses_to_sign_without_photo(client, rt):
    register(client, rt)
    draft_id = fill_draft(client, photo=False)
    page = client.get(f"/apply/{draft_id}/review").data.decode()
    assert "Add your photo." in page and 'name="idempotency_key"' not in page


def test_drafts_are_kept_on_the_server_and_autosaved(client, rt):
    register(client, rt)
    r = client.post("/apply", data={"procedure": "change"})
    draft_id = r.headers["Location"].split("/")[2]
    saved = client.post(
        f"/drafts/{draft_id}/autosave", data={"place_of_birth": "Ｓãｏ Ｐａｕｌｏ", "nationality": "BR"}
    )
    assert saved.json == {"saved": True}
    client.post("/logout")
    login(client)
    page = client.get(f"/apply/{draft_id}/step/0").data.decode()
    assert "Ｓãｏ Ｐａｕｌｏ" in page  # free text shown back as typed; normalised when validated
    assert re.search(r'<option value="BR"[^>]*selected', page)  # the coded nationality chosen again
    assert draft_id in client.get("/applications").data.decode()


def test_login_lockout_after_repeated_failures(client, rt):
    register(client, rt)
    client.post("/logout")
    for _ in range(rt.settings.lockout_after):
        client.post("/login", data={"email": "an@example.jp", "password": "wrong password!"})
    locked = login(client)
    assert locked.status_code == 200 and "locked" in locked.data.decode()


def test_password_reset_by_link(client, rt):
    register(client, rt)
    client.post("/logout")
    client.post("/login/reset", data={"email": "ＡＮ@example.jp"})
    client.post("/login/reset", data={"email": "nobody@example.jp"})
    resets = outbox_events(rt, "applicant.password_reset_requested")
    assert len(resets) == 1
    token = resets[0]["payload"]["reset_url"].rsplit("/", 1)[1]
    new = "a new long passphrase"
    assert client.post(f"/login/reset/{token}", data={"password": new, "password_again": new}).status_code == 302
    assert login(client, password=new).status_code == 302
    client.post("/logout")
    again = client.post(f"/login/reset/{token}", data={"password": "x" * 12, "password_again": "x" * 12})
    assert again.status_code == 200 and "invalid or has expired" in again.data.decode()


def test_password_reset_ends_other_sessions(app, rt):
    thief, owner = app.test_client(), app.test_client()
    register(thief, rt)  # the "thief" holds a session from before the reset
    assert thief.get("/applications").status_code == 200
    owner.post("/login/reset", data={"email": "an@example.jp"})
    token = outbox_events(rt, "applicant.password_reset_requested")[-1]["payload"]["reset_url"].rsplit("/", 1)[1]
    new = "a brand new passphrase"
    owner.post(f"/login/reset/{token}", data={"password": new, "password_again": new})
    assert thief.get("/applications").status_code == 302  # logged out
    assert login(owner, password=new).status_code == 302 and owner.get("/applications").status_code == 200


def test_embedded_signing_page_points_to_the_demo_signer(client, rt):
    code = code_from(client.post(registration_link(client, rt, "demo@example.jp") + "/sign"))
    page = client.get(f"/sign/{code}").data.decode()
    assert (
        code in page and f"/demo/sign?code={code}" in page
    )  # a phone cannot copy the code across: the link carries it
    assert f"http://intake.test/api/v1/signing-requests/{code}" in page


def test_a_signing_code_page_not_of_this_session_sends_a_signed_in_person_to_their_applications(client, rt):
    """The registration's code page, revisited after signing in (a fresh session), was 'this page does not
    exist'; a stranger (not signed in) still learns nothing."""
    register(client, rt)
    draft_id = fill_draft(client)
    code = code_from(client.post(f"/apply/{draft_id}/sign", data={"idempotency_key": review_key(client, draft_id)}))
    with client.session_transaction() as sess:
        sess["codes"] = []  # as after a sign-in
    went = client.get(f"/sign/{code}")
    assert went.status_code == 303 and went.headers["Location"].endswith("/applications")
    assert client.get("/sign/NOPE-NOPE-NOPE").status_code == 303  # any code: the same answer
    with client.session_transaction() as sess:
        sess.clear()
    assert client.get(f"/sign/{code}").status_code == 404

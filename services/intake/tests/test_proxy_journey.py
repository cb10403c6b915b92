"""Filing on someone else's behalf through the web front: an employer for an employee, a parent for a
child under 16, a relative's COE; the filer signs with their own card (simulated) and is the expected holder."""

from __future__ import annotations

import base64
import io
import json
from datetime import timedelta

from hostile_files import jpeg, pdf
from intake_testkit import outbox_events
from journey import API, code_from, register, review_key, sign_code, worker_fields

from intake.application.common import today_jst
from zairyu_shared.events import parse_message

EMPLOYEE = {
    "applicant_name": "ＴＲＡＮ　ＴＨＩ　ＢＩＮＨ",
    "applicant_date_of_birth": "1995-05-05",
    "applicant_sex": "female",
    "applicant_address": "大阪府大阪市北区梅田１－１－１",
}
EMPLOYER = {
    "organisation_name": "Example KK",
    "filer_address": "愛知県名古屋市中区三の丸三丁目１番２号",
    "filer_corporate_number": "７０００－０１２０－５０００２",
}


def _start(client, procedure, role, bundled=()):
    r = client.post("/apply", data={"procedure": procedure, "filer_role": role, "bundled": list(bundled)})
    assert r.status_code == 302, r.data.decode()[:2000]
    return r.headers["Location"].split("/")[2]


def _fill(client, draft_id, fields, attach=("photo", "passport")):
    n = 0
    while True:
        page = client.post(f"/apply/{draft_id}/step/{n}", data=fields)
        assert page.status_code == 302, page.data.decode()[:4000]
        if "/attachments" in page.headers["Location"]:
            break
        n += 1
        assert n < 12
    files = {"photo": (jpeg(), "p.jpg"), "passport": (pdf(), "pp.pdf"), "medical_certificate": (pdf(), "m.pdf")}
    for kind in attach:
        data, name = files[kind]
        up = client.post(
            f"/apply/{draft_id}/attachments",
            data={"kind": kind, "file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
        )
        assert up.status_code == 302, up.data.decode()[:2000]


def _submit(client, rt, draft_id, holder):
    code = code_from(client.post(f"/apply/{draft_id}/sign", data={"idempotency_key": review_key(client, draft_id)}))
    answer = sign_code(client, code, holder)
    assert answer.status_code == 200, answer.json
    event = parse_message(json.dumps(outbox_events(rt, "application.submitted")[-1]))
    return answer.json, event.data, json.loads(base64.b64decode(event.data["signed_content_b64"]))


def test_an_employer_files_an_extension_for_an_employee_and_signs_with_their_own_card(client, rt):
    register(client, rt, holder="silva", email="hr@example.jp")  # SILVA MARIA, HR at Example KK, lives in Aichi
    choose = client.get("/apply").data.decode()
    assert "Who is applying?" in choose and "Employer&#39;s staff" in choose
    draft_id = _start(client, "extension", "employer_staff")
    steps = client.get(f"/apply/{draft_id}/step/0").data.decode()
    assert "About you, the filer" in steps and "corporate number" in steps
    _fill(client, draft_id, {**worker_fields(), **EMPLOYEE, **EMPLOYER})
    review = client.get(f"/apply/{draft_id}/review").data.decode()
    assert "TRAN THI BINH" in review  # the applicant, NFKC-normalised
    assert "Filed by SILVA MARIA as Employer&#39;s staff, Example KK" in review
    assert "Osaka Regional Immigration Services Bureau" in review  # the employee's address, not the filer's
    answer, data, signed = _submit(client, rt, draft_id, "silva")
    # The signer is the filer: signing compares the card with the account holder, not with the employee.
    assert data["expected_holder"]["name"] == "SILVA MARIA"
    assert data["bureau"] == "osaka"
    assert data["filer"]["role"] == "employer_staff" and data["filer"]["organisation_name"] == "Example KK"
    assert data["filer"]["organisation_number"] == "7000012050002" and data["filer"]["name"] == "SILVA MARIA"
    assert data["filer"]["applicant_name"] == "TRAN THI BINH"
    # What is signed names both: the applicant typed by the filer, the filer with their card's identity.
    assert signed["applicant"]["name"] == "TRAN THI BINH" and signed["applicant"]["card_number"] == "AB12345678CD"
    assert signed["filer"]["role"] == "employer_staff" and signed["filer"]["holder"]["name"] == "SILVA MARIA"
    assert signed["filer"]["filer_corporate_number"] == "7000012050002"
    assert "applicant_name" not in signed["form"] and "organisation_name" not in signed["form"]
    # The account's list says for whom; the application page, its printable copy too.
    listing = client.get("/applications").data.decode()
    assert "TRAN THI BINH" in listing and "Employer&#39;s staff" in listing
    detail = client.get(f"/applications/{answer['application_id']}").data.decode()
    assert "Filed by SILVA MARIA as Employer&#39;s staff" in detail
    copy = client.get(f"/applications/{answer['application_id']}/copy.pdf")
    assert copy.status_code == 200 and copy.data.startswith(b"%PDF")
    api = client.get("/api/v1/applications").json
    assert api[0]["applicant_name"] == "TRAN THI BINH" and api[0]["filer"]["role"] == "employer_staff"


def test_an_organisation_files_for_many_people(client, rt):
    register(client, rt, holder="silva", email="hr@example.jp")
    for name in ("TRAN THI BINH", "LE VAN CUONG"):
        draft_id = _start(client, "extension", "employer_staff")
        _fill(client, draft_id, {**worker_fields(), **EMPLOYEE, **EMPLOYER, "applicant_name": name})
        _submit(client, rt, draft_id, "silva")
    listing = client.get("/applications").data.decode()
    assert "TRAN THI BINH" in listing and "LE VAN CUONG" in listing
    assert {e["payload"]["filer"]["applicant_name"] for e in outbox_events(rt, "application.submitted")} == {
        "TRAN THI BINH",
        "LE VAN CUONG",
    }


def _child_fields(born):
    return {
        "filer_relationship": "mother",
        "applicant_ill": "no",
        "filer_address": "東京都新宿区西新宿二丁目８番１号",
        "applicant_name": "NGUYEN MINH",
        "applicant_date_of_birth": born.isoformat(),
        "applicant_sex": "male",
        "applicant_address": "東京都新宿区西新宿二丁目８番１号",
        "nationality": "Viet Nam",
        "place_of_birth": "Tokyo",
        "marital_status": "single",
        "occupation": "none",
        "home_town": "Hanoi",
        "phone": "090-1234-5678",
        "passport_number": "C7654321",
        "passport_expiry": (today_jst() + timedelta(days=1800)).isoformat(),
        "event_kind": "birth",
        "event_date": born.isoformat(),
        "desired_status": "dependent",
        "desired_period": "1 year",
        "reason": "Born in Japan",
        "criminal_record": "no",
        "supporter_name": "NGUYEN VAN AN",
        "supporter_relationship": "father",
        "supporter_date_of_birth": "1994-03-15",
        "supporter_nationality": "Viet Nam",
        "supporter_status": "engineer_humanities",
        "supporter_annual_income_yen": "4,000,000",
    }


def test_a_parent_files_an_acquisition_for_a_newborn_child(client, rt):
    register(client, rt)  # NGUYEN VAN AN
    born = today_jst() - timedelta(days=10)
    draft_id = _start(client, "acquisition", "legal_representative")
    _fill(client, draft_id, _child_fields(born))
    review = client.get(f"/apply/{draft_id}/review").data.decode()
    assert "NGUYEN MINH" in review and "Filed by NGUYEN VAN AN as Legal representative" in review
    _, data, signed = _submit(client, rt, draft_id, "nguyen")
    assert data["expected_holder"]["name"] == "NGUYEN VAN AN" and data["filer"]["relationship"] == "mother"
    assert signed["applicant"]["date_of_birth"] == born.isoformat() and data["bureau"] == "tokyo"


def test_the_choice_of_filer_says_what_isas_table_says_of_each(client, rt):
    # Corrected (2026-12-07): the page said a legal representative files "only for an applicant under 16 or who is
    # ill" (ISA's table sets no condition on them), and a relative's condition as plain illness (疾病その他の事由).
    register(client, rt)
    vi = client.get("/apply?lang=vi").data.decode()
    assert "mọi thủ tục, ở bất kỳ độ tuổi nào" in vi and "vì bệnh hoặc lý do tương tự" in vi
    en = client.get("/apply?lang=en").data.decode()
    assert "every procedure, at any age" in en and "never an employment certificate" in en
    assert "Only for an applicant under 16 or who is ill" not in en


def test_a_relative_may_not_file_for_a_healthy_adult_and_must_prove_an_illness(client, rt):
    register(client, rt)
    draft_id = _start(client, "extension", "relative")
    fields = {
        **worker_fields(),
        **_child_fields(today_jst()),
        "applicant_date_of_birth": "1990-01-01",
        "current_status": "engineer_humanities",
    }
    assert client.post(f"/apply/{draft_id}/step/0", data=fields).status_code == 302  # the filer section
    page = client.post(f"/apply/{draft_id}/step/1", data=fields)  # the applicant: date of birth and illness
    assert page.status_code == 200 and "only for an applicant who is under 16" in page.data.decode()
    _fill(client, draft_id, {**fields, "applicant_ill": "yes"})
    review = client.get(f"/apply/{draft_id}/review").data.decode()
    assert "why the applicant cannot apply themselves" in review and 'name="idempotency_key"' not in review
    _fill(client, draft_id, {**fields, "applicant_ill": "yes"}, attach=("medical_certificate",))
    _, data, signed = _submit(client, rt, draft_id, "nguyen")
    assert "medical_certificate" in {a["kind"] for a in signed["attachments"]}
    assert signed["applicant"]["ill"] == "yes" and "applicant_ill" not in signed["form"]


def test_a_relative_files_a_coe_routed_by_the_inviting_relatives_location(client, rt):
    # Corrected (issue 16): a COE went by filer_address and was refused as self; ISA's table allows both,
    # and the inviting relative's (receiving organisation's) location decides.
    register(client, rt)  # lives in Tokyo
    assert client.post("/apply", data={"procedure": "coe", "filer_role": "self"}).status_code == 302
    draft_id = _start(client, "coe", "relative")
    fields = {
        **_child_fields(today_jst() - timedelta(days=3000)),
        "filer_address": "東京都新宿区西新宿２－８－１",
        "inviter_address": "2-1 Tenjin, Chuo-ku, Fukuoka",
        "applicant_ill": "",
        "applicant_date_of_birth": "1990-01-01",  # an adult, not ill: a relative may still file the COE
        "applicant_address": "12 Tran Hung Dao, Hanoi, Viet Nam",
        "desired_status": "dependent",
    }
    _fill(client, draft_id, fields)
    _, data, signed = _submit(client, rt, draft_id, "nguyen")
    assert data["bureau"] == "fukuoka" and data["procedure"] == "coe"
    assert data["routing"] == {"prefecture": "Fukuoka", "receiving_office": "fukuoka", "office": None}
    assert signed["applicant"]["address"].startswith("12 Tran Hung Dao")


def test_api_creates_a_proxy_draft_and_refuses_what_isas_table_refuses(client, rt):
    register(client, rt, holder="silva", email="hr@example.jp")
    assert client.post("/api/v1/drafts", json={"procedure": "coe"}, headers=API).status_code == 201  # own COE: allowed
    bad = client.post(
        "/api/v1/drafts", json={"procedure": "employment_certificate", "filer_role": "relative"}, headers=API
    )
    assert bad.status_code == 422 and bad.json["error"] == "filer.role_not_for_procedure"
    assert (
        client.post("/api/v1/drafts", json={"procedure": "extension", "filer_role": "boss"}, headers=API).status_code
        == 422
    )
    created = client.post(
        "/api/v1/drafts",
        json={
            "procedure": "extension",
            "filer_role": "employer_staff",
            "fields": {**worker_fields(), **EMPLOYEE, **EMPLOYER, "filer_corporate_number": "8000012050002"},
        },
        headers=API,
    )
    assert created.status_code == 201, created.json
    assert created.json["filer_role"] == "employer_staff" and created.json["sections"]["filer"] == [
        "organisation_name",
        "filer_address",
        "filer_corporate_number",
    ]
    assert created.json["errors"] == {"filer_corporate_number": "error.corporate_number"}
    # The role is fixed when the draft starts: saving fields cannot turn it into another filer.
    saved = client.put(
        f"/api/v1/drafts/{created.json['id']}",
        json={"fields": {"filer_role": "self", "filer_corporate_number": "7000012050002"}},
        headers=API,
    )
    assert saved.json["filer_role"] == "employer_staff" and saved.json["errors"] == {}


def test_openapi_documents_the_filer(client):
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    assert schemas["DraftIn"]["properties"]["filer_role"]["enum"][0] == "self"
    assert "licensed_agent" in schemas["EligibilityIn"]["properties"]["filer_role"]["enum"]
    assert {"filer_role", "sections"} <= set(schemas["DraftOut"]["properties"])
    assert "filer" in schemas["ApplicationOut"]["properties"] and "role" in schemas["FilerOut"]["properties"]

"""District and branch offices: routing at receipt, office scope, hand-over (domain, casework, web, API)."""

from __future__ import annotations

import copy
import json
import re

import pyotp
import pytest
import sqlalchemy as sa
from review_testkit import FORM, staged, verified_event

from review.adapters.accounts import create_officer
from review.adapters.tables import audit_log, case_history, cases
from review.application import casework, handover, inbound
from review.bootstrap import ports
from review.domain import offices
from review.domain.roles import MATRIX, Action, Forbidden, Officer, Role, can, in_scope
from review.entrypoints.web import create_app
from zairyu_shared.db import transaction


# --- the table and routing (pure) -------------------------------------------------------------------
def test_the_office_table():
    kinds = [o for o in offices.OFFICES.values() if o.kind == offices.DISTRICT]
    assert sorted(o.code for o in kinds) == [
        "chubu_airport",
        "haneda_airport",
        "kansai_airport",
        "kobe",
        "naha",
        "narita_airport",
        "yokohama",
    ]
    for airport in ("narita_airport", "haneda_airport", "chubu_airport", "kansai_airport"):
        assert offices.office(airport).at_airport  # scoping only: no applications by address
    assert offices.office("naha").bureau == "fukuoka" and not offices.office("naha").at_airport
    assert {o.code for o in offices.offices_of("tokyo")} >= {
        "yokohama",
        "saitama",
        "chiba",
        "mito",
        "utsunomiya",
        "takasaki",
        "niigata",
        "kofu",
        "nagano",
    }
    assert all(o.name_ja.endswith(("支局", "出張所")) for o in offices.OFFICES.values())
    with pytest.raises(ValueError):
        offices.Office("x", "district", "atlantis", "x", "x")
    with pytest.raises(ValueError):
        offices.office("atlantis")


# Each bureau's branch offices as the sources in zairyu_shared.events.vocabulary list them (session 23: 53 of the
# agency's 61; Takamatsu's, Naha's island offices and a few of Tokyo's and Osaka's are still to find).
BRANCHES = {
    "sendai": {"aomori", "morioka", "sendai_airport", "akita", "sakata_port", "koriyama"},
    "sapporo": {"hakodate", "asahikawa", "kushiro_port", "wakkanai_port", "chitose_tomakomai"},
    "nagoya": {
        "toyama",
        "kanazawa",
        "fukui",
        "gifu",
        "shizuoka",
        "hamamatsu",
        "toyohashi_port",
        "yokkaichi_port",
    },
    "hiroshima": {"sakaiminato", "matsue", "okayama", "fukuyama", "hiroshima_airport", "shimonoseki", "shunan"},
}


@pytest.mark.parametrize("bureau", sorted(BRANCHES))
def test_a_bureaus_branch_offices_are_the_ones_its_sources_list(bureau):
    """Sapporo had none before (an officer at Hakodate could not be scoped, nor a case handed there)."""
    assert {o.code for o in offices.offices_of(bureau) if o.kind == offices.BRANCH} == BRANCHES[bureau]


def test_a_case_can_be_handed_to_an_office_added_this_wave_and_officers_scoped_to_it():
    offices.check_hand_over("tokyo", None, "tachikawa", True)
    offices.check_hand_over("sapporo", None, "hakodate", True)
    offices.check_hand_over("osaka", "kobe", "himeji_port", True)  # an office under a district office: the bureau's
    with pytest.raises(offices.IllegalHandOver):
        offices.check_hand_over("tokyo", None, "hakodate", True)
    hakodate = Officer("hak-examiner", Role.EXAMINER, "sapporo", office="hakodate")
    assert in_scope(hakodate, "sapporo", "hakodate") and not in_scope(hakodate, "sapporo", None)
    assert offices.office("kawasaki").label == "横浜支局川崎出張所 (Kawasaki Branch Office)"


def test_review_takes_the_office_from_intakes_routing_never_another_bureaus():
    # Corrected (issue 16): review routed on its own copy of the rules and could disagree with intake.
    assert offices.routed_office("tokyo", "yokohama") == "yokohama"
    assert offices.routed_office("tokyo", None) is None
    assert offices.routed_office("osaka", "yokohama") is None  # another bureau's office: never
    assert offices.routed_office("tokyo", "atlantis") is None
    assert not hasattr(offices, "route")  # no second copy of the routing rules in review


# --- the matrix with offices (pure) -------------------------------------------------------------------
YOKOHAMA = {r: Officer(f"yok-{r.value}", r, "tokyo", office="yokohama") for r in Role if r is not Role.ADMIN}
BUREAU = {r: Officer(f"tky-{r.value}", r, "tokyo") for r in Role}


def test_an_office_officer_sees_only_the_office():
    for officer in YOKOHAMA.values():
        assert in_scope(officer, "tokyo", "yokohama")
        assert not in_scope(officer, "tokyo", None)  # the bureau's own cases
        assert not in_scope(officer, "tokyo", "saitama")  # a sibling office's
        assert not in_scope(officer, "osaka", None) and not in_scope(officer, "osaka", "kobe")
        for action in Action:
            assert not can(officer, action, "tokyo", officer.id, office="saitama")
            assert not can(officer, action, "tokyo", officer.id, office=None)
            assert not can(officer, action, "osaka", officer.id, office="kobe")


def test_the_bureau_supervises_its_offices():
    for officer in BUREAU.values():
        assert in_scope(officer, "tokyo", "yokohama") and in_scope(officer, "tokyo", None)
    assert can(BUREAU[Role.EXAMINER], Action.CLAIM, "tokyo", office="yokohama")
    assert can(BUREAU[Role.SUPERVISOR], Action.CONFIRM, "tokyo", office="yokohama")
    assert not in_scope(BUREAU[Role.EXAMINER], "osaka", "kobe")
    assert in_scope(Officer("n", Role.AUDITOR, None), "osaka", "kobe")  # the national auditor, unchanged


def test_only_the_bureau_hands_over_supervisors_and_administrators():
    assert [r for r in Role if can(BUREAU[r], Action.HAND_OVER, "tokyo", office="yokohama")] == [
        Role.SUPERVISOR,
        Role.ADMIN,
    ]
    office_admin = Officer("yok-admin", Role.ADMIN, "tokyo", office="yokohama")
    for officer in (*YOKOHAMA.values(), office_admin):
        assert not can(officer, Action.HAND_OVER, "tokyo", office="yokohama")
    assert not can(Officer("n", Role.AUDITOR, None), Action.HAND_OVER, "tokyo")
    assert Action.HAND_OVER not in MATRIX[Role.EXAMINER]
    with pytest.raises(ValueError):
        Officer("x", Role.EXAMINER, "osaka", office="yokohama")  # an office belongs to its bureau


def test_the_hand_over_rule():
    offices.check_hand_over("tokyo", None, "saitama", True)
    offices.check_hand_over("tokyo", "saitama", None, True)  # taken back
    offices.check_hand_over("tokyo", "saitama", "chiba", True)
    for args in (
        ("tokyo", None, "kobe", True),
        ("tokyo", None, "atlantis", True),
        ("tokyo", "chiba", "chiba", True),
        ("tokyo", None, None, True),
        ("tokyo", None, "saitama", False),
    ):
        with pytest.raises(offices.IllegalHandOver):
            offices.check_hand_over(*args)


# --- receipt and hand-over with the database ---------------------------------------------------------
# The office each address's prefecture goes to under intake's routing (what application.submitted carries).
ROUTED = {
    "神奈川": ("Kanagawa", "yokohama", "yokohama"),
    "埼玉": ("Saitama", "tokyo", "saitama"),
    "兵庫": ("Hyogo", "kobe", "kobe"),
    "茨城": ("Ibaraki", "tokyo", "mito"),
}


def receive(rt, bureau="tokyo", address="東京都新宿区西新宿1-1-1", procedure="extension", **form_extra):
    content = copy.deepcopy(FORM)
    content["applicant"]["address"] = address
    content["form"].update(form_extra)
    deciding = form_extra.get("employer_address", "") if procedure == "coe" else address
    prefecture, receiving, office = next(
        (v for k, v in ROUTED.items() if deciding.startswith(k)), ("Tokyo", bureau, None)
    )
    routing = {"prefecture": prefecture, "receiving_office": receiving, "office": office}
    event = verified_event(bureau=bureau, procedure=procedure, form=content, routing=routing)
    with transaction(rt.session_factory) as s:
        inbound.receive(rt, s, event)
    return event.payload["application_id"]


def office_of(rt, application_id):
    with rt.engine.connect() as conn:
        return conn.execute(
            sa.select(cases.c.office, cases.c.assignee).where(cases.c.application_id == application_id)
        ).first()


def test_a_case_goes_to_the_office_covering_the_address_at_receipt(rt):
    kanagawa = receive(rt, address="神奈川県横浜市中区山下町1-1")
    tokyo = receive(rt)
    coe_mito = receive(rt, procedure="coe", address="東京都港区", employer_address="茨城県水戸市1-1")
    coe_plain = receive(rt, procedure="coe", address="神奈川県横浜市")
    osaka_from_kanagawa = receive(rt, bureau="osaka", address="神奈川県横浜市")
    assert [office_of(rt, a).office for a in (kanagawa, tokyo, coe_mito, coe_plain, osaka_from_kanagawa)] == [
        "yokohama",
        None,
        "mito",
        None,
        None,
    ]
    by_id = {e["application_id"]: e for e in staged(rt, "application.received")}
    assert by_id[kanagawa]["office"] == "yokohama" and by_id[tokyo]["office"] is None


@pytest.fixture
def staff(rt):
    made = {}
    with transaction(rt.session_factory) as s:
        for name, role, bureau, office in (
            ("tky-sup", "supervisor", "tokyo", None),
            ("tky-adm", "bureau_admin", "tokyo", None),
            ("tky-exa", "examiner", "tokyo", None),
            ("yok-exa", "examiner", "tokyo", "yokohama"),
            ("yok-sup", "supervisor", "tokyo", "yokohama"),
            ("sai-exa", "examiner", "tokyo", "saitama"),
            ("osa-sup", "supervisor", "osaka", None),
        ):
            oid, _pw, _secret = create_officer(s, name, name, role, bureau, password="pw", office=office)
            made[name] = Officer(oid, Role(role), bureau, name, office)
    return made


def act(rt, func, *args, **kw):
    with transaction(rt.session_factory) as s:
        return func(rt, s, *args, **kw)


def test_hand_over_is_guarded_audited_and_announced(rt, staff):
    case = receive(rt)
    for who in ("tky-exa", "yok-sup", "yok-exa"):
        with pytest.raises((Forbidden, casework.NotFound)):
            act(rt, handover.hand_over, staff[who], case, "yokohama")
    with pytest.raises(casework.NotFound):  # another bureau's case does not exist for Osaka
        act(rt, handover.hand_over, staff["osa-sup"], case, "kobe")
    with pytest.raises(offices.IllegalHandOver):  # Osaka's office is not Tokyo's to hand to
        act(rt, handover.hand_over, staff["tky-sup"], case, "kobe")
    assert office_of(rt, case).office is None and staged(rt, "application.transferred") == []

    act(rt, handover.hand_over, staff["tky-sup"], case, "yokohama", ip="10.0.0.7")
    assert office_of(rt, case).office == "yokohama"
    (event,) = staged(rt, "application.transferred")
    assert {k: event[k] for k in ("application_id", "bureau", "office")} == {
        "application_id": case,
        "bureau": "tokyo",
        "office": "yokohama",
    }
    with rt.engine.connect() as conn:
        entry = conn.execute(sa.select(audit_log).where(audit_log.c.action == "case.handed_over")).one()
        kinds = (
            conn.execute(sa.select(case_history.c.kind).where(case_history.c.application_id == case)).scalars().all()
        )
    assert (entry.actor, entry.target, entry.ip) == (staff["tky-sup"].id, "yokohama", "10.0.0.7")
    assert json.loads(entry.detail) == {"from": None, "to": "yokohama", "assignee_released": False}
    assert "handed_over" in kinds

    # the office works it; the bureau's administrator takes it back and the office examiner lets go of it.
    act(rt, casework.claim, staff["yok-exa"], case)
    with pytest.raises(casework.NotFound):
        act(rt, casework.claim, staff["sai-exa"], case)  # a sibling office knows nothing of it
    act(rt, handover.hand_over, staff["tky-adm"], case, None)
    assert tuple(office_of(rt, case)) == (None, None)
    with pytest.raises(casework.NotFound):
        act(rt, casework.add_note, staff["yok-exa"], case, "still mine?")
    assert [e["office"] for e in staged(rt, "application.transferred")] == ["yokohama", None]


def test_assignment_stays_within_what_the_assignee_can_see(rt, staff):
    case = receive(rt, address="神奈川県横浜市")
    with pytest.raises(Forbidden):
        act(rt, casework.assign, staff["yok-sup"], case, staff["sai-exa"].id)  # a sibling office's examiner
    act(rt, casework.assign, staff["yok-sup"], case, staff["yok-exa"].id)
    act(rt, handover.hand_over, staff["tky-sup"], case, "saitama")
    assert tuple(office_of(rt, case)) == ("saitama", None)  # released: Yokohama cannot see it any more
    other = receive(rt, address="神奈川県横浜市")
    act(rt, casework.assign, staff["tky-sup"], other, staff["tky-exa"].id)
    act(rt, handover.hand_over, staff["tky-sup"], other, "chiba")
    assert tuple(office_of(rt, other)) == ("chiba", staff["tky-exa"].id)  # a bureau-wide examiner keeps it


# --- the web: pages, attachments, statistics, workload, admin, API --------------------------------------
class Attachments:
    """Intake's store at the port boundary: any attachment asked for is served."""

    def fetch(self, sha256):
        return b"%PDF-1.4 demo"


@pytest.fixture
def app(rt):
    ports(rt).attachments = Attachments()
    app = create_app(rt)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def people(rt):
    made = {}
    with transaction(rt.session_factory) as s:
        for name, role, bureau, office in (
            ("tky-sup", "supervisor", "tokyo", None),
            ("tky-adm", "bureau_admin", "tokyo", None),
            ("yok-exa", "examiner", "tokyo", "yokohama"),
            ("yok-aud", "auditor", "tokyo", "yokohama"),
            ("sai-exa", "examiner", "tokyo", "saitama"),
            ("osa-sup", "supervisor", "osaka", None),
        ):
            oid, pw, secret = create_officer(s, name, name, role, bureau, office=office)
            made[name] = {"id": oid, "password": pw, "secret": secret}
    return made


def sign_in(app, people, who):
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    p = people[who]
    assert (
        client.post(
            "/login",
            data={
                "csrf_token": token,
                "username": who,
                "password": p["password"],
                "totp": pyotp.TOTP(p["secret"]).now(),
            },
        ).status_code
        == 302
    )
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def csrf(client, path):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def receipt(rt, application_id):
    with rt.engine.connect() as conn:
        return conn.execute(sa.select(cases.c.receipt_number).where(cases.c.application_id == application_id)).scalar()


def test_office_officers_see_only_their_office_everywhere(app, rt, people):
    yokohama, bureau, saitama_case = (
        receive(rt, address="神奈川県横浜市"),
        receive(rt),
        receive(rt, address="埼玉県さいたま市"),
    )
    osaka = receive(rt, bureau="osaka", address="兵庫県神戸市")
    with rt.engine.connect() as conn:
        sha = json.loads(conn.execute(sa.select(cases.c.attachments).where(cases.c.application_id == bureau)).scalar())[
            0
        ]["sha256"]
    for who in ("yok-exa", "yok-aud"):
        client = sign_in(app, people, who)
        queue = client.get("/queue").get_data(as_text=True)
        assert receipt(rt, yokohama) in queue
        assert receipt(rt, bureau) not in queue and receipt(rt, saitama_case) not in queue
        assert receipt(rt, bureau) not in client.get("/queue?office=-").get_data(as_text=True)  # no widening
        api = client.get("/api/v1/queue?office=saitama").get_json()
        assert [c["application_id"] for c in api["cases"]] == [yokohama]
        assert client.get(f"/cases/{yokohama}").status_code == 200
        assert client.get(f"/api/v1/cases/{yokohama}").get_json()["office"] == "yokohama"
        for other in (bureau, saitama_case, osaka):
            for url in (f"/cases/{other}", f"/api/v1/cases/{other}", f"/cases/{other}/attachments/{sha}"):
                assert client.get(url).status_code == 404, (who, url)
        assert client.get(f"/cases/{bureau}/audit").status_code == 404
    # the bureau's supervisor sees all three of Tokyo's, and can narrow to one office.
    sup = sign_in(app, people, "tky-sup")
    page = sup.get("/queue").get_data(as_text=True)
    assert all(receipt(rt, c) in page for c in (yokohama, bureau, saitama_case)) and receipt(rt, osaka) not in page
    narrowed = sup.get("/queue?office=yokohama").get_data(as_text=True)
    assert receipt(rt, yokohama) in narrowed and receipt(rt, bureau) not in narrowed
    assert receipt(rt, yokohama) not in sup.get("/queue?office=-").get_data(as_text=True)
    assert sup.get(f"/cases/{yokohama}").status_code == 200
    assert receipt(rt, bureau) in sup.get("/queue?office=kobe").get_data(as_text=True)  # not Tokyo's: ignored
    assert sign_in(app, people, "osa-sup").get(f"/cases/{yokohama}").status_code == 404


def test_workload_and_statistics_per_office(app, rt, people):
    receive(rt, address="神奈川県横浜市")
    receive(rt)
    yok = sign_in(app, people, "yok-exa")  # a TOTP code signs in once: one client per officer
    office = yok.get("/workload").get_data(as_text=True)
    assert "yok-exa" in office and "sai-exa" not in office and "tky-sup" not in office
    assert "<strong>1</strong>" in office  # the office's one unassigned case, not the bureau's
    sup = sign_in(app, people, "tky-sup")
    whole = sup.get("/workload").get_data(as_text=True)
    assert "yok-exa" in whole and "sai-exa" in whole and re.search(r"<strong>2</strong>", whole)
    header = "procedure,status_of_residence,bureau,office,count,mean_days,median_days,p90_days"
    assert yok.get("/statistics.csv").get_data(as_text=True).splitlines() == [header]
    with rt.engine.begin() as conn:  # both decided 10 days after receipt (SQLite date arithmetic)
        conn.execute(
            sa.text(
                "UPDATE cases SET decided_at = datetime(received_at, '+10 days'), outcome = 'approved', "
                "is_open = 0, status = 'approved'"
            )
        )
    assert yok.get("/statistics.csv").get_data(as_text=True).splitlines() == [
        header,
        "extension,engineer_humanities,tokyo,yokohama,1,10.0,10.0,10.0",
    ]
    rows = sup.get("/statistics.csv").get_data(as_text=True).splitlines()
    assert rows == [
        header,
        "extension,engineer_humanities,tokyo,,1,10.0,10.0,10.0",
        "extension,engineer_humanities,tokyo,yokohama,1,10.0,10.0,10.0",
    ]
    feed = app.test_client().get("/api/v1/statistics/processing-days").get_json()["groups"]
    # the public feed: bureau level only, and two decisions are too few to publish
    assert [(g["bureau"], g["count"], g["suppressed"]) for g in feed] == [
        ("tokyo", None, True)
    ] and "office" not in feed[0]


def test_hand_over_from_the_case_page_the_workload_page_and_the_api(app, rt, people):
    case = receive(rt)
    sup = sign_in(app, people, "tky-sup")
    page = sup.get(f"/cases/{case}").get_data(as_text=True)
    assert 'name="office"' in page and "横浜支局" in page
    r = sup.post(f"/cases/{case}/office", data={"csrf_token": csrf(sup, "/queue"), "office": "yokohama"})
    assert r.status_code == 302 and office_of(rt, case).office == "yokohama"
    r = sup.post(
        f"/cases/{case}/office", data={"csrf_token": csrf(sup, "/queue"), "office": "kobe"}, follow_redirects=True
    )
    assert "only to an office of its own bureau" in r.get_data(as_text=True)
    assert office_of(rt, case).office == "yokohama"
    # an office officer has no hand-over at all
    yok = sign_in(app, people, "yok-exa")
    assert 'action="/cases/%s/office"' % case not in yok.get(f"/cases/{case}").get_data(as_text=True)
    assert yok.post(f"/cases/{case}/office", data={"csrf_token": csrf(yok, "/queue"), "office": "-"}).status_code == 403
    # the administrator (no case pages) hands over by receipt number from the workload page
    adm = sign_in(app, people, "tky-adm")
    assert adm.get(f"/cases/{case}").status_code == 403
    r = adm.post(
        "/handover",
        data={"csrf_token": csrf(adm, "/workload"), "receipt_number": receipt(rt, case), "office": "-"},
        follow_redirects=True,
    )
    assert "The case was handed over." in r.get_data(as_text=True) and office_of(rt, case).office is None
    osaka_case = receive(rt, bureau="osaka")
    r = adm.post(
        "/handover",
        data={"csrf_token": csrf(adm, "/workload"), "receipt_number": receipt(rt, osaka_case), "office": "yokohama"},
        follow_redirects=True,
    )
    assert "No case with that receipt number" in r.get_data(as_text=True)
    # JSON: the custom header instead of a CSRF token; errors are explicit
    url = f"/api/v1/cases/{case}/office"
    assert sup.post(url, json={"office": "saitama"}).status_code == 400
    headers = {"X-Zairyu-Api": "1"}
    assert sup.post(url, json={}, headers=headers).status_code == 400  # no office: not "back to the bureau"
    assert sup.post(url, json={"office": "kobe"}, headers=headers).status_code == 409
    assert sup.post(url, json={"office": "saitama", "version": 1}, headers=headers).status_code == 409  # stale
    answer = sup.post(url, json={"office": "saitama"}, headers=headers)
    assert answer.status_code == 200 and answer.get_json() == {"application_id": case, "office": "saitama"}
    assert yok.post(url, json={"office": None}, headers=headers).status_code == 404
    assert sign_in(app, people, "sai-exa").post(url, json={"office": None}, headers=headers).status_code == 403
    assert [e["office"] for e in staged(rt, "application.transferred")] == ["yokohama", None, "saitama"]
    assert "/api/v1/cases/{application_id}/office" in app.test_client().get("/api/v1/openapi.json").get_json()["paths"]


def test_administrators_create_officers_scoped_to_an_office(app, rt, people):
    adm = sign_in(app, people, "tky-adm")
    page = adm.get("/admin/officers").get_data(as_text=True)
    assert "横浜支局" in page and "神戸支局" not in page
    r = adm.post(
        "/admin/officers",
        data={
            "csrf_token": csrf(adm, "/admin/officers"),
            "username": "chiba-ex",
            "display_name": "Chiba Examiner",
            "role": "examiner",
            "office": "chiba",
            "staff_id": "C-1",
        },
    )
    assert r.status_code == 200
    r = adm.post(
        "/admin/officers",
        data={
            "csrf_token": csrf(adm, "/admin/officers"),
            "username": "kobe-ex",
            "display_name": "Kobe?",
            "role": "examiner",
            "office": "kobe",
            "staff_id": "K-1",
        },
        follow_redirects=True,
    )
    assert "Choose an office of your bureau." in r.get_data(as_text=True)
    with rt.engine.connect() as conn:
        rows = dict(conn.execute(sa.text("SELECT username, office FROM officers WHERE username LIKE '%-ex'")).all())
    assert rows == {"chiba-ex": "chiba"}


def test_an_early_extension_is_flagged_on_the_case_page_with_the_applicants_reason(app, rt, people):
    content = copy.deepcopy(FORM)
    content["form"]["early_filing_reason"] = "Surgery abroad for four months"
    content["examiner_flags"] = ["early_filing"]
    event = verified_event(
        form=content, routing={"prefecture": "Kanagawa", "receiving_office": "yokohama", "office": "yokohama"}
    )
    with transaction(rt.session_factory) as s:
        inbound.receive(rt, s, event)
    plain = receive(rt, address="神奈川県横浜市")
    client = sign_in(app, people, "yok-exa")
    page = client.get(f"/cases/{event.payload['application_id']}").get_data(as_text=True)
    assert "Filed before the extension window" in page and "Surgery abroad for four months" in page
    assert "Filed before the extension window" not in client.get(f"/cases/{plain}").get_data(as_text=True)


def test_the_receipt_number_names_the_receiving_office_intakes_routing_chose(rt):
    kanagawa = receive(rt, address="神奈川県横浜市中区")
    hyogo = receive(rt, bureau="osaka", address="兵庫県神戸市")
    tokyo = receive(rt)
    assert receipt(rt, kanagawa).startswith("横オン-") and receipt(rt, hyogo).startswith("神オン-")
    assert receipt(rt, tokyo).startswith("東オン-")
    stray = verified_event(
        bureau="osaka", routing={"prefecture": "Kanagawa", "receiving_office": "yokohama", "office": "yokohama"}
    )
    with transaction(rt.session_factory) as s:
        inbound.receive(rt, s, stray)  # another bureau's office: the bureau's own receiving office, no office
    assert receipt(rt, stray.payload["application_id"]).startswith("阪オン-")
    assert office_of(rt, stray.payload["application_id"]).office is None

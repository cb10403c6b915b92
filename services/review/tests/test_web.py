"""The officers' web front: sign-in with TOTP, lockout, queue, case page, actions, audit of views, API."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, timedelta

import pyotp
import pytest
import sqlalchemy as sa
from review_testkit import verified_event

from review.adapters.accounts import create_officer
from review.adapters.intake_client import AttachmentCorrupt
from review.adapters.tables import audit_log, cases
from review.application import casework, inbound
from review.bootstrap import ports
from review.entrypoints.web import create_app
from zairyu_shared.db import transaction
from zairyu_shared.outbox import open_body

PDF = b"%PDF-1.4 demo"


class FakeAttachments:
    """Intake's store at the port boundary."""

    def __init__(self, blobs):
        self.blobs = blobs

    def fetch(self, sha256):
        body = self.blobs[sha256]
        if hashlib.sha256(body).hexdigest() != sha256:
            raise AttachmentCorrupt(sha256)
        return body


@pytest.fixture
def app(rt):
    ports(rt).attachments = FakeAttachments({hashlib.sha256(PDF).hexdigest(): PDF})
    app = create_app(rt)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def people(rt):
    made = {}
    with transaction(rt.session_factory) as s:
        for bureau in ("tokyo", "osaka"):
            for role in ("examiner", "supervisor", "bureau_admin", "auditor"):
                oid, pw, secret = create_officer(s, f"{bureau}-{role}", f"{bureau} {role}", role, bureau)
                made[f"{bureau}-{role}"] = {"id": oid, "password": pw, "secret": secret}
    return made


def csrf(client, path="/login"):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def sign_in(app, people, who, code=None):
    client = app.test_client()
    p = people[who]
    r = client.post(
        "/login",
        data={
            "csrf_token": csrf(client),
            "username": who,
            "password": p["password"],
            "totp": code or pyotp.TOTP(p["secret"]).now(),
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    return client


def new_case(rt, bureau="tokyo"):
    event = verified_event(bureau=bureau)
    with transaction(rt.session_factory) as s:
        inbound.receive(rt, s, event)
    return event.payload["application_id"]


def audit_actions(rt, app_id):
    with rt.engine.connect() as conn:
        return conn.execute(
            sa.select(audit_log.c.action, audit_log.c.actor, audit_log.c.ip, audit_log.c.target)
            .where(audit_log.c.application_id == app_id)
            .order_by(audit_log.c.seq)
        ).all()


def test_sign_in_needs_password_and_a_fresh_totp_code(app, people):
    client = app.test_client()
    p = people["tokyo-examiner"]
    token = csrf(client)
    bad = client.post(
        "/login", data={"csrf_token": token, "username": "tokyo-examiner", "password": p["password"], "totp": "000000"}
    )
    assert bad.status_code == 400 and "review_session" not in (bad.headers.get("Set-Cookie") or "")
    code = pyotp.TOTP(p["secret"]).now()
    ok = client.post(
        "/login", data={"csrf_token": token, "username": "tokyo-examiner", "password": p["password"], "totp": code}
    )
    assert ok.status_code == 302
    replay = app.test_client()
    again = replay.post(
        "/login",
        data={"csrf_token": csrf(replay), "username": "tokyo-examiner", "password": p["password"], "totp": code},
    )
    assert again.status_code == 400  # a code works once


def test_lockout_after_repeated_failures(app, people):
    client = app.test_client()
    token = csrf(client)
    for _ in range(5):
        client.post(
            "/login", data={"csrf_token": token, "username": "tokyo-examiner", "password": "wrong", "totp": "123456"}
        )
    p = people["tokyo-examiner"]
    r = client.post(
        "/login",
        data={
            "csrf_token": token,
            "username": "tokyo-examiner",
            "password": p["password"],
            "totp": pyotp.TOTP(p["secret"]).now(),
        },
    )
    assert r.status_code == 400 and "ロックされています" in r.get_data(as_text=True)  # right credentials, still locked


def test_the_case_says_how_the_applicant_receives_the_new_card(app, people, rt):
    by_post, at_counter = verified_event(), verified_event(card_by_mail=False)
    with transaction(rt.session_factory) as s:
        inbound.receive(rt, s, by_post)
        inbound.receive(rt, s, at_counter)
    client = sign_in(app, people, "tokyo-examiner")
    post_page = client.get(f"/cases/{by_post.payload['application_id']}").get_data(as_text=True)
    counter_page = client.get(f"/cases/{at_counter.payload['application_id']}").get_data(as_text=True)
    assert "新しい在留カード: 郵送" in post_page and "窓口で受領" not in post_page
    assert "新しい在留カード: 窓口で受領" in counter_page
    # the signed form reads with the official form's names; the nationality typed in an older form ("Viet Nam")
    # by its Japanese name, the other values exactly as signed
    assert (
        "<dt>国籍・地域</dt><dd>ベトナム</dd>" in post_page
        and "<dt>在留カード番号</dt><dd>AB12345678CD</dd>" in post_page
    )
    assert "<dt>nationality</dt>" not in post_page


def test_signed_codes_read_as_words_for_the_officer(app, people, rt):
    """Statuses of residence by their official names, choice codes by what they mean in that field
    ("single" is a marital status and a re-entry permit); codes outside the vocabulary stay as signed."""
    from review_testkit import FORM

    form = {
        **FORM,
        "form": {
            **FORM["form"],
            "current_status": "engineer_humanities",
            "desired_status": "spouse_japanese",
            "marital_status": "single",
            "reentry_type": "single",
            "criminal_record": "no",
            "card_receipt": "counter",
            "weird_field": "single",
        },
    }
    event = verified_event(form=form)
    event.payload["submission"]["status_of_residence"] = "engineer_humanities"
    with transaction(rt.session_factory) as s:
        inbound.receive(rt, s, event)
    client = sign_in(app, people, "tokyo-examiner")
    page = client.get(f"/cases/{event.payload['application_id']}").get_data(as_text=True)
    assert "<dd>技術・人文知識・国際業務</dd>" in page and "<dd>日本人の配偶者等</dd>" in page
    assert "<dt>配偶者の有無</dt><dd>未婚</dd>" in page and "<dt>再入国許可の種類</dt><dd>1回限り</dd>" in page
    assert "<dd>窓口で受領</dd>" in page
    assert "<dd>single</dd>" in page  # a field the vocabulary does not know keeps the signed value
    assert "engineer_humanities" not in page.split("<h2", 1)[1]  # the header and the form: by name only
    english = client.get(f"/cases/{event.payload['application_id']}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "Engineer / Specialist in Humanities / International Services" in english and "Unmarried" in english
    queue = client.get("/queue?status_of_residence=engineer_humanities").get_data(as_text=True)
    assert "<td>技術・人文知識・国際業務</td>" in queue
    assert '<option value="engineer_humanities" selected>技術・人文知識・国際業務</option>' in queue


def test_case_page_reads_like_the_official_form(app, people, rt):
    """Issue 18: the signed form in the official form's parts and order, coded values (ISO nationality,
    ISO 8601 period, JSIC industry, sex) by their Japanese names, attachments by file name with previews."""
    import hashlib

    from review_testkit import FORM

    form = {
        **FORM,
        "form": {  # deliberately not in the form's order
            "industry": "E",
            "employer_name": "株式会社テスト",
            "desired_period": "P3Y",
            "desired_status": "engineer_humanities",
            "period_of_stay": "P1Y",
            "current_status": "engineer_humanities",
            "card_number": "AB12345678CD",
            "occupation": "engineer",
            "nationality": "VN",
            "supporter_nationality": "BR",
            "monthly_salary_yen": 300000,
            "employees": 1200,
        },
    }
    event = verified_event(form=form)
    png = b"\x89PNG\r\n\x1a\n scan"
    event.payload["submission"]["attachments"].append(
        {
            "sha256": hashlib.sha256(png).hexdigest(),
            "media_type": "image/png",
            "size": len(png),
            "kind": "photo",
            "filename": "photo.png",
        }
    )
    with transaction(rt.session_factory) as s:
        inbound.receive(rt, s, event)
    client = sign_in(app, people, "tokyo-examiner")
    page = client.get(f"/cases/{event.payload['application_id']}").get_data(as_text=True)
    form_html = page.split('id="form"', 1)[1].split('id="att"', 1)[0]
    assert "<dt>国籍・地域</dt><dd>ベトナム</dd>" in form_html and "<dd>ブラジル</dd>" in form_html
    assert "<dd>1年</dd>" in form_html and "<dd>3年</dd>" in form_html and "<dd>製造業</dd>" in form_html
    assert "<dt>性別</dt><dd>男</dd>" in form_html  # the registered sex (M), by name
    # amounts of yen grouped as the official form writes them (session 20: 300000); a count as it is
    assert "<dd>300,000</dd>" in form_html and "<dd>1200</dd>" in form_html
    for code in (">VN<", ">P1Y<", ">P3Y<", ">E<"):
        assert code not in form_html
    # the official form's order: 1 nationality, 3 name, 7 occupation, 11 status, 12 card, 13 desired, employer
    order = [
        "申請人（申請書の1〜10）",
        "<dd>ベトナム</dd>",
        "<dt>氏名</dt>",
        "<dd>engineer</dd>",
        "現に有する在留資格・在留カード",
        "<dd>1年</dd>",
        "AB12345678CD",
        "申請の内容（13〜16）",
        "<dd>3年</dd>",
        "所属機関（勤務先）",
        "株式会社テスト",
        "<dd>製造業</dd>",
    ]
    positions = [form_html.index(marker) for marker in order]
    assert positions == sorted(positions), list(zip(order, positions))
    attachments = page.split('id="att"', 1)[1].split("</section>", 1)[0]
    base = f"/cases/{event.payload['application_id']}/attachments/"
    assert "photo.png" in attachments and "passport.pdf" in attachments
    assert f'<img class="preview" src="{base}{hashlib.sha256(png).hexdigest()}"' in attachments
    assert f'href="{base}{hashlib.sha256(b"%PDF-1.4 demo").hexdigest()}" target="_blank"' in attachments
    assert "<script" not in page  # the page's CSP allows no inline script


def test_pages_need_a_session_and_posts_need_csrf(app, people, rt):
    anon = app.test_client()
    assert anon.get("/queue").status_code == 302
    assert anon.get("/api/v1/queue").status_code == 401
    client = sign_in(app, people, "tokyo-examiner")
    app_id = new_case(rt)
    assert client.post(f"/cases/{app_id}/claim").status_code == 400  # no CSRF token


def test_queue_and_case_page_are_scoped_to_the_bureau(app, people, rt):
    tokyo_case = new_case(rt, "tokyo")
    osaka_case = new_case(rt, "osaka")
    tokyo = sign_in(app, people, "tokyo-examiner")
    page = tokyo.get("/queue").get_data(as_text=True)
    assert "東オン-" in page and "阪オン-" not in page
    assert f'href="/cases/{tokyo_case}"' in page
    osaka = sign_in(app, people, "osaka-supervisor")
    assert osaka.get(f"/cases/{tokyo_case}").status_code == 404
    outside = osaka.get(f"/api/v1/cases/{tokyo_case}")
    assert outside.status_code == 404 and outside.get_json()["error"] == "not_found"  # JSON for tools, not the page
    assert osaka.get(f"/cases/{tokyo_case}").mimetype == "text/html"
    sha = hashlib.sha256(PDF).hexdigest()
    assert osaka.get(f"/cases/{tokyo_case}/attachments/{sha}").status_code == 404
    assert osaka.get(f"/cases/{osaka_case}").status_code == 200
    admin = sign_in(app, people, "tokyo-bureau_admin")
    assert admin.get(f"/cases/{tokyo_case}").status_code == 403  # administrators do not read files
    assert admin.get("/workload").status_code == 200


def test_viewing_a_case_and_an_attachment_is_audited(app, people, rt):
    app_id = new_case(rt)
    client = sign_in(app, people, "tokyo-auditor")
    page = client.get(f"/cases/{app_id}", environ_base={"REMOTE_ADDR": "10.20.30.40"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "AB12345678CD" in html and "NGUYEN" in html and "1234" in html and "crl" in html  # form, signer, cert
    assert "Project-Id-Version" not in html  # no empty string sent through gettext
    sha = hashlib.sha256(PDF).hexdigest()
    att = client.get(f"/cases/{app_id}/attachments/{sha}", environ_base={"REMOTE_ADDR": "10.20.30.40"})
    assert att.status_code == 200 and att.data == PDF and att.mimetype == "application/pdf"
    assert att.headers["Content-Security-Policy"].startswith("default-src 'none'")
    entries = audit_actions(rt, app_id)
    auditor = people["tokyo-auditor"]["id"]
    assert ("case.viewed", auditor, "10.20.30.40", None) in entries
    assert ("attachment.viewed", auditor, "10.20.30.40", sha) in entries
    assert client.get(f"/cases/{app_id}/attachments/{'f' * 64}").status_code == 404  # not this case's file


def test_a_corrupt_attachment_is_not_shown(app, people, rt):
    app_id = new_case(rt)
    sha = hashlib.sha256(PDF).hexdigest()
    ports(rt).attachments.blobs[sha] = b"tampered"
    client = sign_in(app, people, "tokyo-examiner")
    r = client.get(f"/cases/{app_id}/attachments/{sha}")
    assert r.status_code == 502 and b"tampered" not in r.data


def post(client, path, data):
    case_path = path.rsplit("/", 1)[0]
    return client.post(path, data={"csrf_token": csrf(client, case_path), **data})


def version(rt, app_id):
    with rt.engine.connect() as conn:
        return conn.execute(sa.select(cases.c.version).where(cases.c.application_id == app_id)).scalar()


def test_examine_propose_confirm_through_the_pages(app, people, rt):
    app_id = new_case(rt)
    ex = sign_in(app, people, "tokyo-examiner")
    sv = sign_in(app, people, "tokyo-supervisor")
    base = f"/cases/{app_id}"
    assert post(ex, f"{base}/claim", {"version": version(rt, app_id)}).status_code == 302
    r = post(
        ex,
        f"{base}/request-documents",
        {
            "version": version(rt, app_id),
            "kinds": "tax_certificate",
            "message": "please",
            "deadline": str(date.today() + timedelta(days=7)),
        },
    )
    assert r.status_code == 302
    with transaction(rt.session_factory) as s:
        assert casework.load_case(s, app_id).status == "documents_requested"
        s.execute(cases.update().where(cases.c.application_id == app_id).values(status="under_examination"))
    post(ex, f"{base}/notes", {"body": "income verified"})
    post(
        ex,
        f"{base}/propose",
        {
            "version": version(rt, app_id),
            "outcome": "approved",
            "granted_status": "engineer_humanities",
            "period_of_stay": "P3Y",
        },
    )
    # the examiner sees no confirm button and cannot confirm by posting
    assert "Confirm decision" not in ex.get(base, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert post(ex, f"{base}/confirm", {"version": version(rt, app_id)}).status_code == 403
    stale = version(rt, app_id) - 1
    r = post(sv, f"{base}/confirm", {"version": stale})
    assert r.status_code == 302
    with transaction(rt.session_factory) as s:
        assert casework.load_case(s, app_id).status == "decision_proposed"  # stale version refused
    # one click is not enough: the supervisor ticks that they checked the proposal (issue 18)
    assert 'name="acknowledge" value="yes" required' in sv.get(base, headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    post(sv, f"{base}/confirm", {"version": version(rt, app_id)})
    with transaction(rt.session_factory) as s:
        assert casework.load_case(s, app_id).status == "decision_proposed"
    post(sv, f"{base}/confirm", {"version": version(rt, app_id), "acknowledge": "yes"})
    with transaction(rt.session_factory) as s:
        assert casework.load_case(s, app_id).status == "approved"
    page = sv.get(base, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "income verified" in page


def test_japanese_by_default_english_on_request(app, people):
    client = app.test_client()
    assert "ログイン" in client.get("/login").get_data(as_text=True)
    assert "Sign in" in client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_strict_headers(app):
    r = app.test_client().get("/login")
    assert r.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert r.headers["X-Frame-Options"] == "DENY" and r.headers["Cache-Control"] == "no-store"


def test_statistics_json_csv_and_openapi(app, people, rt):
    app_id = new_case(rt)
    with transaction(rt.session_factory) as s:
        received = casework.load_case(s, app_id).received_at
        s.execute(
            cases.update()
            .where(cases.c.application_id == app_id)
            .values(status="approved", is_open=False, outcome="approved", decided_at=received + timedelta(days=21))
        )
    data = app.test_client().get("/api/v1/statistics/processing-days").get_json()
    # One decision is a person: published without sign-in, the cell keeps its key and loses its figures.
    assert data["min_count"] == 10 and data["groups"] == [
        {
            "procedure": "extension",
            "status_of_residence": "engineer_humanities",
            "bureau": "tokyo",
            "count": None,
            "mean_days": None,
            "median_days": None,
            "p90_days": None,
            "suppressed": True,
        }
    ]
    client = sign_in(app, people, "tokyo-supervisor")
    csv_text = client.get("/statistics.csv").get_data(as_text=True)
    assert csv_text.splitlines()[:2] == [
        "procedure,status_of_residence,bureau,office,count,mean_days,median_days,p90_days",
        "extension,engineer_humanities,tokyo,,1,21.0,21.0,21.0",
    ]  # office empty: the bureau
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/statistics/processing-days", "/api/v1/queue", "/api/v1/cases/{application_id}"} <= set(
        spec["paths"]
    )


def test_public_statistics_show_a_cell_from_ten_decisions_and_suppress_smaller_ones(app, rt):
    for n in range(12):
        app_id = new_case(rt)
        with transaction(rt.session_factory) as s:
            received = casework.load_case(s, app_id).received_at
            # ten decided after 20 days, two after 40: the officers' figures are exact, the public ones too once >= 10
            s.execute(
                cases.update()
                .where(cases.c.application_id == app_id)
                .values(
                    status="approved",
                    is_open=False,
                    outcome="approved",
                    decided_at=received + timedelta(days=20 if n < 10 else 40),
                )
            )
        if n == 8:
            assert app.test_client().get("/api/v1/statistics/processing-days").get_json()["groups"][0]["suppressed"]
        if n == 9:
            group = app.test_client().get("/api/v1/statistics/processing-days").get_json()["groups"][0]
            assert (group["count"], group["median_days"], group["suppressed"]) == (10, 20.0, False)
    group = app.test_client().get("/api/v1/statistics/processing-days").get_json()["groups"][0]
    assert (group["count"], group["p90_days"], group["suppressed"]) == (12, 40.0, False)


def test_api_queue_keyset_pages_cover_everything_once(app, people, rt):
    ids = {new_case(rt) for _ in range(7)}
    client = sign_in(app, people, "tokyo-examiner")
    seen, cursor = [], None
    while True:
        r = client.get("/api/v1/queue", query_string={"limit": 3, **({"after": cursor} if cursor else {})}).get_json()
        seen += [c["application_id"] for c in r["cases"]]
        cursor = r["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 7 and set(seen) == ids
    newest_first, cursor = [], None
    while True:
        r = client.get(
            "/api/v1/queue", query_string={"limit": 4, "sort": "received_desc", **({"after": cursor} if cursor else {})}
        ).get_json()
        newest_first += [c["application_id"] for c in r["cases"]]
        if not (cursor := r["next_cursor"]):
            break
    assert newest_first == seen[::-1]


def test_session_expires_when_idle(app, people, rt):
    client = sign_in(app, people, "tokyo-examiner")
    assert client.get("/queue").status_code == 200
    from review.adapters.tables import officer_sessions

    with transaction(rt.session_factory) as s:
        s.execute(officer_sessions.update().values(last_seen_at=sa.func.datetime("now", "-31 minutes")))
    assert client.get("/queue").status_code == 302


def test_bureau_admin_creates_an_officer_pending_a_second_administrator(app, people, rt):
    """The whole flow (approval, enrolment, sign-in) is tested in test_enrolment.py."""
    admin = sign_in(app, people, "tokyo-bureau_admin")
    r = admin.post(
        "/admin/officers",
        data={
            "csrf_token": csrf(admin, "/admin/officers"),
            "username": "new-examiner",
            "display_name": "New Examiner",
            "role": "examiner",
            "staff_id": "T-0042",
        },
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "/enrol/" in html and "data:image/svg+xml" not in html  # a link, no credentials
    assert "new-examiner" in admin.get("/admin/officers").get_data(as_text=True)
    assert sign_in(app, people, "tokyo-examiner").get("/admin/officers").status_code == 403
    osaka_admin = sign_in(app, people, "osaka-bureau_admin")
    tokyo_id = people["tokyo-examiner"]["id"]
    r = osaka_admin.post(
        f"/admin/officers/{tokyo_id}/deactivate", data={"csrf_token": csrf(osaka_admin, "/admin/officers")}
    )
    assert r.status_code == 404  # another bureau's officer


def test_deactivating_an_officer_ends_their_sessions(app, people):
    examiner = sign_in(app, people, "tokyo-examiner")
    admin = sign_in(app, people, "tokyo-bureau_admin")
    admin.post(
        f"/admin/officers/{people['tokyo-examiner']['id']}/deactivate",
        data={"csrf_token": csrf(admin, "/admin/officers")},
    )
    assert examiner.get("/queue").status_code == 302


def test_auditor_reads_the_case_audit_trail_examiner_does_not(app, people, rt):
    app_id = new_case(rt)
    auditor = sign_in(app, people, "tokyo-auditor")
    auditor.get(f"/cases/{app_id}")
    trail = auditor.get(f"/cases/{app_id}/audit", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "case.received" in trail and "case.viewed" in trail
    assert sign_in(app, people, "tokyo-examiner").get(f"/cases/{app_id}/audit").status_code == 403
    assert sign_in(app, people, "osaka-auditor").get(f"/cases/{app_id}/audit").status_code == 404


def test_workload_shows_ageing_against_targets(app, people, rt):
    app_id = new_case(rt)
    with transaction(rt.session_factory) as s:
        received = casework.load_case(s, app_id).received_at
        s.execute(
            cases.update().where(cases.c.application_id == app_id).values(received_at=received - timedelta(days=40))
        )
    new_case(rt)
    from review.adapters.queries import ageing_summary

    with rt.engine.connect() as conn:
        rows = {r["procedure"]: r for r in ageing_summary(conn, "tokyo", {"extension": 30, "coe": 90})}
    assert rows["extension"] == {
        "procedure": "extension",
        "target_days": 30,
        "open": 2,
        "ok": 1,
        "due": 0,
        "overdue": 1,
    }
    assert rows["coe"]["open"] == 0
    assert sign_in(app, people, "tokyo-supervisor").get("/workload").status_code == 200


def test_sign_in_attempts_are_rate_limited_per_address(tmp_path):
    from review_testkit import make_runtime

    rt = make_runtime(f"sqlite:///{tmp_path}/limited.db", f"memory://{tmp_path.name}", login_rate_limit="3 per minute")
    try:
        client = create_app(rt).test_client()
        token = csrf(client)
        codes = [
            client.post(
                "/login", data={"csrf_token": token, "username": "x", "password": "y", "totp": "123456"}
            ).status_code
            for _ in range(4)
        ]
        assert codes == [400, 400, 400, 429]
    finally:
        rt.stop()


def test_withdrawal_and_correction_show_on_the_case_and_close_it(app, people, rt):
    from review_testkit import intake_event

    app_id = new_case(rt)
    with rt.engine.connect() as conn:
        applicant = conn.execute(sa.select(cases.c.applicant_id).where(cases.c.application_id == app_id)).scalar()
    for event_type, extra in (
        (
            "application.correction_requested",
            {"correction_id": "c-1", "message": "wrong employer", "requested_at": "2026-01-10T10:00:00+09:00"},
        ),
        ("application.withdrawn", {"reason": "leaving Japan", "withdrawn_at": "2026-01-11T10:00:00+09:00"}),
    ):
        event = intake_event(
            event_type,
            {
                "application_id": app_id,
                "applicant_id": applicant,
                "signed_content_b64": "e30=",
                "signature_cms_b64": "eA==",
                **extra,
            },
            app_id,
        )
        with transaction(rt.session_factory) as s:
            (inbound.correction_requested if "correction" in event_type else inbound.withdrawn)(rt, s, event)
    ex = sign_in(app, people, "tokyo-examiner")
    page = ex.get(f"/cases/{app_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "wrong employer" in page and "leaving Japan" in page and "Acknowledge and close" in page
    post(ex, f"/cases/{app_id}/acknowledge-withdrawal", {"version": version(rt, app_id)})
    with transaction(rt.session_factory) as s:
        assert casework.load_case(s, app_id).status == "withdrawn"
    with rt.engine.connect() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).where(rt.outbox.c.event_type == "application.closed")).scalar() == 1
        )


def test_earlier_applications_of_another_bureau_stay_hidden(app, people, rt):
    from review_testkit import verified_event as make

    applicant = "same-person"
    tokyo_event, osaka_event = (
        make(bureau="tokyo", applicant_id=applicant),
        make(bureau="osaka", applicant_id=applicant),
    )
    for event in (tokyo_event, osaka_event):
        with transaction(rt.session_factory) as s:
            inbound.receive(rt, s, event)
    osaka = sign_in(app, people, "osaka-examiner")
    page = osaka.get(f"/cases/{osaka_event.payload['application_id']}").get_data(as_text=True)
    assert "東オン-" not in page
    assert osaka.get("/queue?after=garbage").status_code == 400


def _outbox(rt, event_type):
    import json

    with rt.engine.connect() as conn:
        return [
            json.loads(open_body(b, rt.keyring))
            for b in conn.execute(sa.select(rt.outbox.c.body).where(rt.outbox.c.event_type == event_type)).scalars()
        ]


def test_documents_are_requested_by_kind_and_the_grant_chosen_from_the_lists(app, people, rt):
    """Issue 18: the officer page sends coded words (documents_requested v2, decided v3) that the applicant
    reads in their language; free text is the note only, and an "other" without a note is refused."""
    app_id = new_case(rt)
    ex = sign_in(app, people, "tokyo-examiner")
    sv = sign_in(app, people, "tokyo-supervisor")
    base = f"/cases/{app_id}"
    post(ex, f"{base}/claim", {"version": version(rt, app_id)})
    page = ex.get(f"{base}?purpose=examination", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert 'name="kinds" value="tax_certificate"' in page and "住民税の課税（又は非課税）証明書" in page
    assert '<select id="period_of_stay"' in page and '<option value="P1Y3M">1年3月</option>' in page
    deadline = str(date.today() + timedelta(days=7))
    r = ex.post(
        f"{base}/request-documents",
        data={
            "csrf_token": csrf(ex, base),
            "version": version(rt, app_id),
            "kinds": ["other"],
            "message": " ",
            "deadline": deadline,
        },
    )
    assert r.status_code == 302 and _outbox(rt, "application.documents_requested") == []
    ex.post(
        f"{base}/request-documents",
        data={
            "csrf_token": csrf(ex, base),
            "version": version(rt, app_id),
            "kinds": ["tax_certificate", "residence_certificate"],
            "message": "令和7年度分",
            "deadline": deadline,
        },
    )
    (event,) = _outbox(rt, "application.documents_requested")
    assert event["version"] == 2 and event["payload"]["message"] == "令和7年度分"
    assert [i["code"] for i in event["payload"]["items"]] == ["tax_certificate", "residence_certificate"]
    with transaction(rt.session_factory) as s:
        s.execute(cases.update().where(cases.c.application_id == app_id).values(status="under_examination"))
    post(
        ex,
        f"{base}/propose",
        {
            "version": version(rt, app_id),
            "outcome": "approved",
            "granted_status": "engineer_humanities",
            "period_of_stay": "3 years",
        },
    )
    with transaction(rt.session_factory) as s:
        assert casework.load_case(s, app_id).status == "under_examination"  # free text is no period
    post(
        ex,
        f"{base}/propose",
        {
            "version": version(rt, app_id),
            "outcome": "approved",
            "granted_status": "engineer_humanities",
            "period_of_stay": "P1Y3M",
        },
    )
    post(sv, f"{base}/confirm", {"version": version(rt, app_id), "acknowledge": "yes"})
    (decided,) = _outbox(rt, "application.decided")
    assert decided["version"] == 5  # v3 coded grant + the receipt number (v4) + the holder's date of birth (v5)
    assert (decided["payload"]["granted_status"], decided["payload"]["period_of_stay"]) == (
        "engineer_humanities",
        "P1Y3M",
    )


def test_the_case_page_gives_times_in_japan_time_and_the_receipt_day_of_japan(app, people, rt):
    """Issue 18: screens showed UTC; a case received at 16:30 UTC on 31 March was received on 1 April in
    Japan, and the receipt date decides legal deadlines."""
    from datetime import datetime

    app_id = new_case(rt)
    ex = sign_in(app, people, "tokyo-examiner")
    post(ex, f"/cases/{app_id}/notes", {"body": "checked"})
    with transaction(rt.session_factory) as s:
        s.execute(
            cases.update()
            .where(cases.c.application_id == app_id)
            .values(received_at=datetime(2026, 3, 31, 16, 30, tzinfo=UTC))
        )
    page = ex.get(f"/cases/{app_id}?purpose=examination", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    header = page[page.index("<h1") : page.index("</p>", page.index("<h1"))]
    assert "2026-04-01" in header and "2026-03-31" not in header
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", page)  # no raw ISO timestamps (validation time)


def test_after_the_applicant_answered_the_examiner_proposes_without_a_resume_click_first(app, people, rt):
    """Issue 18: an answered request needed a separate "resume examination" click before proposing."""
    app_id = new_case(rt)
    ex = sign_in(app, people, "tokyo-examiner")
    base = f"/cases/{app_id}"
    post(ex, f"{base}/claim", {"version": version(rt, app_id)})
    with transaction(rt.session_factory) as s:
        s.execute(cases.update().where(cases.c.application_id == app_id).values(status="documents_answered"))
    page = ex.get(f"{base}?purpose=examination", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'action="{base}/propose"' in page  # the proposal form is there at once
    post(
        ex,
        f"{base}/propose",
        {
            "version": version(rt, app_id),
            "outcome": "approved",
            "granted_status": "engineer_humanities",
            "period_of_stay": "P3Y",
        },
    )
    from review.adapters.tables import case_history

    with transaction(rt.session_factory) as s:
        assert casework.load_case(s, app_id).status == "decision_proposed"
        kinds = (
            s.execute(
                sa.select(case_history.c.kind)
                .where(case_history.c.application_id == app_id)
                .order_by(case_history.c.id)
            )
            .scalars()
            .all()
        )
    assert kinds[-2:] == ["examination_resumed", "decision_proposed"]  # both steps on record


def test_the_certificates_sex_code_and_the_specified_card_choice_read_in_japanese(app):
    """Seen on the case page: a JPKI holder's sex came as "1" and the specified-card answer as "no"."""
    from flask_babel import force_locale

    from review.entrypoints.labels import choice_labels

    with app.test_request_context("/?lang=ja"), force_locale("ja"):
        labels = choice_labels()
    assert (labels["sex"]["1"], labels["sex"]["2"]) == ("男", "女")
    assert labels["specified_card"]["no"] != "no"


def test_the_case_header_names_a_bundled_permit_in_japanese(app, people, rt):
    """Seen on the case page: '延長 + reentry' in the header."""
    event = verified_event(bureau="tokyo", bundled=("reentry",))
    with transaction(rt.session_factory) as s:
        inbound.receive(rt, s, event)
    client = sign_in(app, people, "tokyo-examiner")
    page = client.get(
        f"/cases/{event.payload['application_id']}?purpose=examination", headers={"Accept-Language": "ja"}
    ).get_data(as_text=True)
    header = re.search(r"<p>[^<]*·[^<]*</p>", page).group(0)
    assert "+ 再入国許可" in header and "reentry" not in header, header


def test_a_refusal_ticks_grounds_the_applicant_can_read(app, people, rt):
    """Session 20: the grounds were typed as free codes ("R-1") no applicant could read; now the examiner ticks them
    from vocabulary.REFUSAL_REASONS by their Japanese names, a code outside it is refused, and the decision carries
    the codes notify writes in the applicant's language."""
    app_id = new_case(rt)
    ex = sign_in(app, people, "tokyo-examiner")
    base = f"/cases/{app_id}"
    assert post(ex, f"{base}/claim", {"version": version(rt, app_id)}).status_code == 302
    page = ex.get(base, headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert 'name="reason_codes" value="livelihood"> 安定した生計を営むことができると認められない' in page
    refused = {"version": version(rt, app_id), "outcome": "refused", "explanation": "収入が基準に満たない"}
    post(ex, f"{base}/propose", {**refused, "reason_codes": "R-1"})
    with transaction(rt.session_factory) as s:
        assert casework.load_case(s, app_id).status == "under_examination"  # an unknown ground: not proposed
    ex.post(
        f"{base}/propose",
        data={"csrf_token": csrf(ex, base), **refused, "reason_codes": ["livelihood", "public_duties"]},
    )
    with transaction(rt.session_factory) as s:
        assert casework.load_case(s, app_id).status == "decision_proposed"
    page = ex.get(base, headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "安定した生計を営むことができると認められない、納税・年金・医療保険等の公的義務の履行が認められない" in page

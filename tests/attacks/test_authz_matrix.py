"""Authorization matrix over every route of every service (issue 9, "Attacks").

Every endpoint of every app is classified below; a route that is not gets the whole test red, so a
new page or API has to be placed in the matrix before it ships. Then, on a populated platform
(attack_support.World: applicant A with an application in Tokyo at every stage, B with nothing, every
officer role in Tokyo and Osaka, a mailroom officer):

* anonymous: only the PUBLIC/TOKEN routes answer 2xx; everything else is a redirect to sign-in or a 4xx
  and never carries A's data;
* applicant B vs A's application, draft, attachments, requests, notice, signing codes: 404 for every
  read and write, lists without A's things, and nothing of A's changed (no event staged);
* an Osaka officer of every role vs a Tokyo case: 404 on every case route, the queue without it;
* an officer of Tokyo's Yokohama office, every role, vs a case the bureau itself holds: the same 404s;
  only the bureau (supervisor, administrator) hands a case to an office;
* role vs action: the bureau administrator has no case file, the auditor reads but never writes, an
  examiner never confirms or takes another's case, a supervisor never confirms their own proposal;
* separate accounts: a mailroom session means nothing to review and a review session nothing to the
  mailroom, and neither's credentials sign in at the other.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from attack_support import API_HEADERS, World, cheap_password_hashing, csrf_token, fresh_ip, mailroom_client, runtime_of

# -- the classification ---------------------------------------------------------------------------
PUBLIC = "public"  # anyone; reveals nothing personal (pages, health, metrics, lookups by number)
TOKEN = "token"  # anyone holding an unguessable one-time code/token from the URL
APPLICANT = "applicant"  # a signed-in applicant, their own things only
OFFICER = "officer"  # a signed-in bureau officer, their bureau only, per role
MAILROOM = "mailroom"  # a signed-in mailroom officer
INTERNAL = "internal"  # cluster network only (no Ingress route / peer-address check), never the public
ORG_STAFF = "org_staff"  # a signed-in organisation staff member, their organisation's things only (issue 21)

MATRIX = {
    "intake": {
        "public.home": PUBLIC,
        "public.language": PUBLIC,
        "public.verify": PUBLIC,
        "healthz": PUBLIC,
        "readyz": PUBLIC,
        "metrics_endpoint": PUBLIC,
        "static": PUBLIC,
        "api.openapi": PUBLIC,
        "api.eligibility": PUBLIC,
        "api.receipt": PUBLIC,
        "api.registration": PUBLIC,
        "api.session_login": PUBLIC,
        "auth.login": PUBLIC,
        "auth.card": PUBLIC,
        "auth.reset_request": PUBLIC,
        "register.start": PUBLIC,
        "auth.totp": PUBLIC,  # only a password-checked "pending" session gets past it
        "auth.logout": PUBLIC,
        "api.session_logout": PUBLIC,
        "signing.registered": PUBLIC,
        "auth.reset": TOKEN,
        "register.password": TOKEN,
        "register.link": TOKEN,
        "register.sign": TOKEN,
        "api.signing_request": TOKEN,
        "api.post_signature": TOKEN,
        "api.signing_requests_batch": TOKEN,  # the codes in the body; wrong ones spend the address's budget
        "api.post_signatures": TOKEN,
        "signing.wait": TOKEN,
        "auth.account": APPLICANT,
        "auth.link_card": APPLICANT,
        "auth.rebind": APPLICANT,
        "auth.totp_setup": APPLICANT,
        "api.applications": APPLICANT,
        "api.application": APPLICANT,
        "api.signed_action": APPLICANT,
        "api.answer_documents": APPLICANT,
        "api.upload_for_request": APPLICANT,
        "api.create_draft": APPLICANT,
        "api.get_draft": APPLICANT,
        "api.save_draft": APPLICANT,
        "api.upload": APPLICANT,
        "api.prepare_submission": APPLICANT,
        "api.inbox": APPLICANT,
        "api.signing_status": APPLICANT,
        "status.applications": APPLICANT,
        "status.application": APPLICANT,
        "status.signed_action": APPLICANT,
        "status.copy_pdf": APPLICANT,
        "status.submit_documents": APPLICANT,
        "status.upload_for_request": APPLICANT,
        "status.fee_slip_pdf": APPLICANT,
        "status.receipt_pdf": APPLICANT,
        "status.inbox": APPLICANT,
        "status.notice": APPLICANT,
        "apply.choose": APPLICANT,
        "apply.attachments": APPLICANT,
        "apply.remove_attachment": APPLICANT,
        "apply.review": APPLICANT,
        "apply.draft_pdf": APPLICANT,
        "apply.sign": APPLICANT,
        "apply.step": APPLICANT,
        "drafts.index": APPLICANT,
        "drafts.autosave": APPLICANT,
        "drafts.delete": APPLICANT,
        "drafts.restore": APPLICANT,
        "status.mail_label": APPLICANT,
        "attachments.own_file": APPLICANT,
        "attachments.internal_file": INTERNAL,
        # paying the fee online: the applicant's own application only; the provider's webhook is public but
        # HMAC-signed; the DEMO provider's checkout page is reached with its unguessable session id
        "payments.page": APPLICANT,
        "payments.start": APPLICANT,
        "payments.receipt_pdf": APPLICANT,
        "api.start_payment": APPLICANT,
        "api.payment_status": APPLICANT,
        "payments.webhook": PUBLIC,
        "demo_psp.checkout": TOKEN,
        "access_log.page": APPLICANT,  # who at the bureau opened my file: one's own entries only (issue 22)
        # people's requests (issue 20): one's own copy (someone else's export id: 404, tests/e2e/test_personal_data_export.py),
        # closing one's own account, the language of one's own mails
        "personal_data.request_export": APPLICANT,
        "personal_data.download_json": APPLICANT,
        "personal_data.download_pdf": APPLICANT,
        "personal_data.close_account_page": APPLICANT,
        "personal_data.close_account": APPLICANT,
        "personal_data.change_language": APPLICANT,
        "account_email.change": APPLICANT,
        "account_email.confirm": TOKEN,  # the link mailed to the new address
        # organisational users (issue 21): applying for use and signing in are public; the rest is the staff's
        "org.apply": PUBLIC,
        "org.login": PUBLIC,
        "org.logout": PUBLIC,
        "org.dashboard": ORG_STAFF,
        "org.staff": ORG_STAFF,
        "org.remove_staff": ORG_STAFF,
        "org.people": ORG_STAFF,
        "org.consent_link": ORG_STAFF,
        "org.consent_document": ORG_STAFF,
        "org.consent_document_file": ORG_STAFF,  # the person's signed consent, sealed under the roster entry's key
        "org.consent_document_withdraw": ORG_STAFF,
        "org.import_drafts": ORG_STAFF,
        "org_filing.drafts": ORG_STAFF,
        "org_filing.draft": ORG_STAFF,
        "org_filing.attach": ORG_STAFF,
        "org_filing.sign": ORG_STAFF,
        "org_filing.batch": ORG_STAFF,
        "org_filing.delete": ORG_STAFF,
        "org_filing.correct": ORG_STAFF,  # one part of a draft's form, before signing; another's draft: 404
        # filing without a card (issue 21): a fresh TOTP code at submission; another organisation's draft: 404
        "org_staff_filing.confirm_one": ORG_STAFF,
        "org_staff_filing.confirm": ORG_STAFF,
        "org_staff_filing.file": ORG_STAFF,
        "org_staff_filing.filed": ORG_STAFF,
        "org_roster.remove": ORG_STAFF,
        "org_filing.documents": ORG_STAFF,  # only applications the organisation filed (the person consenting)
        "org_filing.documents_upload": ORG_STAFF,
        "org_filing.documents_submit": ORG_STAFF,
        # correct or withdraw an application the organisation filed (the person consenting), card or TOTP
        "org_follow_up.page": ORG_STAFF,
        "org_follow_up.with_card": ORG_STAFF,
        "org_follow_up.without_card": ORG_STAFF,
        "org_roster.consents": APPLICANT,  # the organisations the person consented to, from their own account
        "org_roster.withdraw": APPLICANT,  # only their own consent (another's: 404)
        "org.renew": ORG_STAFF,
        "org.accept_invitation": TOKEN,  # the invitation link's unguessable token
        "org.consent": APPLICANT,  # the person, from their own account, with the link's token
        # the organisations' API: bearer tokens with scopes (tests: services/intake/tests/test_organisation_people.py)
        "org_api.tokens": PUBLIC,
        "org_api.openapi": PUBLIC,
        "org_api.organisation": ORG_STAFF,
        "org_api.people": ORG_STAFF,
        "org_api.add_person": ORG_STAFF,
        "org_api.consent_link": ORG_STAFF,
        "org_api.drafts": ORG_STAFF,
        "org_api.create_draft": ORG_STAFF,
        "org_api.import_csv": ORG_STAFF,
        "org_api.webhook": ORG_STAFF,
        "org_api.webhook_status": ORG_STAFF,
        "org_api.webhook_events": ORG_STAFF,  # its own organisation's webhook only (scope webhooks)
        "org_api.attach": ORG_STAFF,
        "org_api.submissions": ORG_STAFF,  # scope filing; a fresh TOTP code in the body
        "org_api.signing_requests": ORG_STAFF,
        "org_api.signing_batch": ORG_STAFF,
    },
    "review": {
        "healthz": PUBLIC,
        "readyz": PUBLIC,
        "metrics_endpoint": PUBLIC,
        "static": PUBLIC,
        "language": PUBLIC,
        "auth.login": PUBLIC,
        "auth.logout": PUBLIC,
        "api.openapi": PUBLIC,
        "index": OFFICER,
        "admin.officers": OFFICER,
        "admin.create": OFFICER,
        "admin.change": OFFICER,
        "stats.processing_days_json": PUBLIC,  # aggregates only (intake's estimates); no case, no person
        "admin.case_audit": OFFICER,
        "api.case": OFFICER,
        "api.queue": OFFICER,
        "stats.page": OFFICER,
        "stats.export_csv": OFFICER,
        "cases.case": OFFICER,
        "cases.queue": OFFICER,
        "cases.workload": OFFICER,
        "cases.acknowledge_withdrawal": OFFICER,
        "cases.assign": OFFICER,
        "cases.attachment": OFFICER,
        "cases.claim": OFFICER,
        "cases.confirm": OFFICER,
        "cases.correction_handled": OFFICER,
        "cases.add_note": OFFICER,
        "cases.propose": OFFICER,
        "cases.request_documents": OFFICER,
        "cases.resume": OFFICER,
        "cases.return_proposal": OFFICER,
        "cases.hand_over": OFFICER,
        "cases.hand_over_by_receipt": OFFICER,
        "api.hand_over": OFFICER,
        "enrol.page": TOKEN,  # a new officer's one-time link (plus the approver's code to finish)
        # the access log (issue 22): supervisors' monitor; what anyone needs to check the log (no entry, no person)
        "access.monitor": OFFICER,
        "access.tree_heads": PUBLIC,
        "access.keys": PUBLIC,
        "access.consistency": PUBLIC,
        # the e-COE's public check (issue 17): by a document id of 64 random bits printed in its QR, or by the
        # signed file itself; and the bureau's published verification keys (public by design)
        "documents.status": PUBLIC,
        "documents.check": PUBLIC,
        "documents.keys_json": PUBLIC,
        "documents.key_pem": PUBLIC,
        # cancelling an issued e-COE (issue 17): supervisors of the deciding bureau only
        "documents.cancel_form": OFFICER,
        "documents.cancel": OFFICER,
        # organisations' applications for use (issue 21): the bureau covering the address only
        "organisations.queue": OFFICER,
        "organisations.page": OFFICER,
        "organisations.propose": OFFICER,
        "organisations.confirm": OFFICER,
        "organisations.return_proposal": OFFICER,
    },
    "card-delivery": {
        "home": PUBLIC,
        "healthz": PUBLIC,
        "readyz": PUBLIC,
        "metrics_endpoint": PUBLIC,
        "static": PUBLIC,
        "language": PUBLIC,
        "public.card_check": PUBLIC,
        "public.card_status": PUBLIC,
        "signin.sign_in": PUBLIC,
        "signin.sign_out": PUBLIC,
        "mailroom.index": MAILROOM,
        "mailroom.carrier_csv": MAILROOM,
        "mailroom.case": MAILROOM,
        "mailroom.shortfall": MAILROOM,  # the postage shortfall (issue 18): mailroom staff only
        "mailroom.address": MAILROOM,
        "mailroom.counter": MAILROOM,
        "mailroom.collect": MAILROOM,
        "mailroom.hand_over": MAILROOM,
        "mailroom.delivered": MAILROOM,
        "mailroom.dispatch": MAILROOM,
        "mailroom.envelope": MAILROOM,
        "mailroom.issue": MAILROOM,
        "mailroom.returned": MAILROOM,
        "mailroom.dispatch_batches": MAILROOM,
        "mailroom.labels_pdf": MAILROOM,
        "mailroom.case_label_pdf": MAILROOM,  # one paper document's address label (issue 17)
        "mailroom.dispatch_list_pdf": MAILROOM,
        "mailroom.scan": MAILROOM,
    },
    "notify": {
        "healthz": PUBLIC,
        "readyz": PUBLIC,
        "metrics_endpoint": PUBLIC,
        "static": PUBLIC,
        "internal.applicant_notices": INTERNAL,
        "internal.bounce": INTERNAL,
    },
    "signing": {
        "healthz": PUBLIC,
        "readyz": PUBLIC,
        "metrics_endpoint": PUBLIC,
        "static": PUBLIC,
        "internal_api.openapi": PUBLIC,
        "demo.demo_sign_page": PUBLIC,
        "demo.demo_sign": PUBLIC,
        "demo.static": PUBLIC,
        "internal_api.verify_cms": INTERNAL,
        "internal_api.verify_auth_token": INTERNAL,
        "internal_api.attest_follow_up": INTERNAL,
    },
}

# INTERNAL routes guarded in the app itself (the others rely on having no Ingress: deploy/k8s).
GUARDED_INTERNAL = {("intake", "attachments.internal_file")}
PUBLIC_ADDRESS = "133.242.0.9"  # a Japanese ISP address, outside every internal network


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        cheap_password_hashing(mp)
        yield World(tmp_path_factory.mktemp("authz-world"))


def test_every_route_of_every_service_is_classified(service_apps):
    unclassified, stale = [], []
    for name, expected in MATRIX.items():
        endpoints = {rule.endpoint for rule in service_apps(name).url_map.iter_rules()}
        unclassified += [f"{name}: {e}" for e in sorted(endpoints - expected.keys())]
        stale += [f"{name}: {e}" for e in sorted(expected.keys() - endpoints)]
    assert not unclassified, (
        "routes missing from the authorization matrix (classify them in "
        f"tests/attacks/test_authz_matrix.py): {unclassified}"
    )
    assert not stale, f"the matrix names routes that no longer exist: {stale}"
    from importlib.metadata import entry_points

    assert {ep.name for ep in entry_points(group="zairyu.services")} == set(MATRIX)


# -- URLs for every rule, filled with the world's real identifiers ---------------------------------
def path_values(w, service: str) -> dict:
    delivery = (w.delivery_ids() or ["0b9d8c4e-0000-4000-8000-000000000000"])[0]
    return {
        "application_id": w.application_id,
        "draft_id": w.draft_id,
        "attachment_id": w.attachment_id,
        "request_id": w.request_id,
        "receipt_number": w.receipt_number,
        "notice_id": w.notice_id,
        "sha256": w.sha256,
        "delivery_id": delivery,
        "number": 1,
        "n": 0,
        "action": "correction",
        "code": "K7QM-2HXD-9PZA",
        "token": "x" * 43,
        "officer_id": w.officers["tokyo-examiner"]["id"],
        "what": "unlock",
        "correction_id": "1",
        "applicant_id": w.a_id,
        "filename": "app.css",
        "organisation_id": "0f0f0f0f-0000-4000-8000-000000000021",
        "staff_id": "0f0f0f0f-0000-4000-8000-000000000022",
        "person_id": "0f0f0f0f-0000-4000-8000-000000000023",
        "batch_key": "0f0f0f0f-0000-4000-8000-000000000024",
        "export_id": "0f0f0f0f-0000-4000-8000-000000000020",
        "kid": "demo-0000000000000000",
        "document_id": "COE-0123456789ABCDEF",
        "section": "personal",  # a part of an organisation's draft (org_filing.correct)
    }


def urls(app, values: dict):
    for rule in app.url_map.iter_rules():
        args = {}
        for arg in rule.arguments:
            args[arg] = rule.defaults.get(arg) if rule.defaults and arg in rule.defaults else values[arg]
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **args)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def leaks(w, body: str, asked: str = "", demo_holder: bool = False) -> list[str]:
    """A's identifiers and personal data in ``body``, except what the request itself named."""
    secrets = [w.application_id, w.receipt_number, w.draft_id, w.attachment_id, w.notice_id, w.a_id, "西新宿"]
    if not demo_holder:  # signing's demo page shows its own demo card holder, who shares A's test name
        secrets.append("NGUYEN VAN AN")
    return [s for s in secrets if s and s in body and s not in asked]


def test_anonymous_reaches_only_public_routes_and_never_any_data(world, service_apps):
    apps = {
        "intake": world.intake,
        "review": world.review,
        "card-delivery": world.cards,
        "notify": service_apps("notify"),
        "signing": service_apps("signing"),
    }
    wrong = []
    for service, app in apps.items():
        for endpoint, method, url in urls(app, path_values(world, service)):
            kind = MATRIX[service][endpoint]
            client = app.test_client()
            client.environ_base.update(
                {
                    "REMOTE_ADDR": PUBLIC_ADDRESS if (service, endpoint) in GUARDED_INTERNAL else fresh_ip(),
                    "HTTP_ACCEPT_LANGUAGE": "en",
                }
            )
            kw = {"json": {}, "headers": API_HEADERS} if method != "GET" and "/api/" in url else {}
            response = client.open(url, method=method, **kw)
            body = (
                response.get_data(as_text=True) if response.mimetype.startswith(("text/", "application/json")) else ""
            )
            shown = leaks(world, body, url, demo_holder=service == "signing")
            if shown:
                wrong.append(f"{service} {method} {url}: shows {shown}")
            if kind in (PUBLIC, TOKEN) or (kind == INTERNAL and (service, endpoint) not in GUARDED_INTERNAL):
                assert response.status_code < 500, (service, method, url, response.status_code)
                continue
            location = response.headers.get("Location", "")
            refused = response.status_code in (400, 401, 403, 404, 405) or (
                response.status_code == 302 and re.search(r"/(login|sign-in)", location)
            )
            if not refused:
                wrong.append(f"{service} {method} {url} ({kind}): {response.status_code} {location}")
    assert not wrong, "anonymous reached: " + "; ".join(wrong)


# -- applicant B vs applicant A ---------------------------------------------------------------------
def _intake_events(w) -> int:
    rt = runtime_of(w.intake)
    with rt.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(rt.outbox)).scalar()


def test_another_applicant_reads_and_writes_nothing_of_mine(world):
    w = world
    a_draft_before = w.a.get(f"/api/v1/drafts/{w.draft_id}").get_json()
    a_app_before = w.a.get(f"/api/v1/applications/{w.application_id}").get_json()
    events_before = _intake_events(w)
    values = path_values(w, "intake")
    token = csrf_token(w.b, "/applications")
    wrong = []
    for endpoint, method, url in urls(w.intake, values):
        if MATRIX["intake"][endpoint] != APPLICANT:
            continue
        if not any(
            f"<{k}>" in str(r)
            for r in w.intake.url_map.iter_rules()
            if r.endpoint == endpoint
            for k in ("application_id", "draft_id", "attachment_id", "request_id", "notice_id")
        ):
            continue  # lists and pages without A's identifiers: checked below for content
        if "/api/" in url:
            kw = {"headers": API_HEADERS}
            if method != "GET":
                kw["json"] = {"message": "mine now", "fields": {"reason": "mine now"}, "idempotency_key": "k" * 20}
        else:
            kw = {"data": {"csrf_token": token, "message": "mine now", "reason": "mine now"}} if method != "GET" else {}
        response = w.b.open(url, method=method, **kw)
        if response.status_code != 404:
            # Refused before the lookup (validation): fine only if a made-up id gets the very same answer,
            # i.e. the answer says nothing about A's things.
            made_up = url
            for key in ("application_id", "draft_id", "attachment_id", "request_id", "notice_id"):
                made_up = made_up.replace(str(values[key]), "0e0e0e0e-0000-4000-8000-00000000000" + str(len(key) % 10))
            twin = w.b.open(made_up, method=method, **kw)
            if (twin.status_code, twin.get_data()) != (
                response.status_code,
                response.get_data(),
            ) or response.status_code < 400:
                wrong.append(f"{method} {url}: {response.status_code} (made-up id: {twin.status_code})")
    # B's own lists know nothing of A.
    for page in ("/applications", "/drafts", "/inbox", "/api/v1/applications", "/api/v1/inbox", "/account"):
        response = w.b.get(page, headers=API_HEADERS)
        assert response.status_code == 200, page
        if leaks(w, response.get_data(as_text=True)):
            wrong.append(f"GET {page} shows {leaks(w, response.get_data(as_text=True))}")
    assert not wrong, "applicant B reached A's things: " + "; ".join(wrong)
    assert _intake_events(w) == events_before, "B's attempts staged events"
    assert w.a.get(f"/api/v1/drafts/{w.draft_id}").get_json() == a_draft_before
    assert w.a.get(f"/api/v1/applications/{w.application_id}").get_json() == a_app_before
    # and A still reaches all of it (the 404s above are about B, not broken routes).
    for url in (
        f"/applications/{w.application_id}",
        f"/files/{w.attachment_id}",
        f"/inbox/{w.notice_id}",
        f"/apply/{w.draft_id}/review",
        f"/api/v1/drafts/{w.draft_id}",
    ):
        assert w.a.get(url, headers=API_HEADERS).status_code == 200, url


# -- officers: bureau, role, action ------------------------------------------------------------------
CASE_ENDPOINTS = {e for e in MATRIX["review"] if e.startswith("cases.") or e in ("api.case", "admin.case_audit")}


def _case_routes(w):
    for endpoint, method, url in urls(w.review, path_values(w, "review")):
        if endpoint in CASE_ENDPOINTS and w.application_id in url:
            yield endpoint, method, url


def test_an_officer_of_another_bureau_finds_no_tokyo_case(world):
    w = world
    version = w.case_version()
    wrong = []
    for role in ("examiner", "supervisor", "bureau_admin", "auditor"):
        osaka = w.officer(f"osaka-{role}")
        token = csrf_token(osaka, "/login") if role == "bureau_admin" else csrf_token(osaka, "/queue")
        for _endpoint, method, url in _case_routes(w):
            data = (
                {
                    "csrf_token": token,
                    "version": version,
                    "body": "x",
                    "reason": "x",
                    "examiner": "osaka-examiner",
                    "outcome": "approved",
                    "granted_status": "x",
                    "period_of_stay": "1 year",
                    "items": "x",
                    "deadline": "2030-01-01",
                }
                if method == "POST"
                else None
            )
            response = osaka.open(url, method=method, data=data)
            if response.status_code != 404:
                wrong.append(f"osaka-{role} {method} {url}: {response.status_code}")
        for page in ("/queue", "/api/v1/queue", "/workload", "/statistics", "/statistics.csv"):
            response = osaka.get(page)
            if response.status_code == 200 and leaks(w, response.get_data(as_text=True)):
                wrong.append(f"osaka-{role} {page} shows {leaks(w, response.get_data(as_text=True))}")
    assert not wrong, "; ".join(wrong)
    assert w.case_version() == version, "an Osaka officer changed a Tokyo case"


def test_an_office_officer_finds_nothing_the_bureau_holds(world):
    w = world
    version = w.case_version()
    wrong = []
    for role in ("examiner", "supervisor", "bureau_admin", "auditor"):
        office = w.officer(f"yokohama-{role}")
        token = csrf_token(office, "/login") if role == "bureau_admin" else csrf_token(office, "/queue")
        for _endpoint, method, url in _case_routes(w):
            data = (
                {
                    "csrf_token": token,
                    "version": version,
                    "body": "x",
                    "reason": "x",
                    "office": "yokohama",
                    "examiner": w.officers[f"yokohama-{role}"]["id"],
                    "outcome": "approved",
                    "granted_status": "x",
                    "period_of_stay": "1 year",
                    "items": "x",
                    "deadline": "2030-01-01",
                }
                if method == "POST"
                else None
            )
            response = office.open(url, method=method, data=data)
            if response.status_code != 404:
                wrong.append(f"yokohama-{role} {method} {url}: {response.status_code}")
        api = office.post(f"/api/v1/cases/{w.application_id}/office", json={"office": "yokohama"}, headers=API_HEADERS)
        if api.status_code not in (403, 404):
            wrong.append(f"yokohama-{role} API hand-over: {api.status_code}")
        handed = office.post(
            "/handover", data={"csrf_token": token, "receipt_number": w.receipt_number, "office": "yokohama"}
        )
        if handed.status_code not in (302, 403):
            wrong.append(f"yokohama-{role} /handover: {handed.status_code}")
        for page in (
            "/queue",
            "/queue?office=-",
            "/api/v1/queue",
            "/api/v1/queue?office=-",
            "/workload",
            "/statistics",
            "/statistics.csv",
            "/admin/officers",
        ):
            response = office.get(page)
            if response.status_code == 200 and leaks(w, response.get_data(as_text=True)):
                wrong.append(f"yokohama-{role} {page} shows {leaks(w, response.get_data(as_text=True))}")
    assert not wrong, "; ".join(wrong)
    assert w.case_version() == version, "an office officer changed (or took) the bureau's case"
    # while the bureau itself reaches it, and its administrator's account list shows the office's people.
    assert w.officer("tokyo-auditor").get(f"/cases/{w.application_id}").status_code == 200
    assert "Yokohama Examiner" in w.officer("tokyo-bureau_admin").get("/admin/officers").get_data(as_text=True)
    assert "Tokyo Examiner" not in w.officer("yokohama-bureau_admin").get("/admin/officers").get_data(as_text=True)


def test_roles_reach_only_their_actions(world):
    w = world
    app_id = w.application_id
    # the bureau administrator: accounts yes, case files no.
    admin = w.officer("tokyo-bureau_admin")
    assert admin.get("/admin/officers").status_code == 200
    for url in (f"/cases/{app_id}", f"/api/v1/cases/{app_id}", f"/cases/{app_id}/attachments/{w.sha256}"):
        assert admin.get(url).status_code in (403, 404), url
    # the examiner and the auditor: no officer accounts.
    for who in ("tokyo-examiner", "tokyo-auditor", "tokyo-supervisor"):
        assert w.officer(who).get("/admin/officers").status_code == 403, who
    # the auditor reads everything of the case and changes nothing.
    auditor = w.officer("tokyo-auditor")
    assert auditor.get(f"/cases/{app_id}").status_code == 200
    assert auditor.get(f"/cases/{app_id}/audit").status_code == 200
    version = w.case_version()
    for action in (
        "claim",
        "resume",
        "notes",
        "assign",
        "propose",
        "confirm",
        "return",
        "request-documents",
        "acknowledge-withdrawal",
    ):
        response = w.act(
            auditor,
            action,
            expect=None,
            body="x",
            examiner="tokyo-auditor",
            outcome="approved",
            granted_status="engineer_humanities",
            period_of_stay="1 year",
            explanation="x",
            items="tax: x",
            deadline="2030-01-01",
            reason="x",
        )
        assert response.status_code == 403, (action, response.status_code)
    assert w.case_version() == version
    # another examiner of the bureau cannot act on a case claimed by someone else.
    other = w.officer("tokyo-examiner-2")
    for action in ("resume", "propose", "request-documents"):
        response = w.act(
            other,
            action,
            expect=None,
            outcome="approved",
            granted_status="engineer_humanities",
            period_of_stay="1 year",
            explanation="x",
            items="tax: x",
            deadline="2030-01-01",
        )
        assert response.status_code == 403, (action, response.status_code)
    assert w.case_version() == version


def test_four_eyes_examiner_never_confirms_supervisor_never_confirms_own_proposal(world):
    w = world
    examiner, supervisor = w.officer("tokyo-examiner"), w.officer("tokyo-supervisor")
    if w.case_status() != "under_examination":
        w.act(examiner, "resume")
    # a supervisor may propose on any case of the bureau; their own confirmation is refused.
    w.act(
        supervisor,
        "propose",
        outcome="approved",
        granted_status="engineer_humanities",
        period_of_stay="P3Y",
        explanation="ok",
    )
    assert w.case_status() == "decision_proposed"
    w.act(supervisor, "confirm", acknowledge="yes")
    assert w.case_status() == "decision_proposed", "a supervisor confirmed their own proposal"
    assert w.act(examiner, "confirm", expect=None).status_code == 403
    assert w.case_status() == "decision_proposed"


# -- the mailroom and the bureau are separate account worlds ---------------------------------------
def test_mailroom_and_review_accounts_are_separate(world):
    w = world
    mailroom = mailroom_client(
        w.cards, w.mailroom.officer.officer_id if hasattr(w.mailroom, "officer") else w.mailroom.officer_id
    )
    assert mailroom.get("/mailroom/").status_code == 200  # the minted session is a real one
    review_cookie = w.officer("tokyo-supervisor")
    token = review_cookie.get_cookie("review_session").value
    # a review session means nothing to the mailroom ...
    stranger = w.cards.test_client()
    stranger.set_cookie("review_session", token)
    response = stranger.get("/mailroom/")
    assert response.status_code == 302 and "/mailroom/sign-in" in response.headers["Location"]
    # ... and a mailroom session nothing to review.
    cookie_name = w.cards.config["SESSION_COOKIE_NAME"]
    visitor = w.review.test_client()
    visitor.set_cookie(cookie_name, mailroom.get_cookie(cookie_name).value)
    for page in ("/queue", f"/cases/{w.application_id}", "/api/v1/queue"):
        response = visitor.get(page)
        assert response.status_code in (302, 401), page
        assert response.status_code == 401 or "/login" in response.headers["Location"]
    # neither's credentials sign in at the other.
    import pyotp

    officer = w.officers["tokyo-supervisor"]
    at_mailroom = w.cards.test_client()
    at_mailroom.environ_base["REMOTE_ADDR"] = fresh_ip()
    answer = at_mailroom.post(
        "/mailroom/sign-in",
        data={
            "csrf_token": csrf_token(at_mailroom, "/mailroom/sign-in"),
            "username": "tokyo-supervisor",
            "password": officer["password"],
            "code": pyotp.TOTP(officer["secret"]).now(),
        },
    )
    assert answer.status_code == 401
    at_review = w.review.test_client()
    at_review.environ_base["REMOTE_ADDR"] = fresh_ip()
    answer = at_review.post(
        "/login",
        data={
            "csrf_token": csrf_token(at_review, "/login"),
            "username": "clerk",
            "password": w.mailroom.password,
            "totp": pyotp.TOTP(w.mailroom.totp_secret).now(),
        },
    )
    assert answer.status_code != 302


# -- paying the fee online: never another applicant's -------------------------------------------------
def test_an_applicant_can_never_pay_or_see_anothers_payment(tmp_path_factory):
    import json
    import uuid

    from intake.adapters import payment_provider
    from intake.application import paying

    with pytest.MonkeyPatch.context() as mp:
        cheap_password_hashing(mp)
        w = World(tmp_path_factory.mktemp("authz-payment"))
    w.decide()  # approved: A's fee is due
    psp = paying.provider(runtime_of(w.intake))
    hook = w.intake.test_client()
    psp.deliver = lambda url, body: hook.post(
        "/payments/webhook",
        data=body,
        content_type="application/json",
        headers={"Zairyu-Signature": payment_provider.sign(psp.secret, body)},
    )
    base = f"/api/v1/applications/{w.application_id}"
    events_before = _intake_events(w)
    for method, url, kw in [
        ("POST", f"{base}/payments", {"json": {"idempotency_key": str(uuid.uuid4())}}),
        ("GET", f"{base}/payment", {}),
        ("GET", f"/applications/{w.application_id}/payment", {}),
        (
            "POST",
            f"/applications/{w.application_id}/payment",
            {"data": {"csrf_token": csrf_token(w.b, "/applications"), "idempotency_key": str(uuid.uuid4())}},
        ),
        ("GET", f"/applications/{w.application_id}/payment-receipt.pdf", {}),
    ]:
        response = w.b.open(url, method=method, headers=API_HEADERS, **kw)
        assert response.status_code == 404, (method, url, response.status_code)
    assert _intake_events(w) == events_before, "B's attempts staged events"
    # A pays; B still sees nothing of it, and B's replay of A's notification changes nothing.
    started = w.a.post(f"{base}/payments", json={"idempotency_key": str(uuid.uuid4())}, headers=API_HEADERS)
    assert started.status_code == 201, started.get_json()
    checkout = started.get_json()["checkout_url"].split("://", 1)[1].split("/", 1)[1]
    sent = []
    psp.deliver = lambda url, body: (
        sent.append(body)
        or hook.post(
            "/payments/webhook",
            data=body,
            content_type="application/json",
            headers={"Zairyu-Signature": payment_provider.sign(psp.secret, body)},
        )
    )
    paid = w.a.post(
        "/" + checkout, data={"card_number": "4242424242424242", "csrf_token": csrf_token(w.a, "/" + checkout)}
    )
    assert paid.status_code == 302
    assert w.a.get(f"{base}/payment", headers=API_HEADERS).get_json()["paid"]["state"] == "paid"
    for url in (f"{base}/payment", f"/applications/{w.application_id}/payment-receipt.pdf"):
        assert w.b.get(url, headers=API_HEADERS).status_code == 404
    forged = json.loads(sent[0])
    forged["id"] = "evt_forged_by_b"
    assert (
        hook.post(
            "/payments/webhook",
            data=json.dumps(forged),
            content_type="application/json",
            headers={"Zairyu-Signature": payment_provider.sign("b-guessed-secret" * 3, sent[0])},
        ).status_code
        == 400
    )


def test_an_applicant_sees_exactly_their_own_access_log_entries(tmp_path_factory):
    """Issue 22: an officer reads A's case (with a purpose); the signed tree head and the entry reach intake.
    A sees it, proven; B sees nothing of it; anonymous gets the sign-in; the public log files name nobody;
    the access monitor is the bureau's supervisors' and auditors', and another bureau's sees nothing of Tokyo."""
    from attack_support import (
        Relay,
        build_service_app,
        intake_applicant,
        intake_draft,
        intake_submit,
        intake_worker_fields,
        memory_folder,
        review_client,
        review_officer,
        signature_verified,
    )

    from review.application.tree_heads import publish as publish_tree_head

    with pytest.MonkeyPatch.context() as mp:
        cheap_password_hashing(mp)
        folder = memory_folder(tmp_path_factory.mktemp("access-log-world"))
        intake, review, relay = build_service_app("intake", folder), build_service_app("review", folder), Relay()
        a_id, a = intake_applicant(intake, "nguyen", "an@example.jp")
        _b_id, b = intake_applicant(intake, "silva", "maria@example.jp")
        app_id = intake_submit(a, intake_draft(a, intake_worker_fields()), "nguyen")
        verified = signature_verified(next(e for e in relay.new_events(intake) if e.type == "application.submitted"))
        relay.deliver(intake, verified)
        relay.deliver(review, verified)
        people = {
            who: review_officer(review, who, who.split("-")[1], who.split("-")[0])[0]
            for who in ("tokyo-examiner", "tokyo-supervisor", "tokyo-auditor", "osaka-supervisor")
        }
        examiner = review_client(review, people["tokyo-examiner"])
        refused = examiner.get(f"/cases/{app_id}")
        assert refused.status_code == 200 and 'name="purpose"' in refused.get_data(as_text=True)
        assert examiner.get(f"/api/v1/cases/{app_id}").status_code == 400  # no read without a purpose
        assert examiner.get(f"/cases/{app_id}?purpose=examination").status_code == 200
        assert publish_tree_head(runtime_of(review)) is not None
        relay.pump(review, intake)

        mine = a.get("/access-log", headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert mine.count("✓") == 1 and "Examination of the application" in mine
        theirs = b.get("/access-log", headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert "✓" not in theirs and "Examination of the application" not in theirs and app_id not in theirs
        anonymous = intake.test_client().get("/access-log")
        assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
        public = review.test_client()
        for url in ("/public/access-log/tree-heads.json", "/public/access-log/keys.json"):
            body = public.get(url, environ_base={"REMOTE_ADDR": fresh_ip()}).get_data(as_text=True)
            assert app_id not in body and a_id not in body and "Examiner" not in body, url
        assert examiner.get("/access-monitor").status_code == 403
        for who in ("tokyo-supervisor", "tokyo-auditor"):
            assert review_client(review, people[who]).get("/access-monitor").status_code == 200, who
        assert "Tokyo Examiner" not in review_client(review, people["osaka-supervisor"]).get(
            "/access-monitor"
        ).get_data(as_text=True)


# -- organisations (issue 21): never another organisation's people, staff or drafts -------------------------
def test_an_organisation_reaches_nothing_of_another_organisations(tmp_path_factory):
    """Organisation B, through every ORG_STAFF route (pages with its administrator's session, the API with a
    token holding every scope), aimed at organisation A's person and staff member: 404 or a refusal, never A's
    data, and nothing of A changes; A itself still reaches them (the 404s are about B)."""
    import io
    from datetime import datetime, timedelta

    import pyotp
    from attack_support import build_service_app, memory_folder
    from intake_testkit import decide_organisation_use

    from intake.adapters.organisation_tables import org_drafts, organisation_staff, people
    from intake.application import organisations as orgs
    from zairyu_shared.db import transaction

    with pytest.MonkeyPatch.context() as mp:
        cheap_password_hashing(mp)
        intake = build_service_app("intake", memory_folder(tmp_path_factory.mktemp("org-world")))
        rt = runtime_of(intake)

        def organisation(email):
            client = intake.test_client()
            client.environ_base.update({"REMOTE_ADDR": fresh_ip(), "HTTP_ACCEPT_LANGUAGE": "en"})
            r = client.post(
                "/org/apply",
                data={
                    "csrf_token": csrf_token(client, "/org/apply"),
                    "name": f"Org {email}",
                    "kind": "employer",
                    "address": "東京都港区港南5-5-30",
                    "corporate_number": "7123456789012",
                    "email": email,
                    "password": "correct horse battery",
                },
            )
            assert r.status_code == 200, r.get_data(as_text=True)[:300]
            with transaction(rt.session_factory) as s:
                row = next(r for r in s.execute(sa.select(organisation_staff)).all() if r.email == email)
            decide_organisation_use(rt, row.organisation_id)
            r = client.post(
                "/org/login",
                data={
                    "csrf_token": csrf_token(client, "/org/login"),
                    "email": email,
                    "password": "correct horse battery",
                    "code": pyotp.TOTP(row.totp_secret).now(),
                },
            )
            assert r.status_code == 302
            token = client.post(
                "/org/api/v1/tokens",
                json={
                    "email": email,
                    "password": "correct horse battery",
                    "scopes": ["organisation", "roster", "drafts", "webhooks", "filing"],
                    "totp": pyotp.TOTP(row.totp_secret).at(datetime.now() + timedelta(seconds=30)),
                },
            ).get_json()["token"]
            return client, token

        a, _a_token = organisation("admin@a.example")
        b, b_token = organisation("admin@b.example")
        token = csrf_token(a, "/org/people")
        assert (
            a.post(
                "/org/people",
                data={
                    "csrf_token": token,
                    "name": "PERSON OF A",
                    "status": "engineer_humanities",
                    "period_expiry": "2027-02-01",
                    "card_number": "AB12345678CD",
                },
            ).status_code
            == 302
        )
        assert (
            a.post("/org/staff", data={"csrf_token": token, "email": "staff@a.example", "language": "en"}).status_code
            == 302
        )
        with transaction(rt.session_factory) as s:
            person_id = s.execute(sa.select(people.c.id)).scalar_one()
            staff_id = next(
                r.id for r in s.execute(sa.select(organisation_staff)).all() if r.email == "staff@a.example"
            )
            # A's draft for its person (consent recorded), for the drafts' and signing's routes.
            from intake.application import organisation_drafts

            s.execute(
                people.update().values(
                    consent="document", consent_document_until=datetime.now().date() + timedelta(days=365)
                )
            )
            a_admin = next(r for r in s.execute(sa.select(organisation_staff)).all() if r.email == "admin@a.example")
            draft_id = organisation_drafts.create(
                rt, s, orgs.active_member(s, a_admin.id), person_id, "extension", {"reason": "continue work"}
            )

        def state():
            with transaction(rt.session_factory) as s:
                p = s.execute(sa.select(people)).one()
                return (
                    p.consent,
                    p.consent_code_hash,
                    p.removed_at,
                    s.execute(
                        sa.select(organisation_staff.c.removed_at).where(organisation_staff.c.id == staff_id)
                    ).scalar(),
                    s.execute(sa.select(sa.func.count()).select_from(org_drafts)).scalar(),
                    s.execute(sa.text("SELECT count(*) FROM signing_requests")).scalar(),
                )

        before = state()
        values = {
            "person_id": person_id,
            "staff_id": staff_id,
            "draft_id": draft_id,
            "batch_key": "3f1c6a5e-0b7e-4d55-9a52-1b8c9e0f2a11",
            "application_id": "0f0f0f0f-0000-4000-8000-000000000025",
            "request_id": "req-of-a",
            "section": "personal",
        }
        b_csrf = csrf_token(b, "/org/people")
        wrong = []
        routes = []
        for rule in intake.url_map.iter_rules():
            if MATRIX["intake"].get(rule.endpoint) != ORG_STAFF:
                continue
            with intake.test_request_context():
                from flask import url_for

                url = url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})
            routes += [(rule.endpoint, m, url) for m in sorted(rule.methods - {"HEAD", "OPTIONS"})]
        assert len(routes) >= 15, routes
        for endpoint, method, url in routes:
            if endpoint.startswith("org_api."):
                kw = {"headers": {"Authorization": f"Bearer {b_token}"}}
                if method != "GET":
                    kw["json"] = (
                        {"draft_ids": [draft_id], "batch_key": values["batch_key"]}
                        if endpoint == "org_api.signing_requests"
                        else {"draft_ids": [draft_id], "batch_key": values["batch_key"], "totp": "000000"}
                        if endpoint == "org_api.submissions"
                        else {"person_id": person_id, "procedure": "extension", "url": "https://b.example/h"}
                    )
            else:
                kw = (
                    {
                        "data": {
                            "csrf_token": b_csrf,
                            "document": (io.BytesIO(b"%PDF-1.4"), "c.pdf"),
                            "draft": draft_id,
                            "batch_key": values["batch_key"],
                            "code": "000000",
                        }
                    }
                    if method != "GET"
                    else {}
                )
            response = b.open(url, method=method, **kw)
            body = response.get_data(as_text=True)
            if "PERSON OF A" in body or "AB12345678CD" in body or "staff@a.example" in body:
                wrong.append(f"{method} {url}: shows A's data")
            if (
                endpoint
                in (
                    "org_filing.sign",
                    "org_api.signing_requests",
                    "org_staff_filing.confirm",
                    "org_staff_filing.file",
                    "org_api.submissions",
                )
                and response.status_code != 404
            ):
                # A's draft id, in the form or the body
                wrong.append(f"{method} {url}: {response.status_code} for A's draft")
            if (person_id in url or staff_id in url or draft_id in url) and response.status_code not in (403, 404):
                wrong.append(f"{method} {url}: {response.status_code}")
        assert not wrong, "organisation B reached A's things: " + "; ".join(wrong)
        assert state() == before, "organisation B changed something of A's"
        r = b.post(
            "/org/api/v1/drafts",
            json={"person_id": person_id, "procedure": "extension"},
            headers={"Authorization": f"Bearer {b_token}"},
        )
        assert r.status_code == 404
        # and A reaches them (the 404s above are about B).
        assert "PERSON OF A" in a.get("/org/people").get_data(as_text=True)
        assert "staff@a.example" in a.get("/org/staff").get_data(as_text=True)

"""Journey across intake and signing through their real HTTP fronts (owner: intake).

Registration with the simulated JPKI card (in-process card logic, the signer's real code), e-mail
verification, password, an extension application with a photo, the one-time signing code redeemed
by the desktop signer's own client (signing/adapters/signing_requests.py), intake's registration
check through signing's real internal API over HTTP, and the asynchronous path: intake's outbox ->
memory bus -> signing's consumer verifies the submission against the account's holder ->
signature.verified -> intake's timeline. The receipt step needs the review service (not here).
"""

from __future__ import annotations

import re
import threading
from datetime import date

import pytest
from babel.dates import format_skeleton
from journey import fill_draft, review_key, worker_fields  # intake's journey steps

# Imported here, at collection, not inside the test: pytest rewrites a test module's asserts as it imports it, and
# CPython 3.11's ast.parse failed there once mid-test ("AST constructor recursion depth mismatch", a finalizer or
# signal handler running Python code during the parse: a fresh-clone run of 819cbd2).
from test_proxy_journey import EMPLOYEE, EMPLOYER, _fill, _start
from werkzeug.serving import make_server

from zairyu_shared.crypto import new_key
from zairyu_shared.outbox import open_body
from zairyu_shared.runtime import Runtime
from zairyu_shared.testing import wait_until


def _serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


@pytest.fixture
def platform(tmp_path):
    from intake.entrypoints.service import definition as intake_definition
    from signing.entrypoints.service import definition as signing_definition
    from signing.testpki import create_test_pki

    pki = create_test_pki(tmp_path / "pki")
    bus = f"memory://journey-{tmp_path.name}"
    key = new_key()
    signing = Runtime.from_env(
        signing_definition,
        environ={},
        database_url=f"sqlite:///{tmp_path}/signing.db",
        amqp_url=bus,
        embedded=True,
        data_keys=(key,),
        trust_pins=f"test:{pki.root / 'manifest.json'}",
        trust_dir=str(pki.root / "trust"),
        crl_dir=str(pki.crl_dir),
        sign_policy_oid="test",
    )
    signing.migrate()
    from signing.entrypoints.web import create_app as signing_app

    signing_server, signing_url = _serve(signing_app(signing))
    intake = Runtime.from_env(
        intake_definition,
        environ={},
        database_url=f"sqlite:///{tmp_path}/intake.db",
        amqp_url=bus,
        embedded=True,
        data_keys=(key,),
        store_dir=str(tmp_path / "store"),
        signing_url=signing_url,
        secret_key="j" * 40,
    )
    intake.migrate()
    from intake.entrypoints.web import create_app as intake_app

    app = intake_app(intake)
    intake_server, intake_url = _serve(app)
    signing.start_background()
    intake.start_background()
    yield {"pki": pki, "intake": intake, "signing": signing, "app": app, "intake_url": intake_url}
    intake_server.shutdown()
    signing_server.shutdown()
    intake.stop()
    signing.stop()


def registration_token(intake, email: str) -> str:
    """The token of the newest registration link e-mailed to this address (read from intake's outbox)."""
    import json

    import sqlalchemy as sa

    with intake.engine.connect() as conn:
        bodies = (
            conn.execute(
                sa.select(intake.outbox.c.body).where(
                    intake.outbox.c.event_type == "applicant.email_verification_requested"
                )
            )
            .scalars()
            .all()
        )
    payloads = [json.loads(open_body(b, intake.keyring))["payload"] for b in bodies]  # sealed (issue 20)
    urls = [p["verify_url"] for p in payloads if p["email"] == email]
    return urls[-1].rsplit("/", 1)[1]


def holder_card_and_browser(platform, kind: str):
    """A test PKI holder of ``kind`` (valid, revoked...), their card in process, and a browser on intake."""
    from signing.adapters.inprocess_card import inprocess_signer
    from signing.testpki.card import card_for

    holder = platform["pki"].first(kind)
    app = platform["app"]
    app.config.update(WTF_CSRF_ENABLED=False)
    return holder, inprocess_signer(card_for(platform["pki"], holder)), app.test_client()


def test_register_apply_sign_and_verified_through_real_services(platform):

    import sqlalchemy as sa

    from intake.adapters.tables import applications, timeline_entries
    from signing.adapters import signing_requests as desktop

    intake, url = platform["intake"], platform["intake_url"]
    holder, card, browser = holder_card_and_browser(platform, "valid")

    def redeem(code):
        """What `zairyu-signer redeem CODE --server URL` does, against intake's real HTTP port."""
        request = desktop.fetch(url, code)
        return desktop.post_signature(url, code, card.sign(request.content, holder.password))

    assert browser.post("/register", data={"email": "journey@example.jp"}).status_code == 200  # "check your e-mail"
    token = registration_token(intake, "journey@example.jp")  # the address is proven before the card signs
    code = browser.post(f"/register/verify/{token}/sign").headers["Location"].rsplit("/", 1)[1]
    shown = desktop.fetch(url, code)  # what `zairyu-signer redeem` prints before asking for the password
    assert "journey@example.jp" in shown.description and '"email":"journey@example.jp"' in (
        desktop.readable(shown) or ""
    )
    answer = redeem(code)
    assert answer["ok"] is True, answer  # verified by signing's /internal/v1/verifications/cms over HTTP
    browser.post(
        f"/register/verify/{token}",
        data={"password": "a long journey phrase", "password_again": "a long journey phrase"},
    )
    account = browser.get("/account").data.decode()
    born = date.fromisoformat(holder.attributes["date_of_birth"])  # identity from the certificate, in the page's words
    assert format_skeleton("yMMMd", born, locale="ja") in account

    draft_id = fill_draft(browser)
    key = review_key(browser, draft_id)
    code = browser.post(f"/apply/{draft_id}/sign", data={"idempotency_key": key}).headers["Location"].rsplit("/", 1)[1]
    answer = redeem(code)
    assert answer["ok"] is True and re.match(r"^P-\d{8}-\d{7}-\d$", answer["provisional_number"])
    app_id = answer["application_id"]

    def status():
        with intake.engine.connect() as conn:
            return conn.execute(sa.select(applications.c.status).where(applications.c.id == app_id)).scalar()

    wait_until(lambda: status() == "signature_verified", timeout=30, message="signing verified the submission")
    with intake.engine.connect() as conn:
        kinds = (
            conn.execute(
                sa.select(timeline_entries.c.kind)
                .where(timeline_entries.c.application_id == app_id)
                .order_by(timeline_entries.c.id)
            )
            .scalars()
            .all()
        )
    assert kinds == ["submitted", "signature_verified"]
    page = browser.get(f"/applications/{app_id}", headers={"Accept-Language": "en"}).data.decode()
    assert "Signature verified" in page


def test_a_vietnamese_registration_signed_with_a_revoked_card_reads_why_in_vietnamese(platform):
    """intake never told signing the signer's language, so the reason a signature failed (the sign-wait page after
    registration, card renewal, a correction or an organisation's filing) was always in English."""
    from signing.adapters import signing_requests as desktop

    intake, url = platform["intake"], platform["intake_url"]
    holder, card, browser = holder_card_and_browser(platform, "revoked")
    vi = {"Accept-Language": "vi"}
    assert browser.post("/register", data={"email": "tran@example.jp"}, headers=vi).status_code == 200
    token = registration_token(intake, "tran@example.jp")
    sign = browser.post(f"/register/verify/{token}/sign", headers=vi)
    code = sign.headers["Location"].rsplit("/", 1)[1]
    request = desktop.fetch(url, code)
    with pytest.raises(desktop.SigningRequestError) as refused:  # what the desktop signer prints
        desktop.post_signature(url, code, card.sign(request.content, holder.password))
    assert "đã bị thu hồi" in str(refused.value)
    page = browser.get(sign.headers["Location"], headers=vi).data.decode()  # the browser's sign-wait page
    assert "đã bị thu hồi" in page, page[-3000:]  # R.REVOKED in Vietnamese, from signing
    assert "revoked" not in page.lower()


def test_submission_signed_with_another_persons_card_is_rejected_and_shown(platform):

    import sqlalchemy as sa

    from intake.adapters.tables import applications
    from signing.adapters import signing_requests as desktop
    from signing.adapters.inprocess_card import inprocess_signer
    from signing.testpki.card import card_for

    pki, intake, url, app = platform["pki"], platform["intake"], platform["intake_url"], platform["app"]
    owner, *others = pki.holders_of_kind("valid")
    stranger = next(h for h in others if h.attributes["name"] != owner.attributes["name"])
    app.config.update(WTF_CSRF_ENABLED=False)
    browser = app.test_client()

    def redeem(code, who):
        request = desktop.fetch(url, code)
        return desktop.post_signature(
            url, code, inprocess_signer(card_for(pki, who)).sign(request.content, who.password)
        )

    browser.post("/register", data={"email": "owner@example.jp"})
    token = registration_token(intake, "owner@example.jp")
    code = browser.post(f"/register/verify/{token}/sign").headers["Location"].rsplit("/", 1)[1]
    assert redeem(code, owner)["ok"] is True
    browser.post(
        f"/register/verify/{token}", data={"password": "owner long phrase", "password_again": "owner long phrase"}
    )
    draft_id = fill_draft(browser)
    code = (
        browser.post(f"/apply/{draft_id}/sign", data={"idempotency_key": review_key(browser, draft_id)})
        .headers["Location"]
        .rsplit("/", 1)[1]
    )
    app_id = redeem(code, stranger)["application_id"]  # accepted provisionally, judged asynchronously

    def status():
        with intake.engine.connect() as conn:
            return conn.execute(sa.select(applications.c.status).where(applications.c.id == app_id)).scalar()

    wait_until(lambda: status() == "signature_rejected", timeout=30, message="signing rejected the stranger's card")
    assert (
        "Signature rejected" in browser.get(f"/applications/{app_id}", headers={"Accept-Language": "en"}).data.decode()
    )


def test_an_employer_files_for_an_employee_and_signing_verifies_the_filers_own_card(platform):
    """Proxy filing: the employer's HR officer signs with their own card; signing compares it with the
    account holder (the filer), not with the employee the application is for."""
    import base64
    import json

    import sqlalchemy as sa

    from intake.adapters.tables import applications
    from signing.adapters import signing_requests as desktop
    from signing.adapters.inprocess_card import inprocess_signer
    from signing.testpki.card import card_for

    pki, intake, url, app = platform["pki"], platform["intake"], platform["intake_url"], platform["app"]
    hr = pki.first("valid")
    app.config.update(WTF_CSRF_ENABLED=False)
    browser = app.test_client()

    def redeem(code):
        request = desktop.fetch(url, code)
        return desktop.post_signature(url, code, inprocess_signer(card_for(pki, hr)).sign(request.content, hr.password))

    browser.post("/register", data={"email": "hr@example.jp"})
    token = registration_token(intake, "hr@example.jp")
    code = browser.post(f"/register/verify/{token}/sign").headers["Location"].rsplit("/", 1)[1]
    assert redeem(code)["ok"] is True
    browser.post(
        f"/register/verify/{token}",
        data={"password": "hr officer long phrase", "password_again": "hr officer long phrase"},
    )
    draft_id = _start(browser, "extension", "employer_staff")
    _fill(browser, draft_id, {**worker_fields(), **EMPLOYEE, **EMPLOYER})
    code = (
        browser.post(f"/apply/{draft_id}/sign", data={"idempotency_key": review_key(browser, draft_id)})
        .headers["Location"]
        .rsplit("/", 1)[1]
    )
    app_id = redeem(code)["application_id"]

    def row():
        with intake.engine.connect() as conn:
            return conn.execute(sa.select(applications).where(applications.c.id == app_id)).first()

    wait_until(lambda: row().status == "signature_verified", timeout=30, message="signing verified the filer's card")
    signed = json.loads(base64.b64decode(row().signed_content))
    assert signed["filer"]["holder"]["name"] == hr.attributes["name"] and signed["applicant"]["name"] == "TRAN THI BINH"
    assert row().bureau == "osaka"  # the employee's address

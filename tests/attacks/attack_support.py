"""Budgets for the hostile-input tests (imported by the test modules; conftest puts this folder on sys.path).

The default budget is derandomized and small so the suite stays fast and stable in CI;
``HYPOTHESIS_PROFILE=deep`` multiplies the example counts by 25 and draws fresh randomness.
Settings are applied per test, never loaded as a global profile, so other packages' hypothesis
tests in the same pytest run keep theirs.
"""

from __future__ import annotations

import os
import shutil

from hypothesis import HealthCheck, settings

from zairyu_shared.testing import (
    cheap_password_hashing as cheap_password_hashing,  # the attack tests import it from here
)

DEEP = os.environ.get("HYPOTHESIS_PROFILE", "").lower() == "deep"
DEEP_FACTOR = 25


def attack_settings(max_examples: int, **kw) -> settings:
    return settings(
        max_examples=max_examples * (DEEP_FACTOR if DEEP else 1),
        derandomize=not DEEP,
        deadline=kw.pop("deadline", 5000),  # a hang shows up as a deadline failure, not a stuck run
        database=None,  # no .hypothesis/ directory written into the repo
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
        **kw,
    )


# -- signed-in callers ---------------------------------------------------------------------------
# Without a session most /api/v1 routes stop at 401 before reading anything; these put a caller
# straight into the database and mint the service's own session cookie, so the fuzzers reach the
# validation and the handlers behind the login.


def _fill_row(table, values: dict) -> dict:
    """`values` plus a plausible value for every other NOT NULL column without a default."""
    import datetime as dt

    row = {k: v for k, v in values.items() if k in table.c}
    for column in table.c:
        if column.name in row or column.nullable or column.default is not None or column.server_default is not None:
            continue
        try:
            kind = column.type.python_type
        except NotImplementedError:
            kind = str
        row[column.name] = {
            int: 0,
            bool: False,
            dt.datetime: dt.datetime.now(dt.UTC),
            dt.date: dt.date(1990, 1, 1),
        }.get(kind, f"attack-{column.name}"[:30])
    return row


def _intake_session(app) -> dict:
    import datetime as dt
    import uuid

    from intake.adapters.tables import applicants

    runtime = app.extensions["zairyu_runtime"]
    applicant_id = str(uuid.uuid4())
    now = dt.datetime.now(dt.UTC)
    row = _fill_row(
        applicants,
        {
            "id": applicant_id,
            "email": "attack@example.jp",
            "email_lookup": uuid.uuid4().hex,
            "email_verified_at": now,
            "language": "en",
            "name": "ＡＴＴＡＣＫ　ＴＥＳＴ",
            "date_of_birth": "1990-01-01",
            "sex": "1",
            "address": "東京都千代田区",
            "cert_serial": "01",
            "cert_issuer": "CN=attack",
            "holder_lookup": uuid.uuid4().hex,
            "created_at": now,
            "failed_logins": 0,
        },
    )
    with runtime.engine.begin() as conn:
        conn.execute(applicants.insert().values(**row))
    # intake's own log_in() writes the session (whatever it holds: applicant, epoch, ...).
    from flask import session as flask_session

    from intake.entrypoints.applicant_session import log_in

    with app.test_request_context("/"):
        log_in(applicant_id)
        contents = dict(flask_session)
    cookie = app.session_interface.get_signing_serializer(app).dumps(contents)
    client = app.test_client()
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    created = client.post(
        "/api/v1/drafts",
        json={"procedure": "extension"},
        headers={"X-Zairyu-Api": "1"},
        environ_base={"REMOTE_ADDR": "10.99.0.1"},
    )
    assert created.status_code == 201, created.get_data()[:300]
    return {
        "cookies": {app.config["SESSION_COOKIE_NAME"]: cookie},
        "path_values": {"draft_id": created.get_json()["id"]},
    }


def _review_session(app) -> dict:
    from review.adapters.accounts import create_officer, open_session
    from zairyu_shared.db import transaction

    runtime = app.extensions["zairyu_runtime"]
    with transaction(runtime.session_factory) as session:
        officer_id, _password, _secret = create_officer(
            session, "attack-examiner", "Attack Examiner", "examiner", "tokyo"
        )
        token = open_session(session, officer_id, "127.0.0.1")
    return {"cookies": {"review_session": token}, "path_values": {}}


SIGN_IN = {"intake": _intake_session, "review": _review_session}


# -- a small populated platform (test_authz_*, test_csrf_session_*, test_bruteforce_*, test_injection_*) --
# Each service app is built in process like conftest's service_apps, but privately (the tests write
# data into it). Events travel between the apps by reading one service's outbox and running the
# consuming service's own handler on the parsed envelope: the real payloads, no broker.

INTAKE_HOLDERS = {
    "nguyen": {
        "name": "NGUYEN VAN AN",
        "name_substitution": False,
        "sex": "male",
        "date_of_birth": "1994-03-15",
        "address": "東京都新宿区西新宿二丁目８番１号",
        "address_substitution": False,
    },
    "silva": {
        "name": "SILVA MARIA",
        "name_substitution": False,
        "sex": "female",
        "date_of_birth": "1990-07-01",
        "address": "東京都千代田区丸の内一丁目１番１号",
        "address_substitution": False,
    },
}


def fake_signature(content: bytes, holder: str) -> bytes:
    import hashlib

    return f"sig:{hashlib.sha256(content).hexdigest()}:{holder}".encode()


class FakeSigning:
    """Signing's verification API as intake and review call it: accepts `fake_signature` bytes only.

    Signatures themselves are attacked in test_verifier_*; here the subject is what the front ends let
    people reach.
    """

    def verify_cms(self, content, signature_der, expected_holder=None, *rest, **kw):
        import hashlib

        from intake.adapters.signing_client import Verdict

        if isinstance(content, str):  # review's call shape: (content_b64, signature_b64, expected_holder, language)
            return {"verdict": "valid", "reason": None, "message": "ok", "evidence": {}}
        try:
            tag, digest, holder = signature_der.decode().split(":")
        except (UnicodeDecodeError, ValueError):
            return Verdict(False, "malformed_signature", "not a CMS signature", {})
        if tag != "sig" or digest != hashlib.sha256(content).hexdigest() or holder not in INTAKE_HOLDERS:
            return Verdict(False, "signature_mismatch", "signature does not match the content", {})
        return Verdict(
            True,
            None,
            "ok",
            {
                "certificate_serial": f"serial-{holder}",
                "issuer": "CN=test sign CA",
                "holder": dict(INTAKE_HOLDERS[holder]),
            },
        )

    def verify_auth_token(self, token, origin, nonce):
        from intake.adapters.signing_client import Verdict

        return Verdict(False, "bad_signature", "no card logins in these tests", {})


class MemoryAttachments:
    """Intake's internal attachment endpoint as review reaches it (filled from intake's store)."""

    def __init__(self):
        self.blobs: dict[str, bytes] = {}

    def fetch(self, sha256):
        return self.blobs[sha256]


def _data_key() -> str:
    from zairyu_shared import crypto

    return crypto.new_key()


# One personal-data key for every app of the run: zairyu_shared.crypto's cipher is process-wide, so
# the last runtime built would otherwise make the others' rows unreadable.
DATA_KEY = _data_key()


def memory_folder(fallback):
    """A folder in RAM (/dev/shm) for SQLite files when there is one, removed at exit; else ``fallback``.

    SQLite commits fsync; on this shared disk that is most of a World's build time.
    """
    import atexit
    import shutil
    import tempfile
    from pathlib import Path

    if not os.access("/dev/shm", os.W_OK):
        return Path(fallback)
    folder = Path(tempfile.mkdtemp(prefix="zairyu-attacks-", dir="/dev/shm"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


_MIGRATED: dict = {}  # service -> an SQLite file with its migrations applied (copied per app)


def build_service_app(name: str, folder, pki=None, environ: dict | None = None, database_url: str | None = None):
    """``name``'s Flask app on SQLite in ``folder`` (or on ``database_url``, migrated) + its own memory bus,
    TESTING off (real CSRF, real errors)."""
    from importlib.metadata import entry_points

    from zairyu_shared.runtime import Runtime

    definition = next(ep for ep in entry_points(group="zairyu.services") if ep.name == name).load()
    env = {"ZAIRYU_SECRET_KEY": "s" * 48, "ZAIRYU_DATA_KEYS": DATA_KEY, **(environ or {})}
    if name == "intake":
        env.update({"ZAIRYU_GEO_GATE": "false", "ZAIRYU_INTAKE_STORE": str(folder / "intake-store")})
    if name == "signing" and pki is not None:
        env.update(
            {
                "ZAIRYU_TRUST_PINS": f"test:{pki.root / 'manifest.json'}",
                "ZAIRYU_TRUST_DIR": str(pki.root / "trust"),
                "ZAIRYU_CRL_DIR": str(pki.crl_dir),
                "ZAIRYU_SIGN_POLICY_OID": "test",
            }
        )
    database = folder / f"{name.replace('-', '_')}.db"
    template = _MIGRATED.get(name) if database_url is None else "not SQLite"
    if database_url is None and template is not None and not database.exists():
        shutil.copyfile(template, database)  # the Alembic history once per service and run, then copies
    runtime = Runtime.from_env(
        definition,
        environ=env,
        database_url=database_url or f"sqlite:///{database}",
        amqp_url=f"memory://attack-{name}-{folder.name}",
        embedded=True,
    )
    if database_url is not None:
        runtime.migrate()
    elif template is None:
        runtime.migrate()
        _MIGRATED[name] = memory_folder(folder) / database.name
        runtime.engine.dispose()
        shutil.copyfile(database, _MIGRATED[name])
    if name == "intake":
        intake_ports(runtime).signing = FakeSigning()
    if name == "review":
        review_ports(runtime).signing = FakeSigning()
        review_ports(runtime).attachments = MemoryAttachments()
    app = definition.create_app(runtime)
    app.config["TESTING"] = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def review_ports(runtime):
    """Review's ports (review/bootstrap.py): where its tests put the fakes."""
    from review.bootstrap import ports

    return ports(runtime)


def intake_ports(runtime):
    """Intake's ports (intake/bootstrap.py): where its tests put the fakes."""
    from intake.bootstrap import ports

    return ports(runtime)


def runtime_of(app):
    return app.extensions["zairyu_runtime"]


class Relay:
    """Carries the events one app staged in its outbox to another app's handlers (in process)."""

    def __init__(self):
        self.seen: dict[int, int] = {}

    def new_events(self, app):
        import sqlalchemy as sa

        from zairyu_shared.events import parse_message
        from zairyu_shared.outbox import open_body

        rt = runtime_of(app)
        last = self.seen.get(id(rt), 0)
        with rt.engine.connect() as conn:
            rows = conn.execute(
                sa.select(rt.outbox.c.seq, rt.outbox.c.body).where(rt.outbox.c.seq > last).order_by(rt.outbox.c.seq)
            ).all()
        if rows:
            self.seen[id(rt)] = rows[-1].seq
        return [parse_message(open_body(r.body, rt.keyring)) for r in rows]  # sealed bodies opened (issue 20)

    @staticmethod
    def deliver(app, event) -> bool:
        """Run every handler of ``app`` bound to the event's type; False when none is."""
        from zairyu_shared.db import transaction

        rt = runtime_of(app)
        handlers = [h for h in rt.handlers() if event.type in h.event_types]
        for handler in handlers:
            with transaction(rt.session_factory) as session:
                handler.func(rt, session, event)
        return bool(handlers)

    def pump(self, source, *targets) -> list:
        """Deliver every new event of ``source`` to each target that consumes it; returns the events."""
        events = self.new_events(source)
        for event in events:
            for target in targets:
                self.deliver(target, event)
        return events


def signature_verified(submitted):
    """What signing publishes for a valid `application.submitted` (the submission travels along)."""
    import datetime as dt

    from zairyu_shared.events import new_event

    p = submitted.payload
    evidence = {
        "certificate_serial": "01",
        "issuer": "CN=sign CA",
        "holder": p.get("expected_holder") or {},
        "validation_time": dt.datetime.now(dt.UTC),
        "revocation_source": "crl",
        "revocation_age_seconds": 60.0,
        "soft_fail": False,
    }
    return new_event(
        "signature.verified",
        {
            "application_id": p["application_id"],
            "applicant_id": p["applicant_id"],
            "evidence": evidence,
            "submission": p,
        },
        source="signing",
        correlation_id=p["application_id"],
    )


API_HEADERS = {"X-Zairyu-Api": "1"}
_ip_counter = iter(range(1, 60000))


def fresh_ip() -> str:
    """A distinct client address per client: the per-address rate limits never couple two tests."""
    n = next(_ip_counter)
    return f"10.77.{n // 250}.{n % 250 + 1}"


def intake_applicant(app, holder: str, email: str):
    """(applicant id, a signed-in test client) for a registered, verified applicant of ``holder``'s card."""
    import datetime as dt
    import uuid

    from flask import session as flask_session

    from intake.adapters.tables import applicants
    from intake.application import accounts
    from intake.entrypoints.applicant_session import log_in

    runtime = runtime_of(app)
    applicant_id = str(uuid.uuid4())
    h = INTAKE_HOLDERS[holder]
    now = dt.datetime.now(dt.UTC)
    with runtime.engine.begin() as conn:
        conn.execute(
            applicants.insert().values(
                **_fill_row(
                    applicants,
                    {
                        "id": applicant_id,
                        "email": email,
                        "email_lookup": accounts.email_lookup(runtime, email),
                        "email_verified_at": now,
                        "language": "en",
                        "name": h["name"],
                        "date_of_birth": h["date_of_birth"],
                        "sex": h["sex"],
                        "address": h["address"],
                        "cert_serial": f"serial-{holder}",
                        "cert_issuer": "CN=test sign CA",
                        "holder_lookup": uuid.uuid4().hex,
                        "created_at": now,
                        "failed_logins": 0,
                    },
                )
            )
        )
    with app.test_request_context("/"):
        log_in(applicant_id)
        contents = dict(flask_session)
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": fresh_ip(), "HTTP_ACCEPT_LANGUAGE": "en"})
    client.set_cookie(
        app.config["SESSION_COOKIE_NAME"], app.session_interface.get_signing_serializer(app).dumps(contents)
    )
    return applicant_id, client


def intake_worker_fields() -> dict:
    from datetime import timedelta

    from intake.application.common import today_jst
    from intake.domain.dates import add_months

    return {
        "nationality": "Viet Nam",
        "place_of_birth": "Hà Nội",
        "marital_status": "single",
        "occupation": "engineer",
        "home_town": "Hà Nội",
        "phone": "090-1234-5678",
        "passport_number": "C1234567",
        "passport_expiry": (today_jst() + timedelta(days=900)).isoformat(),
        "current_status": "engineer_humanities",
        "period_of_stay": "1 year",
        "period_expiry": add_months(today_jst(), 2).isoformat(),
        "card_number": "AB12345678CD",
        "reason": "Continue my work",
        "criminal_record": "no",
        "employer_name": "Example KK",
        "corporate_number": "7000012050002",
        "employer_address": "東京都千代田区",
        "employer_phone": "03-1234-5678",
        "industry": "G",
        "employees": "120",
        "job_description": "Software",
        "contract_from": "2024-04-01",
        "monthly_salary_yen": "300,000",
        "reentry_type": "multiple",
        "reentry_reason": "family visit",
    }


def sample_jpeg(size=(600, 800)) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 210, 220)).save(out, "JPEG", quality=85)
    return out.getvalue()


def sample_pdf() -> bytes:
    import io

    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.drawString(100, 750, "Passport copy (test)")
    c.showPage()
    c.save()
    return out.getvalue()


def intake_draft(client, fields: dict | None = None, files=(("photo", "me.jpg"), ("passport", "passport.pdf"))) -> str:
    """A complete extension draft (with re-entry) through the JSON API; returns its id."""
    import io

    created = client.post(
        "/api/v1/drafts",
        json={"procedure": "extension", "bundled": ["reentry"], "fields": fields or intake_worker_fields()},
        headers=API_HEADERS,
    )
    assert created.status_code == 201, created.get_data()[:500]
    draft_id = created.get_json()["id"]
    for kind, filename in files:
        body = sample_jpeg() if kind == "photo" else sample_pdf()
        up = client.post(
            f"/api/v1/drafts/{draft_id}/attachments",
            data={"kind": kind, "file": (io.BytesIO(body), filename)},
            content_type="multipart/form-data",
            headers=API_HEADERS,
        )
        assert up.status_code == 201, up.get_data()[:500]
    return draft_id


def redeem_code(client, code: str, holder: str):
    import base64

    got = client.get(f"/api/v1/signing-requests/{code}")
    assert got.status_code == 200, got.get_data()[:500]
    content = base64.b64decode(got.get_json()["content_b64"])
    answer = client.post(
        f"/api/v1/signing-requests/{code}/signature",
        json={"signature_b64": base64.b64encode(fake_signature(content, holder)).decode()},
        headers=API_HEADERS,
    )
    assert answer.status_code == 200, answer.get_data()[:500]
    return answer.get_json()


def intake_submit(client, draft_id: str, holder: str) -> str:
    """Sign and submit the draft; returns the application id."""
    import uuid

    made = client.post(
        f"/api/v1/drafts/{draft_id}/signing-requests", json={"idempotency_key": str(uuid.uuid4())}, headers=API_HEADERS
    )
    assert made.status_code == 201, made.get_data()[:1000]
    return redeem_code(client, made.get_json()["code"], holder)["application_id"]


def review_officer(app, username: str, role: str, bureau: str | None, office: str | None = None):
    """(officer id, password, TOTP secret) of a new officer (``office``: scoped to that office only)."""
    from review.adapters.accounts import create_officer
    from zairyu_shared.db import transaction

    with transaction(runtime_of(app).session_factory) as session:
        return create_officer(session, username, username.replace("-", " ").title(), role, bureau, office=office)


def review_client(app, officer_id: str):
    """A test client holding a fresh session of the officer (as the sign-in form would open it)."""
    from review.adapters.accounts import open_session
    from zairyu_shared.db import transaction

    ip = fresh_ip()
    with transaction(runtime_of(app).session_factory) as session:
        token = open_session(session, officer_id, ip)
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": ip, "HTTP_ACCEPT_LANGUAGE": "en"})
    client.set_cookie("review_session", token)
    return client


def mailroom_officer(app, username: str):
    from card_delivery.adapters import officers
    from zairyu_shared.db import transaction

    with transaction(runtime_of(app).session_factory) as session:
        return officers.create(session, username, username.title())


def mailroom_client(app, officer_id: str):
    """A test client whose session is the mailroom's signed-in session of the officer."""
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": fresh_ip(), "HTTP_ACCEPT_LANGUAGE": "en"})
    from card_delivery.adapters import officers
    from zairyu_shared.db import transaction

    with transaction(runtime_of(app).session_factory) as session:
        epoch = officers.session_epoch(session, officer_id)
    cookie = app.session_interface.get_signing_serializer(app).dumps({"officer_id": officer_id, "epoch": epoch})
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    return client


def csrf_token(client, path: str) -> str:
    import re

    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


class World:
    """Intake, review and card-delivery with people and things in them, joined by a Relay.

    Applicant A (nguyen, Tokyo) has: a submitted application that was received, examined, asked for a
    document, answered (message + file), a signed correction request; a notice in the inbox; an open
    draft with attachments. Applicant B (silva) has an account and nothing else. Review has every role
    in Tokyo and Osaka, and in Tokyo's Yokohama district office; the case ends decided (approved) so card-delivery holds a delivery case.
    ``text`` goes into every free-text thing A writes (for the injection tests).
    """

    def __init__(self, folder, text: str = "", field_overrides: dict | None = None, filename: str = "passport.pdf"):
        import datetime as dt

        import sqlalchemy as sa

        from intake.adapters.tables import attachments as intake_attachments
        from review.adapters.tables import cases
        from zairyu_shared.events import new_event

        folder = memory_folder(folder)
        self.intake = build_service_app("intake", folder)
        self.review = build_service_app("review", folder)
        self.cards = build_service_app("card-delivery", folder)
        relay = self.relay = Relay()
        message = text or "Here is the tax certificate."

        self.a_id, self.a = intake_applicant(self.intake, "nguyen", "an@example.jp")
        self.b_id, self.b = intake_applicant(self.intake, "silva", "maria@example.jp")
        fields = {**intake_worker_fields(), **(field_overrides or {})}
        submitted_draft = intake_draft(self.a, fields, files=(("photo", "me.jpg"), ("passport", filename)))
        self.application_id = intake_submit(self.a, submitted_draft, "nguyen")
        self.draft_id = intake_draft(self.a, fields)
        with runtime_of(self.intake).engine.connect() as conn:
            rows = conn.execute(
                sa.select(intake_attachments.c.id, intake_attachments.c.sha256, intake_attachments.c.application_id)
            ).all()
        self.attachment_id = next(r.id for r in rows if r.application_id == self.application_id)
        self.draft_attachment_id = next(r.id for r in rows if r.application_id is None)
        store = intake_ports(runtime_of(self.intake)).store
        for r in rows:
            review_ports(runtime_of(self.review)).attachments.blobs[r.sha256] = store.get(r.sha256)
        self.sha256 = next(r.sha256 for r in rows if r.application_id == self.application_id)

        # signing verifies; review receives; intake follows.
        submitted = [e for e in relay.new_events(self.intake) if e.type == "application.submitted"]
        assert len(submitted) == 1, [e.type for e in submitted]
        verified = signature_verified(submitted[0])
        relay.deliver(self.intake, verified)
        relay.deliver(self.review, verified)
        relay.pump(self.review, self.intake)
        with runtime_of(self.review).engine.connect() as conn:
            case = conn.execute(sa.select(cases).where(cases.c.application_id == self.application_id)).one()
        self.receipt_number, self.bureau = case.receipt_number, case.bureau
        assert self.bureau == "tokyo"

        self.officers = {}
        for bureau in ("tokyo", "osaka"):
            for role in ("examiner", "supervisor", "bureau_admin", "auditor"):
                oid, password, secret = review_officer(self.review, f"{bureau}-{role}", role, bureau)
                self.officers[f"{bureau}-{role}"] = {"id": oid, "password": password, "secret": secret}
        self.officers["tokyo-examiner-2"] = dict(
            zip(("id", "password", "secret"), review_officer(self.review, "tokyo-examiner-2", "examiner", "tokyo"))
        )
        # Tokyo's Yokohama district office: A's case (a Tokyo address) stays at the bureau, outside their scope.
        for role in ("examiner", "supervisor", "bureau_admin", "auditor"):
            self.officers[f"yokohama-{role}"] = dict(
                zip(
                    ("id", "password", "secret"),
                    review_officer(self.review, f"yokohama-{role}", role, "tokyo", office="yokohama"),
                )
            )

        # the examiner asks for a document; A answers with a message and a file; A asks for a correction.
        examiner = self.officer("tokyo-examiner")
        self.act(examiner, "claim")
        self.act(
            examiner,
            "request-documents",
            kinds="tax_certificate",
            message="令和7年度分",
            deadline=(dt.date.today() + dt.timedelta(days=14)).isoformat(),
        )
        relay.pump(self.review, self.intake)
        self.request_id = self._open_request_id()
        import io

        up = self.a.post(
            f"/api/v1/applications/{self.application_id}/documents/{self.request_id}/attachments",
            data={"kind": "other", "file": (io.BytesIO(sample_pdf()), filename)},
            content_type="multipart/form-data",
            headers=API_HEADERS,
        )
        assert up.status_code == 201, up.get_data()[:500]
        review_ports(runtime_of(self.review)).attachments.blobs[up.get_json()["sha256"]] = intake_ports(
            runtime_of(self.intake)
        ).store.get(up.get_json()["sha256"])
        answered = self.a.post(
            f"/api/v1/applications/{self.application_id}/documents/{self.request_id}",
            json={"message": message},
            headers=API_HEADERS,
        )
        assert answered.status_code == 200, answered.get_data()[:500]
        correction = self.a.post(
            f"/api/v1/applications/{self.application_id}/correction",
            json={"message": text or "My employer's address changed."},
            headers=API_HEADERS,
        )
        assert correction.status_code == 201, correction.get_data()[:500]
        redeem_code(self.a, correction.get_json()["code"], "nguyen")
        relay.pump(self.intake, self.review)
        self.notice_id = "n-attack-1"
        relay.deliver(
            self.intake,
            new_event(
                "notice.created",
                {
                    "notice_id": self.notice_id,
                    "applicant_id": self.a_id,
                    "application_id": self.application_id,
                    "notice_type": "application_received",
                    "language": "en",
                    "subject": "Your application was received",
                    "body_text": "We received it.",
                    "created_at": dt.datetime.now(dt.UTC),
                },
                source="notify",
                correlation_id=self.application_id,
            ),
        )

        # mailroom: one officer, and a delivery case from an approval with A's mailing address.
        self.mailroom = mailroom_officer(self.cards, "clerk")

    # -- helpers -----------------------------------------------------------------------------------
    def officer(self, who: str):
        return review_client(self.review, self.officers[who]["id"])

    def case_version(self) -> int:
        import sqlalchemy as sa

        from review.adapters.tables import cases

        with runtime_of(self.review).engine.connect() as conn:
            return conn.execute(
                sa.select(cases.c.version).where(cases.c.application_id == self.application_id)
            ).scalar()

    def case_status(self) -> str:
        import sqlalchemy as sa

        from review.adapters.tables import cases

        with runtime_of(self.review).engine.connect() as conn:
            return conn.execute(sa.select(cases.c.status).where(cases.c.application_id == self.application_id)).scalar()

    def act(self, client, action: str, expect=302, **form):
        path = f"/cases/{self.application_id}/{action}"
        data = {"csrf_token": csrf_token(client, "/queue"), "version": self.case_version(), **form}
        response = client.post(path, data=data)
        if expect is not None:
            assert response.status_code == expect, (action, response.status_code, response.get_data()[:300])
        return response

    def _open_request_id(self) -> str:
        import sqlalchemy as sa

        from intake.adapters.tables import document_requests as table

        with runtime_of(self.intake).engine.connect() as conn:
            found = (
                conn.execute(sa.select(table.c.request_id).where(table.c.application_id == self.application_id))
                .scalars()
                .first()
            )
        assert found, "review's request for documents did not reach intake"
        return found

    def decide(self):
        """Examiner proposes approval, the Tokyo supervisor confirms; card-delivery opens the delivery."""
        examiner, supervisor = self.officer("tokyo-examiner"), self.officer("tokyo-supervisor")
        if self.case_status() != "under_examination":
            self.act(examiner, "resume")
        self.act(
            examiner,
            "propose",
            outcome="approved",
            granted_status="engineer_humanities",
            period_of_stay="P3Y",
            explanation="ok",
        )
        self.act(supervisor, "confirm", acknowledge="yes")
        assert self.case_status() == "approved", self.case_status()
        events = self.relay.pump(self.review, self.intake, self.cards)
        assert any(e.type == "application.decided" for e in events)
        return self.delivery_ids()

    def delivery_ids(self) -> list[str]:
        import sqlalchemy as sa

        from card_delivery.adapters.tables import delivery_cases as table

        with runtime_of(self.cards).engine.connect() as conn:
            return list(conn.execute(sa.select(table.c.delivery_id)).scalars())

"""An approved organisation's staff file WITHOUT a card (issue 21), through real RabbitMQ and PostgreSQL: a Tokyo
employer is approved four-eyes at review, its administrator (signed in with password + TOTP) files a person's
extension with a fresh TOTP code, intake publishes application.submitted v3 with the staff session as its
authentication, signing accepts it as an organisation's staff filing (attestation.accepted, no signature verified)
and review files the case marked as staff-authenticated, which the officer's page shows. A wrong code, a withdrawn
consent and a lapsed approval file nothing, each with its message; a private person's application without a
signature is rejected by signing and never reaches review."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pyotp
import sqlalchemy as sa
from hostile_files import jpeg
from platform_harness import platform, publish
from test_organisation_people import ROW  # an extension's fields, as intake's organisation tests give them

from zairyu_shared.db import transaction
from zairyu_shared.events import new_event
from zairyu_shared.testing import wait_until

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_post(client, page, path, data, **kw):
    token = TOKEN.search(client.get(page).get_data(as_text=True)).group(1)
    return client.post(path, data={"csrf_token": token, **data}, **kw)


def applicant(rt, name: str, language: str = "vi") -> str:
    """A person's own account (registered with their card, as registration leaves it)."""
    from intake.adapters.tables import applicants

    applicant_id, now = str(uuid.uuid4()), datetime.now(UTC)
    with transaction(rt.session_factory) as db:
        db.execute(
            applicants.insert().values(
                id=applicant_id,
                email=f"{applicant_id[:8]}@example.jp",
                email_lookup=uuid.uuid4().hex,
                language=language,
                name=name,
                date_of_birth="1995-05-05",
                sex="female",
                address="東京都港区港南1-1-1",
                cert_serial=uuid.uuid4().hex[:8],
                cert_issuer="CN=test",
                holder_lookup=uuid.uuid4().hex,
                email_verified_at=now,
                created_at=now,
            )
        )
    return applicant_id


def test_an_approved_employers_staff_file_without_a_card_and_review_sees_how():
    from intake.adapters.organisation_tables import organisation_staff, organisations, people
    from intake.adapters.tables import applications, timeline_entries
    from intake.application import organisation_drafts
    from intake.application import organisations as orgs
    from review.adapters.accounts import create_officer
    from review.adapters.organisation_tables import organisation_requests
    from review.adapters.tables import cases, signature_rejections
    from signing.adapters.tables import verdicts

    with platform({"ZAIRYU_EMBEDDED": "true"}, services=("intake", "signing", "review")) as plat:
        intake_rt, review_rt = plat.runtimes["intake"], plat.runtimes["review"]
        staff = plat.client("intake")
        staff.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        r = form_post(
            staff,
            "/org/apply",
            "/org/apply",
            {
                "name": "株式会社サンプル",
                "kind": "employer",
                "address": "東京都港区港南5-5-30",
                "corporate_number": "7123456789012",
                "email": "admin@sample.example",
                "password": "correct horse battery",
            },
        )
        assert r.status_code == 200, r.get_data(as_text=True)[:500]
        secret = re.search(r"<code>([A-Z2-7]+)</code>", r.get_data(as_text=True)).group(1)
        with transaction(intake_rt.session_factory) as s:
            org_id = s.execute(sa.select(organisations.c.id)).scalar_one()

        # The Tokyo bureau approves it, four-eyes (as tests/e2e/test_organisation_use.py walks it).
        def requested():
            with review_rt.engine.connect() as conn:
                return conn.execute(sa.select(organisation_requests.c.bureau)).scalar()

        wait_until(lambda: requested() == "tokyo", message="review filed the application for use")
        officers = {}
        with transaction(review_rt.session_factory) as s:
            for who, role in (("tokyo-examiner", "examiner"), ("tokyo-supervisor", "supervisor")):
                _oid, pw, totp = create_officer(s, who, who, role, "tokyo")
                officers[who] = (pw, totp)

        def officer(who):
            client = plat.client("review")
            pw, totp = officers[who]
            data = {"username": who, "password": pw, "totp": pyotp.TOTP(totp).now()}
            assert form_post(client, "/login", "/login", data).status_code == 302
            return client

        page = f"/organisations/{org_id}"
        examiner = officer("tokyo-examiner")
        assert form_post(examiner, page, f"{page}/propose", {"outcome": "approved"}).status_code == 302
        assert form_post(officer("tokyo-supervisor"), page, f"{page}/confirm", {}).status_code == 302

        def standing():
            with intake_rt.engine.connect() as conn:
                return conn.execute(sa.select(organisations.c.status)).scalar()

        wait_until(lambda: standing() == "approved", message="intake learnt of the approval")

        # The administrator signs in (password + TOTP); the person consented from their own account.
        signed_in_with = pyotp.TOTP(secret).now()
        data = {"email": "admin@sample.example", "password": "correct horse battery", "code": signed_in_with}
        assert form_post(staff, "/org/login", "/org/login", data).status_code == 302
        person_account = applicant(intake_rt, "TRAN THI BINH")
        with transaction(intake_rt.session_factory) as s:
            admin_id = s.execute(sa.select(organisation_staff.c.id)).scalar_one()
            member = orgs.active_member(s, admin_id)
        data = {
            "name": "TRAN THI BINH",
            "status": "engineer_humanities",
            "period_of_stay": "3 years",
            "period_expiry": "2027-02-01",
            "card_number": "AB12345678CD",
            "nationality": "Viet Nam",
        }
        assert form_post(staff, "/org/people", "/org/people", data).status_code == 302
        with transaction(intake_rt.session_factory) as s:
            person_id = s.execute(sa.select(people.c.id)).scalar_one()
            s.execute(
                people.update()
                .where(people.c.id == person_id)
                .values(consent="account", consent_applicant_id=person_account, consent_at=datetime.now(UTC))
            )
            fields = {k: v for k, v in ROW.items() if k != "card_number"}
            first, second = (
                organisation_drafts.create(intake_rt, s, member, person_id, procedure, fields)
                for procedure in ("extension", "extension")
            )
        for draft in (first, second):
            r = form_post(
                staff,
                f"/org/drafts/{draft}",
                f"/org/drafts/{draft}/attachments",
                {"kind": "photo", "file": (io.BytesIO(jpeg()), "photo.jpg")},
                content_type="multipart/form-data",
            )
            assert r.status_code == 302 and "upload_error" not in r.headers["Location"], r.headers.get("Location")

        # The confirmation page; the code used to sign in is refused (already used), nothing is filed.
        confirm = staff.get(f"/org/drafts/{first}/file").get_data(as_text=True)
        assert "TRAN THI BINH" in confirm and "A new 6-digit code from your authenticator app" in confirm
        key = str(uuid.uuid4())
        refused = form_post(
            staff, f"/org/drafts/{first}/file", "/org/file", {"batch_key": key, "draft": first, "code": signed_in_with}
        )
        assert refused.status_code == 400
        assert "This code is wrong, too old or already used" in refused.get_data(as_text=True)
        # The next code of the authenticator files it.
        step_up = pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=30))
        r = form_post(
            staff, f"/org/drafts/{first}/file", "/org/file", {"batch_key": key, "draft": first, "code": step_up}
        )
        assert r.status_code == 302, r.get_data(as_text=True)[:1000]
        assert "Filed. Provisional number" in staff.get(r.headers["Location"]).get_data(as_text=True)
        with intake_rt.engine.connect() as conn:
            application_id = conn.execute(sa.select(applications.c.id)).scalar_one()

        # signing accepts it as the organisation's staff filing, review files it: staff-authenticated.
        def case():
            with review_rt.engine.connect() as conn:
                return conn.execute(sa.select(cases).where(cases.c.application_id == application_id)).first()

        found = wait_until(case, timeout=60, message="review received the staff filing")
        with transaction(review_rt.session_factory) as s:  # the evidence is sealed under the person's key
            row = s.execute(
                sa.select(cases.c.evidence, cases.c.filer).where(cases.c.application_id == application_id)
            ).one()
        evidence = json.loads(row.evidence)
        assert evidence["authentication"]["method"] == "organisation_staff"
        assert evidence["authentication"]["organisation_staff"]["staff_id"] == admin_id
        assert evidence["authentication"]["organisation_staff"]["organisation_id"] == org_id
        assert "holder" not in evidence and json.loads(row.filer)["role"] == "employer_staff"
        with plat.runtimes["signing"].engine.connect() as conn:
            assert (
                conn.execute(sa.select(verdicts.c.verdict).where(verdicts.c.application_id == application_id)).scalar()
                == "attested"
            )

        def timeline():
            with intake_rt.engine.connect() as conn:
                return set(
                    conn.execute(
                        sa.select(timeline_entries.c.kind).where(timeline_entries.c.application_id == application_id)
                    ).scalars()
                )

        wait_until(lambda: {"filing_accepted", "received"} <= timeline(), message="intake heard of it")
        assert "signature_verified" not in timeline()
        case_page = examiner.get(f"/cases/{application_id}?purpose=examination").get_data(as_text=True)
        assert "カード署名なし" in case_page and admin_id in case_page and found.receipt_number in case_page

        # A withdrawn consent, then a lapsed approval: nothing more is filed, each with its message.
        with transaction(intake_rt.session_factory) as s:
            s.execute(people.update().where(people.c.id == person_id).values(consent="withdrawn"))
        code = pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=30))
        r = form_post(
            staff, "/org/drafts", "/org/file", {"batch_key": str(uuid.uuid4()), "draft": second, "code": code}
        )
        assert r.status_code == 400 and "Nothing was filed" in r.get_data(as_text=True)
        with transaction(intake_rt.session_factory) as s:
            s.execute(
                people.update()
                .where(people.c.id == person_id)
                .values(consent="account", consent_applicant_id=person_account)
            )
            s.execute(
                organisations.update().values(
                    approved_from=date.today() - timedelta(days=366), approved_until=date.today() - timedelta(days=2)
                )
            )
        r = form_post(
            staff, "/org/drafts", "/org/file", {"batch_key": str(uuid.uuid4()), "draft": second, "code": code}
        )
        assert r.status_code == 403 and "Nothing can be filed in the organisation" in r.get_data(as_text=True)
        with intake_rt.engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(applications)).scalar() == 1

        # A private person's application without a signature, published as intake would: signing rejects it as
        # unsigned, intake tells the person, review never files it.
        private_id, private_app = applicant(intake_rt, "NGUYEN VAN AN"), str(uuid.uuid4())
        now = datetime.now(UTC)
        content = json.dumps({"application_id": private_app, "form": {}}, sort_keys=True).encode()
        with transaction(intake_rt.session_factory) as s:
            s.execute(
                applications.insert().values(
                    id=private_app,
                    applicant_id=private_id,
                    idempotency_key="private",
                    provisional_number="P-PRIVATE-0001",
                    procedure="extension",
                    status="submitted",
                    bureau="tokyo",
                    language="vi",
                    fee_yen=0,
                    form="{}",
                    signed_content=base64.b64encode(content).decode(),
                    content_sha256=hashlib.sha256(content).hexdigest(),
                    signature_cms="",
                    submitted_at=now,
                    updated_at=now,
                )
            )
        unsigned = {
            "application_id": private_app,
            "applicant_id": private_id,
            "provisional_number": "P-PRIVATE-0001",
            "procedure": "extension",
            "status_of_residence": "engineer_humanities",
            "nationality": "VN",
            "bureau": "tokyo",
            "language": "vi",
            "submitted_at": now.isoformat(),
            "signed_content_b64": base64.b64encode(content).decode(),
            "content_sha256": hashlib.sha256(content).hexdigest(),
            "signature_cms_b64": None,
            "expected_holder": None,
            "authentication": {
                "method": "organisation_staff",
                "organisation_staff": {
                    "staff_id": "nobody",
                    "organisation_id": "none",
                    "approval": {
                        "bureau": "tokyo",
                        "decided_at": now.isoformat(),
                        "approved_from": date.today().isoformat(),
                        "approved_until": date.today().isoformat(),
                    },
                    "signed_in_at": now.isoformat(),
                    "step_up_at": now.isoformat(),
                    "channel": "web",
                },
            },
        }
        publish(
            plat.amqp_url,
            "intake.events",
            new_event("application.submitted", unsigned, source="intake", correlation_id=private_app),
        )

        def private_status():
            with intake_rt.engine.connect() as conn:
                return conn.execute(sa.select(applications.c.status).where(applications.c.id == private_app)).scalar()

        wait_until(lambda: private_status() == "signature_rejected", timeout=60, message="intake told the person")
        with review_rt.engine.connect() as conn:
            wait_until(
                lambda: (
                    conn.execute(
                        sa.select(signature_rejections.c.reason).where(
                            signature_rejections.c.application_id == private_app
                        )
                    ).scalar()
                    == "unsigned"
                ),
                message="review recorded the rejection",
            )
            assert conn.execute(sa.select(cases).where(cases.c.application_id == private_app)).first() is None

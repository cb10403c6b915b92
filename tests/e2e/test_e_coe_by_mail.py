"""A relative in Japan files the COE of a spouse abroad, choosing e-mail: the bureau approves, review seals the
e-COE with its key in a PKCS#11 token (SoftHSM2), and the filer receives it attached to a mail, through real
RabbitMQ, PostgreSQL and an SMTP server; the attached file verifies against the bureau's published keys."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from platform_harness import Inbox, platform, publish
from review_testkit import FORM, verified_event

from zairyu_shared import documents, testing
from zairyu_shared.events import new_event
from zairyu_shared.japan_time import japan_today
from zairyu_shared.testing import free_port, wait_until

MODULE = "/usr/lib/softhsm/libsofthsm2.so"


@pytest.fixture
def token(tmp_path_factory):
    """A key in a SoftHSM2 token. The PKCS#11 module reads its configuration once per process: a token made
    earlier in this process (review's tests) is reused, with a key of our own."""
    if not shutil.which("softhsm2-util") or not os.path.exists(MODULE):
        testing.unavailable("SoftHSM2 is not installed (Debian package softhsm2)")
    if not os.environ.get("SOFTHSM2_CONF") or not Path(os.environ["SOFTHSM2_CONF"]).exists():
        base = tmp_path_factory.mktemp("softhsm")
        (base / "tokens").mkdir()
        conf = base / "softhsm2.conf"
        conf.write_text(f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
        os.environ["SOFTHSM2_CONF"] = str(conf)
        subprocess.run(
            [
                "softhsm2-util",
                "--init-token",
                "--free",
                "--label",
                "zairyu-coe",
                "--pin",
                "4321",
                "--so-pin",
                "87654321",
            ],
            check=True,
            capture_output=True,
        )
    pin = tmp_path_factory.mktemp("pin") / "pin"
    pin.write_text("4321\n")
    label = "e2e-" + uuid.uuid4().hex[:8]
    from review.adapters.document_keys import generate_in_token

    key = generate_in_token(MODULE, "zairyu-coe", "4321", label)
    return {
        "ZAIRYU_COE_PKCS11_MODULE": MODULE,
        "ZAIRYU_COE_TOKEN_LABEL": "zairyu-coe",
        "ZAIRYU_COE_KEY_LABEL": label,
        "ZAIRYU_COE_PIN_FILE": str(pin),
        "kid": key.kid,
    }


def test_a_relative_gets_the_spouse_s_e_coe_by_mail(token):
    from review.adapters.accounts import create_officer
    from review.application import casework
    from review.domain.case import Proposal
    from review.domain.roles import Officer, Role
    from zairyu_shared.db import transaction

    inbox, port = Inbox(), free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    env = {
        "ZAIRYU_SMTP_HOST": "127.0.0.1",
        "ZAIRYU_SMTP_PORT": str(port),
        "ZAIRYU_NOTIFY_SEND_RATE": "0",
        **{k: v for k, v in token.items() if k.startswith("ZAIRYU_")},
    }
    try:
        with platform(env, services=("review", "notify")) as plat:
            filer = "acc-sato-" + uuid.uuid4().hex[:6]
            publish(
                plat.amqp_url,
                "intake.events",
                new_event(
                    "applicant.registered",
                    {
                        "applicant_id": filer,
                        "email": "sato@example.jp",
                        "language": "en",
                        "display_name": "SATO HANAKO",
                    },
                    source="intake",
                    correlation_id=filer,
                ),
            )
            content = {
                **FORM,
                "procedure": "coe",
                "applicant": {
                    "name": "TRAN THI BINH",
                    "date_of_birth": "1996-02-03",
                    "sex": "female",
                    "address": "Hanoi, Viet Nam",
                },
                "form": {"nationality": "Viet Nam", "desired_status": "spouse_japanese", "coe_delivery": "email"},
            }
            verified = verified_event(
                procedure="coe",
                applicant_id=filer,
                form=content,
                filer={"role": "relative", "relationship": "spouse", "name": "SATO HANAKO"},
            )
            app_id = verified.payload["application_id"]
            review = plat.runtimes["review"]
            # What signing publishes once the filer's signature holds; the submission went to notify too.
            publish(
                plat.amqp_url,
                "intake.events",
                new_event(
                    "application.submitted", verified.payload["submission"], source="intake", correlation_id=app_id
                ),
            )
            publish(plat.amqp_url, "signing.events", verified)

            def received():
                with review.engine.connect() as db:
                    return db.execute(
                        sa.text("SELECT receipt_number FROM cases WHERE application_id = :a"), {"a": app_id}
                    ).scalar()

            wait_until(received, timeout=60, message="the case received by the bureau")
            with transaction(review.session_factory) as s:
                ex, _, _ = create_officer(s, "tokyo-ex-e2e", "ex", "examiner", "tokyo", password="pw-e2e-123456")
                sv, _, _ = create_officer(s, "tokyo-sv-e2e", "sv", "supervisor", "tokyo", password="pw-e2e-123456")
            examiner, supervisor = Officer(ex, Role.EXAMINER, "tokyo"), Officer(sv, Role.SUPERVISOR, "tokyo")
            for step, officer, *args in [
                (casework.claim, examiner),
                (casework.propose, examiner, Proposal("approved", ex, "spouse_japanese", "1 year")),
                (casework.confirm, supervisor),
            ]:
                with transaction(review.session_factory) as s:
                    step(review, s, officer, app_id, *args)

            def coe_mail():
                return next((m for m in inbox.mails if m["X-Zairyu-Notice-Type"] == "coe_issued"), None)

            mail = wait_until(coe_mail, timeout=90, message="the e-COE mail at the SMTP server")
            assert mail["To"] == "sato@example.jp"
            [pdf] = [p for p in mail.walk() if p.get_filename()]
            sealed = pdf.get_payload(decode=True)
            keys = plat.client("review").get("/public/document-keys.json").get_json()
            verdict = documents.verify(sealed, japan_today(), documents.keys_from_json(keys))
            assert verdict.valid and verdict.trusted and verdict.kid == token["kid"] and not verdict.demo
            assert verdict.payload["holder"]["name"] == "TRAN THI BINH"
            page = plat.client("review").get(f"/public/coe/{verdict.payload['document_id']}").get_data(as_text=True)
            assert "有効 / valid until" in page
            assert "Certificate of Eligibility" in mail.get_body(("plain",)).get_content()
    finally:
        smtp.stop()

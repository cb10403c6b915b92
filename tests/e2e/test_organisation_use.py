"""An organisation's application for use (issue 21) through real RabbitMQ, PostgreSQL and SMTP: a Tokyo employer
applies at intake, a Tokyo examiner proposes and a supervisor confirms at review, intake learns of the approval
from the event, and the administrator's invitation reaches a new staff member by e-mail in their language."""

from __future__ import annotations

import re
from email import message_from_bytes, policy

import pyotp
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from platform_harness import platform

from zairyu_shared.db import transaction
from zairyu_shared.testing import free_port, wait_until

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Inbox:
    def __init__(self):
        self.mails = []

    async def handle_DATA(self, server, session, envelope):
        self.mails.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def form_post(client, page, path, data):
    token = TOKEN.search(client.get(page).get_data(as_text=True)).group(1)
    return client.post(path, data={"csrf_token": token, **data})


def test_a_tokyo_employer_is_approved_four_eyes_and_invites_its_staff():
    from intake.adapters.organisation_tables import organisations
    from review.adapters.accounts import create_officer

    inbox, port = Inbox(), free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    env = {
        "ZAIRYU_EMBEDDED": "true",
        "ZAIRYU_SMTP_HOST": "127.0.0.1",
        "ZAIRYU_SMTP_PORT": str(port),
        "ZAIRYU_NOTIFY_SEND_RATE": "0",
    }
    try:
        with platform(env, services=("intake", "review", "notify")) as plat:
            intake = plat.client("intake")
            intake.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
            r = form_post(
                intake,
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
            with transaction(plat.runtimes["intake"].session_factory) as s:
                org_id = s.execute(sa.select(organisations.c.id)).scalar_one()

            review_rt = plat.runtimes["review"]
            from review.adapters.organisation_tables import organisation_requests

            def filed():
                with review_rt.engine.connect() as conn:
                    return conn.execute(sa.select(organisation_requests.c.bureau)).scalar()

            wait_until(lambda: filed() == "tokyo", message="review filed the application at the Tokyo bureau")
            people = {}
            with transaction(review_rt.session_factory) as s:
                for who, role in (("tokyo-examiner", "examiner"), ("tokyo-supervisor", "supervisor")):
                    _oid, pw, totp = create_officer(s, who, who, role, "tokyo")
                    people[who] = (pw, totp)

            def officer(who):
                client = plat.client("review")
                pw, totp = people[who]
                assert (
                    form_post(
                        client, "/login", "/login", {"username": who, "password": pw, "totp": pyotp.TOTP(totp).now()}
                    ).status_code
                    == 302
                )
                return client

            page = f"/organisations/{org_id}"
            examiner = officer("tokyo-examiner")
            assert "株式会社サンプル" in examiner.get("/organisations").get_data(as_text=True)
            assert form_post(examiner, page, f"{page}/propose", {"outcome": "approved"}).status_code == 302
            supervisor = officer("tokyo-supervisor")
            assert form_post(supervisor, page, f"{page}/confirm", {}).status_code == 302

            def standing():
                with plat.runtimes["intake"].engine.connect() as conn:
                    return conn.execute(sa.select(organisations.c.status, organisations.c.approved_until)).one()

            wait_until(lambda: standing().status == "approved", message="intake learnt of the approval")
            assert standing().approved_until is not None

            admin = plat.client("intake")
            admin.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
            assert (
                form_post(
                    admin,
                    "/org/login",
                    "/org/login",
                    {
                        "email": "admin@sample.example",
                        "password": "correct horse battery",
                        "code": pyotp.TOTP(secret).now(),
                    },
                ).status_code
                == 302
            )
            assert "Approved from" in admin.get("/org/").get_data(as_text=True)
            assert (
                form_post(
                    admin, "/org/staff", "/org/staff", {"email": "lan@sample.example", "language": "vi"}
                ).status_code
                == 302
            )
            wait_until(
                lambda: any(m["To"] == "lan@sample.example" for m in inbox.mails),
                timeout=30,
                message="the invitation was mailed",
            )
            mail = next(m for m in inbox.mails if m["To"] == "lan@sample.example")
            body = mail.get_body(("plain",)).get_content()
            assert mail["Content-Language"] == "vi" and "/org/invite/" in body and "株式会社サンプル" in body
    finally:
        smtp.stop()

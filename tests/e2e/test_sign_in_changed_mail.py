"""Issue 20, end to end on real RabbitMQ, PostgreSQL and SMTP (aiosmtpd): a person changes their account's e-mail
address in intake; the link reaches the new address, and once it is confirmed the previous address gets the mail
that says so, in the person's language, with the new address masked, the Japan time, what to do if it was not them
and no link that signs in (``applicant.sign_in_changed`` through intake's outbox, notify's inbox and its sender); the
same notice is in the person's account (``notice.created`` back to intake)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller
from platform_harness import Inbox, platform

from zairyu_shared.testing import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
PW = "correct horse battery"
OLD, NEW = "an@example.jp", "an.moi@example.jp"


def _mails(inbox: Inbox, to: str, notice_type: str) -> list:
    return [m for m in list(inbox.mails) if m["To"] == to and m["X-Zairyu-Notice-Type"] == notice_type]


def _notices(intake, applicant_id: str) -> list[tuple[str, str]]:
    import sqlalchemy as sa

    from intake.adapters.tables import notices

    with intake.session_factory() as s:
        rows = s.execute(sa.select(notices).where(notices.c.applicant_id == applicant_id)).all()
    return [(r.notice_type, r.subject) for r in rows if r.notice_type == "sign_in_changed"]


def _text(mail) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content()


def test_the_previous_address_is_told_of_a_new_one_in_the_persons_language():
    from intake.adapters import passwords
    from intake.adapters.tables import applicants, personal
    from intake.application.accounts import email_lookup

    inbox, port = Inbox(), free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    env = {"ZAIRYU_SMTP_HOST": "127.0.0.1", "ZAIRYU_SMTP_PORT": str(port), "ZAIRYU_NOTIFY_SEND_RATE": "0"}
    try:
        with platform(env, services=("intake", "notify")) as plat:
            intake, me, now = plat.runtimes["intake"], str(uuid.uuid4()), datetime.now(UTC)
            with intake.session_factory() as s, s.begin():  # an account as the registration leaves it
                with personal(s, me):
                    s.execute(
                        applicants.insert().values(
                            id=me,
                            email=OLD,
                            email_lookup=email_lookup(intake, OLD),
                            language="vi",
                            email_verified_at=now,
                            name="NGUYEN VAN AN",
                            date_of_birth="1994-03-15",
                            sex="male",
                            address="東京都新宿区西新宿二丁目８番１号",
                            cert_serial="1",
                            cert_issuer="CA",
                            holder_lookup=uuid.uuid4().hex,
                            password_hash=passwords.hash_password(PW),
                            created_at=now,
                        )
                    )
                intake.emit(
                    s,
                    "applicant.registered",
                    {"applicant_id": me, "email": OLD, "language": "vi", "display_name": "NGUYEN VAN AN"},
                    correlation_id=me,
                )
            client = plat.client("intake")
            client.application.config["WTF_CSRF_ENABLED"] = False  # the forms' tokens are not what this checks
            with client.session_transaction() as sess:
                sess["applicant_id"], sess["epoch"] = me, 0
            asked = client.post("/account/email?lang=vi", data={"email": NEW, "password": PW})
            assert asked.status_code == 200 and NEW in asked.get_data(as_text=True)

            (link_mail,) = wait_until(lambda: _mails(inbox, NEW, "email_change"), timeout=60, message="the link")
            link = re.search(r"https?://\S+/account/email/confirm/\S+", _text(link_mail)).group(0)
            confirmed = plat.client("intake").post(urlsplit(link).path)  # another browser, not signed in
            assert confirmed.status_code == 200

            (told,) = wait_until(lambda: _mails(inbox, OLD, "sign_in_changed"), timeout=60, message="the old address")
            text = _text(told)
            assert told["Subject"] == "Địa chỉ e-mail đăng nhập của bạn đã được thay đổi"
            assert told["Content-Language"] == "vi" and text.startswith("Kính gửi NGUYEN VAN AN,")
            assert "an***@example.jp" in text and NEW not in text  # recognisable to its owner only
            assert "(JST)" in text and "Cục Quản lý Xuất nhập cảnh" in text
            assert re.findall(r"https?://\S+", text) == [plat.urls["intake"]]  # the site's address, no sign-in link
            assert _mails(inbox, NEW, "sign_in_changed") == []  # the new address proved itself by the link
            in_account = wait_until(  # the same notice in the person's account (notice.created back to intake)
                lambda: _notices(intake, me), timeout=60, message="the notice in the account"
            )
            assert in_account == [("sign_in_changed", told["Subject"])]
            (ROOT / "var").mkdir(exist_ok=True)  # to read it as the person does
            (ROOT / "var" / "sign-in-changed-sample-vi.eml").write_bytes(told.as_bytes())
    finally:
        smtp.stop()

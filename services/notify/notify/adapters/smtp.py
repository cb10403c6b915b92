"""Mail out over SMTP (smtplib): one reused connection, STARTTLS or implicit TLS, AUTH.

``send`` raises ``SendFailure`` carrying the SMTP code (None when the relay never answered:
refused, timed out, dropped), which the domain classifies as transient or permanent.
"""

from __future__ import annotations

import base64
import email.utils
import smtplib
import ssl
import time
from email import encoders
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import SMTP as SMTP_POLICY
from typing import Protocol

from notify.domain.delivery import message_id

IDLE_RECONNECT_SECONDS = 30  # relays drop idle sessions; a fresh one is cheaper than a failed send


class SendFailure(Exception):
    def __init__(self, code: int | None, detail: str):
        super().__init__(f"{code or 'no answer'}: {detail}")
        self.code = code
        self.detail = detail


def build_message(
    *,
    notice_id: str,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str,
    language: str,
    notice_type: str,
    id_domain: str,
    attachment: dict | None = None,
) -> Message:
    msg = _build_message(
        notice_id=notice_id,
        sender=sender,
        to=to,
        subject=subject,
        text=text,
        html=html,
        language=language,
        notice_type=notice_type,
        id_domain=id_domain,
    )
    if not attachment:
        return msg
    # multipart/mixed: the text/HTML alternatives, then the file byte for byte (a sealed e-COE must not change).
    outer = MIMEMultipart("mixed")
    for name, value in msg.items():
        if not name.lower().startswith(("content-", "mime-version")):
            outer[name] = value
    body = MIMEMultipart("alternative")
    for part in msg.get_payload() if msg.is_multipart() else [msg]:
        body.attach(part)
    outer["Content-Language"] = msg["Content-Language"]
    outer.attach(body)
    maintype, _, subtype = attachment["media_type"].partition("/")
    file_part = MIMEBase(maintype, subtype)
    file_part.set_payload(base64.b64decode(attachment["b64"]))
    encoders.encode_base64(file_part)
    file_part.add_header("Content-Disposition", "attachment", filename=attachment["filename"])
    outer.attach(file_part)
    return outer


def _build_message(
    *,
    notice_id: str,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str,
    language: str,
    notice_type: str,
    id_domain: str,
) -> Message:
    """The mail: plain text and HTML alternatives, UTF-8.

    Built with the legacy (compat32) classes, encoding the headers here: the modern EmailMessage
    API parses and refolds every header through its header registry, which cost as much as the
    rest of sending the mail (bench_notify). Addresses outside ASCII need that machinery
    (SMTPUTF8), so only they take the modern path.
    """
    common = {
        "Date": email.utils.formatdate(localtime=False, usegmt=True),
        "Message-ID": message_id(notice_id, id_domain),
        "Auto-Submitted": "auto-generated",  # RFC 3834: no vacation replies to us
        "X-Zairyu-Notice-Type": notice_type,
    }
    language = language.replace("_", "-") if "+" not in language else "ja, en"
    if not (sender + to).isascii():
        msg = EmailMessage(policy=SMTP_POLICY)
        for name, value in {"From": sender, "To": to, "Subject": subject, **common}.items():
            msg[name] = value
        msg.set_content(text)
        msg.add_alternative(html, subtype="html")
        # After the bodies: set_content/add_alternative move Content-* headers into the parts.
        msg["Content-Language"] = language
        return msg
    mime = MIMEMultipart("alternative")
    mime["From"] = email.utils.formataddr(email.utils.parseaddr(sender), charset="utf-8")
    mime["To"] = to
    # compat32 messages take a Header (typeshed allows only str)
    mime["Subject"] = subject if subject.isascii() else Header(subject, "utf-8")  # type: ignore[assignment]
    for name, value in {**common, "Content-Language": language}.items():
        mime[name] = value
    mime.attach(MIMEText(text, "plain", "utf-8"))
    mime.attach(MIMEText(html, "html", "utf-8"))
    return mime


def sender_domain(mail_from: str) -> str:
    return email.utils.parseaddr(mail_from)[1].rpartition("@")[2] or "zairyu.invalid"


class Mailer(Protocol):
    """What the sender needs of a relay: SmtpMailer, or MailDrop in the embedded run."""

    def send(self, msg: Message) -> None: ...

    def close(self) -> None: ...


class SmtpMailer:
    def __init__(
        self,
        host: str,
        port: int,
        security: str = "none",
        username: str = "",
        password: str = "",
        timeout: float = 15.0,
        ca_file: str = "",
    ):
        self.host, self.port, self.security, self.ca_file = host, port, security, ca_file
        self.username, self.password, self.timeout = username, password, timeout
        self._conn: smtplib.SMTP | None = None
        self._last_used = 0.0

    @classmethod
    def from_settings(cls, settings) -> SmtpMailer:
        return cls(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_security,
            settings.smtp_username,
            settings.smtp_password,
            settings.smtp_timeout,
            settings.smtp_ca_file,
        )

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context(cafile=self.ca_file or None)  # verifies the relay's name
        conn: smtplib.SMTP
        if self.security == "ssl":
            conn = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        conn.ehlo()
        if self.security == "starttls":
            conn.starttls(context=context)
            conn.ehlo()
        if self.username:
            conn.login(self.username, self.password)
        return conn

    def send(self, msg: Message) -> None:
        try:
            if self._conn is not None and time.monotonic() - self._last_used > IDLE_RECONNECT_SECONDS:
                self.close()
            if self._conn is None:
                self._conn = self._connect()
            refused = self._conn.send_message(msg)
            self._last_used = time.monotonic()
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            self._reset()
            raise SendFailure(code, _text(text)) from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            raise SendFailure(exc.smtp_code, _text(exc.smtp_error)) from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            self.close()
            raise SendFailure(None, f"{type(exc).__name__}: {exc}") from exc
        if refused:  # only one recipient per mail, so this cannot be partial; kept for safety
            code, text = next(iter(refused.values()))
            raise SendFailure(code, _text(text))

    def _reset(self) -> None:
        try:
            if self._conn is not None:
                self._conn.rset()
        except Exception:
            self.close()

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except Exception:
                try:
                    self._conn.close()
                except Exception:
                    pass
        self._conn = None


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class MailDrop:
    """The embedded demo's relay: each mail becomes ``<notice>.eml`` in a folder (no SMTP server there)."""

    def __init__(self, folder):
        from pathlib import Path

        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def send(self, msg: Message) -> None:
        name = msg["Message-ID"].strip("<>").partition("@")[0]
        tmp = self.folder / f".{name}.tmp"
        tmp.write_bytes(msg.as_bytes())
        tmp.replace(self.folder / f"{name}.eml")

    def close(self) -> None:
        pass

"""Mail out over SMTP (smtplib): one reused connection, STARTTLS or implicit TLS, AUTH.

``send`` raises ``SendFailure`` carrying the SMTP code (None when the relay never answered:
refused, timed out, dropped), which the domain classifies as transient or permanent.
"""

from __future__ import annotations

import base64
import email.utils
import functools
import smtplib
import ssl
import time
import uuid
from dataclasses import dataclass
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
CRLF = "\r\n"


@dataclass(frozen=True)
class Mail:
    """A mail as the relay takes it: the envelope and the whole message, CRLF line ends."""

    envelope_from: str
    to: str
    message_id: str
    data: bytes
    smtputf8: bool = False  # an address outside ASCII: only a relay offering SMTPUTF8 may take it


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
) -> Mail:
    """The mail for a notice: plain text and HTML alternatives, UTF-8 (and the attached file, if any)."""
    envelope_from = _envelope_address(sender)
    mid = message_id(notice_id, id_domain)
    language = language.replace("_", "-") if "+" not in language else "ja, en"
    common = {
        "Date": email.utils.formatdate(localtime=False, usegmt=True),
        "Message-ID": mid,
        "Auto-Submitted": "auto-generated",  # RFC 3834: no vacation replies to us
        "X-Zairyu-Notice-Type": notice_type,
    }
    if (sender + to).isascii() and not attachment:  # the two mails of every application
        headers = {"From": _from_header(sender), "To": to, "Subject": subject, **common, "Content-Language": language}
        return Mail(envelope_from, to, mid, _write_alternative(headers, text, html))
    msg = _build_message(sender=sender, to=to, subject=subject, text=text, html=html, language=language, common=common)
    if attachment:
        msg = _with_attachment(msg, attachment)
    smtputf8 = not (envelope_from + to).isascii()
    # As smtplib.send_message flattened it: CRLF, and a mail to an address outside ASCII as UTF-8 (SMTPUTF8).
    policy = SMTP_POLICY.clone(utf8=True) if smtputf8 else msg.policy.clone(linesep=CRLF)
    return Mail(envelope_from, to, mid, msg.as_bytes(policy=policy), smtputf8)


@functools.lru_cache(maxsize=16)
def _envelope_address(sender: str) -> str:
    return email.utils.parseaddr(sender)[1]


@functools.lru_cache(maxsize=16)
def _from_header(sender: str) -> str:
    return email.utils.formataddr(email.utils.parseaddr(sender), charset="utf-8")


def _write_alternative(headers: dict[str, str], text: str, html: str) -> bytes:
    """The plain-text and HTML alternatives as bytes, written directly: what the compat32 classes and their
    generator wrote (the same headers, parts and base64 bodies) at a tenth of the CPU (bench_notify), since
    nothing here needs their parsing, folding or boundary search. The boundary cannot occur in a base64 body."""
    boundary = f"=_zairyu_{uuid.uuid4().hex}"
    lines = [f'Content-Type: multipart/alternative;{CRLF} boundary="{boundary}"{CRLF}MIME-Version: 1.0{CRLF}']
    lines.extend(_header(name, value) for name, value in headers.items())
    for subtype, content in (("plain", text), ("html", html)):
        lines.append(
            f"{CRLF}--{boundary}{CRLF}"
            f'Content-Type: text/{subtype}; charset="utf-8"{CRLF}MIME-Version: 1.0{CRLF}'
            f"Content-Transfer-Encoding: base64{CRLF}{CRLF}"
            + base64.encodebytes(content.encode("utf-8")).decode("ascii").replace("\n", CRLF)
        )
    lines.append(f"{CRLF}--{boundary}--{CRLF}")
    return "".join(lines).encode("ascii")


def _header(name: str, value: str) -> str:
    """One header: as it is when it is ASCII on one line of at most 78 characters (every header but some
    subjects); outside ASCII, RFC 2047 encoded-words (every subject not in English); else folded by the
    stdlib's Header (which also refuses a value smuggling in a header of its own)."""
    one_line = "\n" not in value and "\r" not in value
    if one_line and value.isascii() and len(name) + 2 + len(value) <= 78:
        return f"{name}: {value}{CRLF}"
    if one_line and not value.isascii():
        return f"{name}: {_encoded_words(value, len(name) + 2)}{CRLF}"
    charset = "us-ascii" if value.isascii() else "utf-8"
    return f"{name}: {Header(value, charset, header_name=name).encode(linesep=CRLF)}{CRLF}"


def _encoded_words(value: str, indent: int) -> str:
    """``value`` as RFC 2047 "B" encoded-words of UTF-8, one a line: each holds whole characters (section 5) and
    each line, the first after the header's name, stays within 76 characters (section 2). Read as the stdlib's
    Header wrote it, at a quarter of the instructions (its fitting of each line by trial encodings: 0.46M a
    Vietnamese subject, 4% of notify's work an application, issue 24)."""
    room = (76 - indent - len("=?utf-8?b??=")) // 4 * 3  # bytes whose base64 fits a line
    words, chunk = [], b""
    for char in value:
        encoded = char.encode("utf-8")
        if chunk and len(chunk) + len(encoded) > room:
            words.append(chunk)
            chunk = b""
        chunk += encoded
    words.append(chunk)
    return f"{CRLF} ".join(f"=?utf-8?b?{base64.b64encode(word).decode('ascii')}?=" for word in words)


def _with_attachment(msg: Message, attachment: dict) -> Message:
    """multipart/mixed: the text/HTML alternatives, then the file byte for byte (a sealed e-COE must not change)."""
    data = base64.b64decode(attachment["b64"])
    maintype, _, subtype = attachment["media_type"].partition("/")
    if isinstance(msg, EmailMessage):  # the SMTPUTF8 mail: its own API makes it multipart/mixed
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=attachment["filename"])
        return msg
    outer = MIMEMultipart("mixed")
    for name, value in msg.items():
        if not name.lower().startswith(("content-", "mime-version")):
            outer[name] = value
    body = MIMEMultipart("alternative")
    for part in msg.get_payload() if msg.is_multipart() else [msg]:
        body.attach(part)
    outer["Content-Language"] = msg["Content-Language"]
    outer.attach(body)
    file_part = MIMEBase(maintype, subtype)
    file_part.set_payload(data)
    encoders.encode_base64(file_part)
    file_part.add_header("Content-Disposition", "attachment", filename=attachment["filename"])
    outer.attach(file_part)
    return outer


def _build_message(*, sender: str, to: str, subject: str, text: str, html: str, language: str, common: dict) -> Message:
    """The mail through the stdlib's classes: for an address outside ASCII (SMTPUTF8, which needs the modern
    EmailMessage API) and for a mail with a file attached (compat32 otherwise: the modern API parses and
    refolds every header)."""
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
    mime["From"] = _from_header(sender)
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

    def send(self, mail: Mail) -> None: ...

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

    def send(self, mail: Mail) -> None:
        try:
            if self._conn is not None and time.monotonic() - self._last_used > IDLE_RECONNECT_SECONDS:
                self.close()
            if self._conn is None:
                self._conn = self._connect()
            options = ("SMTPUTF8", "BODY=8BITMIME") if mail.smtputf8 else ()  # what send_message asked for it
            refused = self._conn.sendmail(mail.envelope_from, [mail.to], mail.data, mail_options=options)
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

    def send(self, mail: Mail) -> None:
        name = mail.message_id.strip("<>").partition("@")[0]
        tmp = self.folder / f".{name}.tmp"
        tmp.write_bytes(mail.data)
        tmp.replace(self.folder / f"{name}.eml")

    def close(self) -> None:
        pass

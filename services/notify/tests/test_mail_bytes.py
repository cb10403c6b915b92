"""The two mails of every application are written as bytes directly (issue 24: the stdlib's classes and generator
cost most of notify's sending); what a mail client reads must be what the compat32 classes wrote."""

from __future__ import annotations

import io
from email import message_from_bytes, policy
from email.errors import HeaderParseError
from email.generator import BytesGenerator

import pytest

from notify.adapters.smtp import CRLF, build_message
from notify.adapters.smtp import _build_message as stdlib_message

SUBJECTS = [
    "Zairyu: application received",
    "Zairyu: a subject in plain ASCII long enough that it has to be folded over two lines or more",
    "Zairyu: Đã nhận hồ sơ của bạn (TKY-2026-000001)",
    "在留申請を受け付けました（受付番号 TKY-2026-000001）／ 在留期間更新許可申請 ／ 東京出入国在留管理局",
    # characters of 1 to 4 bytes, at every place a word could end: none may be cut in two (RFC 2047 section 5)
    "Số tiếp nhận TKY-2026-000123: đơn của bạn đang được xử lý " + "a🎌ệ東" * 20,
    "🎌" * 40,
]
TEXT = "Xin chào NGUYEN VAN AN,\n\nHồ sơ của bạn đã được tiếp nhận.\n\n-- \nZairyu\n" * 3
HTML = "<!doctype html><html lang=vi><body><p>Hồ sơ của bạn đã được tiếp nhận.</p></body></html>\n"


def _mail(subject: str, to: str = "an@example.jp", sender: str = "Zairyu <noreply@zairyu.example.jp>", **extra):
    return build_message(
        notice_id="0b8e7d3c-1f7a-4c52-9d1e-2a3b4c5d6e7f",
        sender=sender,
        to=to,
        subject=subject,
        text=TEXT,
        html=HTML,
        language="vi",
        notice_type="application_received",
        id_domain="zairyu.example.jp",
        **extra,
    )


def _as_the_stdlib_wrote_it(mail) -> bytes:
    """The same mail through the compat32 classes and their generator (the code before issue 24)."""
    parsed = message_from_bytes(mail.data, policy=policy.default)
    common = {name: parsed[name] for name in ("Date", "Message-ID", "Auto-Submitted", "X-Zairyu-Notice-Type")}
    msg = stdlib_message(
        sender="Zairyu <noreply@zairyu.example.jp>",
        to=mail.to,
        subject=str(parsed["Subject"]),
        text=TEXT,
        html=HTML,
        language="vi",
        common=common,
    )
    out = io.BytesIO()
    BytesGenerator(out).flatten(msg, linesep=CRLF)
    return out.getvalue()


def _read(data: bytes) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """What a mail client sees: the headers (decoded, boundary aside) and each part's type, charset and text."""
    msg = message_from_bytes(data, policy=policy.default)
    headers = [(name, str(value)) for name, value in msg.items() if name != "Content-Type"]
    headers.append(("Content-Type", msg.get_content_type()))
    parts = [(p.get_content_type(), p.get_content_charset(), p.get_content()) for p in msg.iter_parts()]
    return headers, parts


@pytest.mark.parametrize("subject", SUBJECTS)
def test_a_mail_reads_as_the_stdlib_classes_wrote_it(subject):
    mail = _mail(subject)
    assert not mail.smtputf8 and mail.envelope_from == "noreply@zairyu.example.jp" and mail.to == "an@example.jp"
    assert _read(mail.data) == _read(_as_the_stdlib_wrote_it(mail))
    headers, parts = _read(mail.data)
    assert dict(headers)["Subject"] == subject
    assert parts == [("text/plain", "utf-8", TEXT), ("text/html", "utf-8", HTML)]
    # SMTP wants CRLF line ends and lines of at most 78 characters (RFC 5322 2.1.1)
    assert b"\n" not in mail.data.replace(b"\r\n", b"")
    assert max(len(line) for line in mail.data.split(b"\r\n")) <= 78


def test_a_subject_cannot_add_a_header_of_its_own():
    # refused, as the compat32 generator refused it
    with pytest.raises(HeaderParseError):
        _mail("Zairyu\r\nBcc: someone@example.org")


def test_an_address_outside_ascii_goes_out_as_utf8_for_an_smtputf8_relay():
    mail = _mail("Zairyu", to="ファイラー@例え.jp")
    assert mail.smtputf8
    msg = message_from_bytes(mail.data, policy=policy.default)
    assert msg["To"] == "ファイラー@例え.jp"
    # 8bit UTF-8 bodies, sent with CRLF line ends (as smtplib.send_message sent them)
    assert [p.get_content().replace("\r\n", "\n") for p in msg.iter_parts()] == [TEXT, HTML]

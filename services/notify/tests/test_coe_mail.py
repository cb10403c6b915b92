"""The e-COE reaches the filer attached to the mail byte for byte, so it still verifies after the trip."""

from __future__ import annotations

import base64
import email

import samples

from notify.adapters.catalogue import Catalogue
from notify.adapters.smtp import build_message
from notify.domain.notices import ApplicationInfo, plan


def test_the_coe_notice_carries_the_pdf_on_its_e_mail_copy_only():
    event = [e for e in samples.all_notice_events() if e.type == "coe.issued"][0]
    info = ApplicationInfo(samples.APPLICATION, samples.APPLICANT, "tokyo", "coe", samples.PROVISIONAL, samples.RECEIPT)
    [p] = plan(event.type, event.data, info)
    assert p.notice_type == "coe_issued" and p.attachment["filename"] == f"{samples.COE_ID}.pdf"
    assert base64.b64decode(p.attachment["b64"]) == base64.b64decode(samples.COE_PDF_B64)
    rendered = Catalogue().render(p.notice_type, "vi", p.context, name="AN", portal_url="https://p")
    assert "PDF" in rendered.text and samples.COE_ID in rendered.text


def test_the_mail_attaches_the_file_unchanged_beside_the_text_and_html():
    sealed = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%ZAIRYU-SIGNATURE abc=\n"
    for to in ("filer@example.jp", "ファイラー@例え.jp"):  # the compat32 path and the SMTPUTF8 one
        mail = build_message(
            notice_id="n-1",
            sender="Zairyu <noreply@zairyu.example.jp>",
            to=to,
            subject="COE",
            text="text body",
            html="<p>html body</p>",
            language="en",
            notice_type="coe_issued",
            id_domain="zairyu.example.jp",
            attachment={
                "filename": "COE-0123456789ABCDEF.pdf",
                "media_type": "application/pdf",
                "b64": base64.b64encode(sealed).decode(),
            },
        )
        parsed = email.message_from_bytes(mail.data)
        assert parsed.get_content_type() == "multipart/mixed" and parsed["X-Zairyu-Notice-Type"] == "coe_issued"
        files = [part for part in parsed.walk() if part.get_filename()]
        assert [f.get_filename() for f in files] == ["COE-0123456789ABCDEF.pdf"]
        assert files[0].get_payload(decode=True) == sealed
        kinds = {part.get_content_type() for part in parsed.walk()}
        assert {"text/plain", "text/html", "application/pdf"} <= kinds

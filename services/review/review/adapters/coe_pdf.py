"""The e-COE as a PDF (reportlab): what it certifies, its validity, the DEMO label, a QR to the public check."""

from __future__ import annotations

import io
from typing import Any

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "HeiseiKakuGo-W5"  # reportlab's built-in Japanese CID font: no font file needed
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def render(payload: dict[str, Any]) -> bytes:
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4, invariant=1)  # invariant: no timestamp or random id in the file
    certificate = payload.get("type") == "employment_certificate"
    pdf.setTitle("Certificate of authorised employment" if certificate else "Certificate of Eligibility (e-COE)")
    width, height = A4
    y = height - 30 * mm
    pdf.setFont(FONT, 18)
    pdf.drawString(
        20 * mm,
        y,
        "就労資格証明書 / Certificate of Authorised Employment"
        if certificate
        else "在留資格認定証明書 / Certificate of Eligibility",
    )
    if payload.get("demo"):
        pdf.setFont(FONT, 14)
        pdf.drawString(20 * mm, y - 10 * mm, "DEMO — not a real document / 見本")
    y -= 24 * mm
    holder = payload["holder"]
    rows = [
        ("文書番号 Document number", payload["document_id"]),
        ("受付番号 Receipt number", payload["receipt_number"]),
        ("氏名 Name", holder.get("name") or ""),
        ("生年月日 Date of birth", holder.get("date_of_birth") or ""),
        ("国籍 Nationality", holder.get("nationality") or ""),
        ("性別 Sex", holder.get("sex") or ""),
        ("在留資格 Status of residence", f"{payload['status_ja']} / {payload['status_en']}"),
        ("交付日 Issued on", payload["issued_on"]),
        ("有効期限 Valid until", payload["valid_until"]),
        ("交付官署 Issued by", payload["issuer"]),
        ("署名鍵 Signing key", payload["kid"]),
    ]
    if payload.get("activity"):
        rows.insert(7, ("就労活動 Authorised work", str(payload["activity"])[:60]))
    for label, value in rows:
        pdf.setFont(FONT, 9)
        pdf.drawString(20 * mm, y, label)
        pdf.setFont(FONT, 12)
        pdf.drawString(80 * mm, y, str(value))
        y -= 9 * mm
    qr = io.BytesIO()
    segno.make(payload["verify_url"], error="m").save(qr, kind="png", scale=4, border=2)
    qr.seek(0)
    pdf.drawImage(ImageReader(qr), 20 * mm, y - 45 * mm, 40 * mm, 40 * mm)
    pdf.setFont(FONT, 9)
    pdf.drawString(65 * mm, y - 10 * mm, "確認 Check: " + payload["verify_url"])
    pdf.drawString(65 * mm, y - 16 * mm, "この PDF は電子署名付きです。改変すると検証に失敗します。")
    pdf.drawString(65 * mm, y - 22 * mm, "Signed: any change to this file makes the check fail. Forward it as it is.")
    pdf.showPage()
    pdf.save()
    return buf.getvalue()

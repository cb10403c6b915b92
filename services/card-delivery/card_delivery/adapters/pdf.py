"""Printed mailroom papers: the dispatch list and the address labels of one batch (reportlab).

Japanese text uses reportlab's built-in CID font (HeiseiKakuGo-W5): no font file ships with us,
the PDF viewer supplies the glyphs.
"""

from __future__ import annotations

import io
from datetime import datetime

from reportlab.graphics.barcode import code128
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

FONT = "HeiseiKakuGo-W5"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def reference(delivery_id: str) -> str:
    """The short case reference printed on labels and typed/scanned in the mailroom."""
    return delivery_id.replace("-", "")[:12].upper()


def dispatch_list(cases, batch: int, printed_at: datetime) -> bytes:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"Dispatch list, batch {batch}",
        author="Zairyu card delivery",
    )
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=8.5, leading=11)
    head = ParagraphStyle("head", parent=cell, fontSize=12, leading=16)
    rows = [["#", "Reference", "Name / 氏名", "〒", "Address / 住所", "Card / 在留カード番号", "Tracking / 追跡番号"]]
    for i, case in enumerate(cases, start=1):
        rows.append(
            [
                str(i),
                reference(case.delivery_id),
                Paragraph(_esc(case.name), cell),
                case.postal_code or "",
                Paragraph(_esc(case.mailing_address), cell),
                case.card_number or "",
                "",
            ]
        )
    table = Table(rows, colWidths=[8 * mm, 30 * mm, 45 * mm, 20 * mm, 95 * mm, 35 * mm, 40 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 8.5),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    title = Paragraph(
        f"簡易書留 発送リスト / Dispatch list — batch {batch} — {len(cases)} cards — {printed_at:%Y-%m-%d %H:%M} UTC",
        head,
    )
    doc.build([title, table])
    return buf.getvalue()


LABEL_COLUMNS, LABEL_ROWS = 2, 6


def address_labels(cases) -> bytes:
    """A4 sheets of 2 × 6 labels: postal code, address, name, and the case reference as Code 128."""
    buf = io.BytesIO()
    page_w, page_h = A4
    pdf = canvas.Canvas(buf, pagesize=A4)
    pdf.setTitle("Address labels")
    margin_x, margin_y = 8 * mm, 10 * mm
    w = (page_w - 2 * margin_x) / LABEL_COLUMNS
    h = (page_h - 2 * margin_y) / LABEL_ROWS
    per_page = LABEL_COLUMNS * LABEL_ROWS
    for i, case in enumerate(cases):
        if i and i % per_page == 0:
            pdf.showPage()
        slot = i % per_page
        left = margin_x + (slot % LABEL_COLUMNS) * w
        label_top = page_h - margin_y - (slot // LABEL_COLUMNS) * h
        x, y = left + 5 * mm, label_top - 8 * mm
        pdf.setFont(FONT, 10)
        if case.postal_code:
            pdf.drawString(x, y, f"〒{case.postal_code}")
        for line in _wrap(case.mailing_address, 30)[:3]:  # 3 lines of 30 fit above the name
            y -= 5 * mm
            pdf.drawString(x, y, line)
        pdf.setFont(FONT, 13)
        pdf.drawString(x, y - 7 * mm, f"{case.name} 様")
        # The reference as Code 128 at the label's foot: scanned back in the mailroom.
        bottom = label_top - h
        code128.Code128(reference(case.delivery_id), barHeight=7 * mm, barWidth=0.9).drawOn(pdf, left, bottom + 5 * mm)
        pdf.setFont(FONT, 7)
        pdf.drawString(x, bottom + 2 * mm, reference(case.delivery_id))
    if not cases:
        pdf.setFont(FONT, 11)
        pdf.drawString(margin_x, page_h - 20 * mm, "No cards ready for dispatch / 発送待ちのカードはありません")
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def _wrap(text: str, width: int) -> list[str]:
    lines, current = [], ""
    for ch in text:
        current += ch
        if len(current) >= width:
            lines.append(current)
            current = ""
    if current:
        lines.append(current)
    return lines


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

"""PDFs for the applicant: printable copy, e-receipt with a QR code to the public check, fee slip.

reportlab's built-in Japanese CID font (HeiseiKakuGo-W5) renders kana and kanji without font files;
the QR code (segno) is drawn as vector squares, so nothing is fetched or rasterised.
"""
from __future__ import annotations

import io

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "HeiseiKakuGo-W5"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


class _Page:
    def __init__(self, title: str):
        self.buf = io.BytesIO()
        self.c = canvas.Canvas(self.buf, pagesize=A4, invariant=1)
        self.c.setTitle(title)
        self.y = A4[1] - 25 * mm
        self.heading(title)

    def heading(self, text: str) -> None:
        self.c.setFont(FONT, 16)
        self.c.drawString(20 * mm, self.y, text)
        self.y -= 12 * mm

    def line(self, label: str, value: str) -> None:
        if self.y < 25 * mm:
            self.c.showPage()
            self.y = A4[1] - 25 * mm
        self.c.setFont(FONT, 9)
        self.c.drawString(20 * mm, self.y, str(label)[:60])
        self.c.setFont(FONT, 10)
        for i, chunk in enumerate(_wrap(str(value), 60) or [""]):
            self.c.drawString(85 * mm, self.y - i * 5 * mm, chunk)
        self.y -= max(1, len(_wrap(str(value), 60))) * 5 * mm + 2 * mm

    def qr(self, data: str, size_mm: float = 40) -> None:
        matrix = segno.make(data, error="m").matrix
        n = len(matrix)
        cell = size_mm * mm / n
        x0, y0 = A4[0] - 20 * mm - size_mm * mm, A4[1] - 20 * mm - size_mm * mm
        self.c.setFillColorRGB(0, 0, 0)
        for r, row in enumerate(matrix):
            for col, dark in enumerate(row):
                if dark:
                    self.c.rect(x0 + col * cell, y0 + (n - 1 - r) * cell, cell, cell, stroke=0, fill=1)

    def done(self) -> bytes:
        self.c.showPage()
        self.c.save()
        return self.buf.getvalue()


def _wrap(text: str, width: int) -> list[str]:
    out = []
    for para in text.split("\n"):
        while len(para) > width:
            out.append(para[:width])
            para = para[width:]
        out.append(para)
    return out


def application_copy(title: str, rows: list[tuple[str, str]]) -> bytes:
    page = _Page(title)
    for label, value in rows:
        page.line(label, value)
    return page.done()


def e_receipt(title: str, rows: list[tuple[str, str]], verify_url: str) -> bytes:
    page = _Page(title)
    page.qr(verify_url)
    for label, value in rows:
        page.line(label, value)
    page.line("URL", verify_url)
    return page.done()


def fee_slip(title: str, rows: list[tuple[str, str]], note: str, paid: str | None = None) -> bytes:
    page = _Page(title)
    for label, value in rows:
        page.line(label, value)
    page.y -= 10 * mm
    if paid:  # paid online: a stamp-like mark instead of the box for revenue stamps
        page.c.setLineWidth(2)
        page.c.rect(20 * mm, page.y - 20 * mm, 120 * mm, 20 * mm)
        page.c.setFont(FONT, 14)
        page.c.drawString(25 * mm, page.y - 12 * mm, paid[:48])
        return page.done()
    page.c.rect(20 * mm, page.y - 50 * mm, 80 * mm, 50 * mm)  # where revenue stamps go, if paid on paper
    page.c.setFont(FONT, 9)
    page.c.drawString(22 * mm, page.y - 5 * mm, note)
    return page.done()


def payment_receipt(title: str, rows: list[tuple[str, str]], note: str = "") -> bytes:
    page = _Page(title)
    for label, value in rows:
        page.line(label, value)
    if note:
        page.y -= 6 * mm
        page.c.setFont(FONT, 11)
        page.c.drawString(20 * mm, page.y, note)
    return page.done()

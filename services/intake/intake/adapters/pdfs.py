"""PDFs for the applicant: printable copy, draft, e-receipt with a QR code to the public check, fee slip,
payment receipt.

HTML (templates/document.html) laid out by WeasyPrint: Pango and HarfBuzz shape every script (Vietnamese
stacked diacritics, Devanagari conjuncts, CJK), fontconfig falls back per character between the Noto
families below, and the fonts are embedded as subsets with their text mapping, so the PDF prints the
same everywhere and its text can be searched and copied. Before rendering we check that the fonts
are installed (fonts.py): a missing one is an error naming its package, never a page of boxes.

The title and the QR code sit in two columns of one table, the rows in a fixed-layout table whose
cells wrap long words: nothing overlaps or runs off the page, whatever the language's length.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import segno
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from . import fonts

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
# The first family that has a character draws it: Latin and Vietnamese in Noto Sans, Nepali in Noto Sans
# Devanagari, Han characters in the CJK face of the document's language (Japanese forms elsewhere: the
# bureaus' names are Japanese).
_LATIN, _DEVANAGARI = '"Noto Sans"', '"Noto Sans Devanagari"'
_CJK = {"ja": '"Noto Sans CJK JP"', "zh_Hans": '"Noto Sans CJK SC"', "ko": '"Noto Sans CJK KR"'}
_HTML_LANG = {"zh_Hans": "zh-Hans", "pt_BR": "pt-BR"}


@dataclass(frozen=True)
class Row:
    label: str
    value: str
    label_ja: str = ""  # the Japanese label under a translated one, as on the bilingual official form
    mono: bool = False  # codes and digests: a smaller, spaced face


@dataclass(frozen=True)
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)
    title_ja: str = ""


def font_stack(lang: str) -> str:
    if lang == "ja":
        return ", ".join((_CJK["ja"], _LATIN, _DEVANAGARI))
    return ", ".join((_LATIN, _DEVANAGARI, _CJK.get(lang, _CJK["ja"]), _CJK["ja"]))


def _rows(rows) -> list[Row]:
    out = []
    for row in rows:
        if isinstance(row, Row):
            out.append(row)
        else:
            label, value, *rest = row
            out.append(Row(str(label), "" if value is None else str(value), str(rest[0]) if rest else ""))
    return out


def _sections(content) -> list[Section]:
    """Sections as given, or one untitled section for a plain list of (label, value) rows."""
    content = list(content)
    if content and all(isinstance(s, Section) for s in content):
        return content
    return [Section("", _rows(content))]


def _current_lang() -> str:
    """The request's language when called from a page; Japanese otherwise."""
    try:
        from zairyu_shared.flask_translations import page_language

        return page_language()  # the contract's code (tl, not Babel's fil_PH)
    except Exception:  # outside a request (a command): no locale to follow
        return "ja"


def qr_data_uri(data: str) -> str:
    # 4-module quiet zone kept in the image, so the reserved column includes it; pixels are whole modules.
    return segno.make(data, error="m").png_data_uri(scale=8, border=4)


def render(
    title: str,
    content,
    *,
    lang: str | None = None,
    title_ja: str = "",
    qr: str | None = None,
    qr_caption: str = "",
    lead: str = "",
    note: str = "",
    paid: str = "",
    stamps: str = "",
    footer: str = "",
    sample: bool = False,
) -> bytes:
    """One document. ``content``: a list of Sections, or of (label, value[, label_ja]) rows."""
    fonts.require()
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    lang = lang or _current_lang()
    page = _TEMPLATES.get_template("document.html").render(
        title=title,
        title_ja=title_ja if title_ja != title else "",
        html_lang=_HTML_LANG.get(lang, lang),
        fonts=Markup(font_stack(lang)),
        sections=_sections(content),
        qr=qr_data_uri(qr) if qr else None,
        qr_caption=qr_caption,
        lead=lead,
        note=note,
        paid=paid,
        stamps=stamps,
        sample=sample,
        footer_css=_css_string(footer),
    )
    # Only the QR code's data: URI is ever loaded: no file or network fetch, whatever a template holds.
    document = HTML(string=page, url_fetcher=URLFetcher(allowed_protocols={"data"}))
    with _RENDERING:
        return document.write_pdf(font_config=_font_configuration())


# One WeasyPrint font configuration for the process. Without it WeasyPrint makes one per document, which
# loads the Noto CJK faces (tens of MB) again each time: a web worker's RSS swung between 280 and 780 MB over
# 200 Japanese e-receipts (the pod's memory limit is 640 Mi). Shared, it stays near 220 MB.
# Pango's font map is not thread-safe, so one document renders at a time (`make run` serves in threads).
_RENDERING = threading.Lock()
_FONT_CONFIGURATION: tuple[int, object] | None = None


def _font_configuration():
    global _FONT_CONFIGURATION
    from weasyprint.text.fonts import FontConfiguration

    # By pid: a configuration made before a fork (a preloading server) is not carried into the child.
    if _FONT_CONFIGURATION is None or _FONT_CONFIGURATION[0] != os.getpid():
        _FONT_CONFIGURATION = (os.getpid(), FontConfiguration())
    return _FONT_CONFIGURATION[1]


def _css_string(text: str) -> Markup:
    # Inside a CSS string in <style> (raw text: entities are not decoded there), so nothing of the data
    # may end the string or the element.
    return Markup(re.sub(r'[\\"<>&\n\r]', " ", text))


def application_copy(title: str, content, **kwargs) -> bytes:
    return render(title, content, **kwargs)


def e_receipt(title: str, content, verify_url: str, **kwargs) -> bytes:
    return render(title, content, qr=verify_url, **kwargs)


def fee_slip(title: str, content, note: str, paid: str | None = None, **kwargs) -> bytes:
    # Paid online: a stamp-like mark instead of the box for revenue stamps.
    if paid:
        return render(title, content, paid=paid, **kwargs)
    return render(title, content, stamps=note, **kwargs)


def payment_receipt(title: str, content, note: str = "", **kwargs) -> bytes:
    return render(title, content, note=note, **kwargs)

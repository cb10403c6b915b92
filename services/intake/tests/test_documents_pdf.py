"""The applicant's PDFs as a person holds them, in all eight languages: `zairyu-intake sample-documents`
writes them; poppler (what most Linux viewers use) says whether every font is embedded, what text comes
out and where each word sits, and nothing may overlap the QR code, another word or the page's edge.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from datetime import timedelta
from pathlib import Path

import pytest
from babel.support import Translations

from intake.adapters import fonts
from intake.domain import official_form
from intake.entrypoints import samples
from zairyu_shared.testing import unavailable

TRANSLATIONS = Path(samples.__file__).with_name("translations")
TITLES = {
    "e-receipt": "Proof of a pending application (e-receipt)",
    "application-copy": "Application (copy)",
    "draft": "Draft application: not signed, not submitted",
    "fee-slip": "Fee slip",
    "fee-slip-paid": "Fee slip",
    "payment-receipt": "Payment receipt: residence procedure fee",
}


def _need_tools() -> None:
    for tool in ("pdffonts", "pdftotext"):
        if shutil.which(tool) is None:
            unavailable(f"{tool} not found: apt-get install poppler-utils (scripts/system-deps.sh)")
    gone = fonts.missing()
    if gone:
        unavailable(str(fonts.FontsMissing(gone)))


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "intake.entrypoints.cli", *args], capture_output=True, text=True, timeout=600, env=env
    )


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    """Every language's sample documents, written once by the command."""
    _need_tools()
    out = tmp_path_factory.mktemp("samples")
    done = _cli("sample-documents", "--lang", "all", "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out


def pdffonts(path: Path) -> list[dict]:
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()
    header, rule, *rows = lines
    # Columns by the rule's dashes: a font's name or type may hold spaces.
    spans = [(m.start(), m.end()) for m in re.finditer(r"-+", rule)]
    names = ["name", "type", "encoding", "emb", "sub", "uni", "object", "id"]
    return [{n: row[a : b + 1].strip() for n, (a, b) in zip(names, spans, strict=False)} for row in rows]


def pdftext(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def words(path: Path) -> list[dict]:
    """Every word of every page with its box (points, origin top left), from ``pdftotext -bbox``."""
    out = subprocess.run(
        ["pdftotext", "-bbox", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', out, re.S)
    found = []
    for number, (width, height, body) in enumerate(pages):
        for m in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', body
        ):
            found.append(
                {
                    "page": number,
                    "box": tuple(float(v) for v in m.groups()[:4]),
                    "text": html.unescape(m.group(5)),
                    "page_size": (float(width), float(height)),
                }
            )
    return found


def images(path: Path) -> list[dict]:
    """Where each image is drawn (the QR code), from the content stream's transformation at each ``Do``."""
    from pypdf import PdfReader

    found = []
    for number, page in enumerate(PdfReader(str(path)).pages):
        height = float(page.mediabox.height)

        def visit(op, args, cm, tm, number=number, height=height):
            if op == b"Do":
                xs, ys = (cm[4], cm[4] + cm[0] + cm[2]), (cm[5], cm[5] + cm[1] + cm[3])
                found.append({"page": number, "box": (min(xs), height - max(ys), max(xs), height - min(ys))})

        page.extract_text(visitor_operand_before=visit)
    return found


def _overlap(a: tuple, b: tuple, slack: float = 0.5) -> bool:
    return a[0] < b[2] - slack and b[0] < a[2] - slack and a[1] < b[3] - slack and b[1] < a[3] - slack


def layout_problems(path: Path, margin: float = 20.0) -> list[str]:
    """Words over the QR code, words over words, words off the page or in its last margin."""
    problems = []
    ws = words(path)
    for image in images(path):
        problems += [
            f"{w['text']!r} under the QR code"
            for w in ws
            if w["page"] == image["page"] and _overlap(w["box"], image["box"])
        ]
    for i, a in enumerate(ws):
        width, height = a["page_size"]
        x0, y0, x1, y1 = a["box"]
        if x0 < margin or y0 < margin or x1 > width - margin or y1 > height - margin:
            problems.append(f"{a['text']!r} at {a['box']} runs off the page or into its edge")
        problems += [
            f"{a['text']!r} overlaps {b['text']!r}"
            for b in ws[i + 1 :]
            if b["page"] == a["page"] and _overlap(a["box"], b["box"])
        ]
    return problems


def _skeleton(text: str) -> str:
    """Letters only: poppler reorders Devanagari vowel signs (a PDF maps each glyph to text once, so a
    pre-base sign or a conjunct shared by two words cannot come out in reading order everywhere)."""
    return "".join(c for c in unicodedata.normalize("NFC", text) if unicodedata.category(c).startswith("L"))


def _title(lang: str, msgid: str) -> str:
    return Translations.load(str(TRANSLATIONS), [lang]).gettext(msgid)


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("lang", samples.LANGUAGES)
def test_every_document_embeds_its_fonts_and_its_title_and_holder_come_out_as_text(written, lang):
    name = unicodedata.normalize("NFC", samples.PEOPLE[lang][0])
    for kind, msgid in TITLES.items():
        path = written / f"{kind}-{lang}.pdf"
        listed = pdffonts(path)
        assert listed, f"{path.name}: no fonts"
        assert all(f["emb"] == "yes" for f in listed), (path.name, listed)  # the old one: HeiseiKakuGo, not embedded
        assert all("Noto" in f["name"] for f in listed), (path.name, listed)
        text = _flat(unicodedata.normalize("NFC", pdftext(path)))
        title = _flat(_title(lang, msgid))
        if lang == "ne":
            assert _skeleton(title).replace(" ", "") in _skeleton(text).replace(" ", ""), (path.name, text[:200])
        else:
            assert title.replace(" ", "") in text.replace(" ", ""), (path.name, title, text[:300])
        if kind in ("e-receipt", "application-copy", "draft"):
            assert name in text, (path.name, name)
        assert "見本" in text and "SAMPLE" in text  # a sample cannot pass for a real receipt


@pytest.mark.parametrize("lang", samples.LANGUAGES)
def test_the_e_receipt_ties_the_application_to_the_person(written, lang):
    text = _flat(pdftext(written / f"e-receipt-{lang}.pdf"))
    # Name, card number and the current period's expiry: what an employer checks against the card.
    assert unicodedata.normalize("NFC", samples.PEOPLE[lang][0]) in unicodedata.normalize("NFC", text)
    assert "AB12345678CD" in text and "東オン-2026-004321" in text
    assert "2027" in text and ("15" in text)  # the period of stay expires 2027-01-15 (in the language's form)
    if lang != "ja":  # the labels also in Japanese, as on the official form: it is shown to employers in Japan
        assert "在留カード番号" in text and "在留期間の満了日" in text


@pytest.mark.parametrize("lang", samples.LANGUAGES)
@pytest.mark.parametrize(
    "kind", ["e-receipt", "application-copy", "draft", "fee-slip", "fee-slip-paid", "payment-receipt"]
)
def test_nothing_overlaps_and_nothing_runs_off_the_page(written, lang, kind):
    path = written / f"{kind}-{lang}.pdf"
    if kind == "e-receipt":
        assert len(images(path)) == 1  # the QR code, drawn as one image we can place
    assert layout_problems(path) == []


def test_the_copy_follows_the_official_forms_order(written):
    text = _flat(pdftext(written / "application-copy-en.pdf"))
    order = [
        "Nationality or region",
        "Applicant's date of birth",
        "Applicant's name",
        "Applicant's sex",
        "Place of birth",
        "Marital status",
        "Occupation",
        "Home town or city",
        "Address",
        "Mobile or telephone number",
        "Passport number",
        "Passport expiry date",
        "Current status of residence",
        "Period of stay",
        "Date of expiry of the period of stay",
        "Residence card number",
        "Reason for the application",
        "Criminal record in Japan or abroad",
        "Name of the employer",
        "Corporate number",
        "Monthly salary",
        "Single or multiple re-entry",
        "Signed content SHA-256",
    ]
    at = [text.find(label) for label in order]
    assert -1 not in at, [label for label, i in zip(order, at, strict=True) if i == -1]
    assert at == sorted(at), [label for label, i in sorted(zip(order, at, strict=True), key=lambda p: p[1])]
    # and in parts with their headings, the applicant first
    headings = [text.find(h) for h in ("The applicant", "Your current stay", "Your request", "Employer and work")]
    assert -1 < headings[0] < headings[1] < headings[2] < headings[3] < text.find("Single or multiple re-entry")


def test_official_order_places_fields_it_does_not_know_and_the_filer_last():
    parts = official_form.ordered(
        {
            "reason": "x",
            "card_number": "AB12345678CD",
            "applicant_name": "TRAN THI BINH",
            "organisation_name": "Org",
            "new_coded_field": "v",
            "nationality": "Viet Nam",
        },
        identity={"date_of_birth": "2001-01-01"},
        proxy=True,
        sections={"request": ["reason", "new_coded_field"], "filer": ["organisation_name"]},
    )
    assert [p.name for p in parts] == ["identity", "stay", "request", "filer"]
    assert [n for n, _ in parts[0].fields] == ["nationality", "date_of_birth", "name"]
    assert [n for n, _ in parts[2].fields] == ["reason", "new_coded_field"]  # after the known ones, not dropped
    assert parts[3].fields == (("organisation_name", "Org"),)  # a filer's organisation, not an activity's


def test_without_the_fonts_the_command_names_the_packages_instead_of_printing_boxes(tmp_path):
    _need_tools()
    empty = tmp_path / "fonts.conf"  # a fontconfig that knows no font directory: as on a bare image
    empty.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f"<cachedir>{tmp_path}/cache</cachedir></fontconfig>"
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(empty)}
    done = _cli("sample-documents", "--lang", "vi", "--out", str(tmp_path / "out"), env=env)
    assert done.returncode == 2
    assert (
        "fonts-noto-core" in done.stderr and "fonts-noto-cjk" in done.stderr and "Noto Sans Devanagari" in done.stderr
    )
    assert not list((tmp_path / "out").glob("*.pdf"))


def test_a_missing_family_is_reported_with_its_package():
    assert fonts.missing({"Noto Sans Klingon": "fonts-noto-klingon"}) == {"Noto Sans Klingon": "fonts-noto-klingon"}
    with pytest.raises(fonts.FontsMissing, match="apt-get install fonts-noto-klingon"):
        raise fonts.FontsMissing({"Noto Sans Klingon": "fonts-noto-klingon"})


def test_the_service_says_at_start_which_fonts_are_missing_and_refuses_the_pdf(rt, monkeypatch, caplog):
    from intake.adapters import pdfs
    from intake.entrypoints.web import create_app

    monkeypatch.setitem(fonts.REQUIRED, "Noto Sans Klingon", "fonts-noto-klingon")
    fonts._checked.cache_clear()
    try:
        with caplog.at_level("ERROR", logger="intake.pdfs"):
            create_app(rt)
        assert any("apt-get install fonts-noto-klingon" in r.getMessage() for r in caplog.records)
        with pytest.raises(fonts.FontsMissing, match="fonts-noto-klingon"):  # never a PDF of boxes
            pdfs.render("Giấy biên nhận", [("Họ tên", "NGUYỄN THỊ HƯƠNG")], lang="vi")
    finally:
        monkeypatch.undo()
        fonts._checked.cache_clear()


def test_what_an_applicant_typed_is_printed_as_text_and_never_loaded(tmp_path):
    _need_tools()
    from intake.adapters import pdfs

    typed = '<img src="file:///etc/hostname"><b>NGUYEN</b>'
    path = tmp_path / "r.pdf"
    path.write_bytes(pdfs.render("Biên nhận", [("Họ tên", typed)], qr="https://x.example/verify?n=1", lang="vi"))
    assert typed in _flat(pdftext(path))
    assert len(images(path)) == 1  # the QR code only


def test_a_pdf_never_loads_a_file_from_the_server_even_if_a_template_asks(tmp_path, monkeypatch):
    _need_tools()
    import segno
    from jinja2 import DictLoader, Environment

    from intake.adapters import pdfs

    secret = tmp_path / "on-the-server.png"
    segno.make("not yours").save(str(secret), scale=4)
    monkeypatch.setattr(
        pdfs,
        "_TEMPLATES",
        Environment(loader=DictLoader({"document.html": f'<p>{{{{ title }}}}</p><img src="file://{secret}">'})),
    )
    path = tmp_path / "r.pdf"
    path.write_bytes(pdfs.render("Biên nhận", [], lang="vi"))
    assert "Biên nhận" in pdftext(path) and images(path) == []


def test_the_fee_slip_itemises_by_the_schedule_of_the_day_received_not_the_newest(tmp_path, monkeypatch):
    # Found 2026-12-07: the slip's items came from the newest schedule while its total is the one signed. Once a new
    # schedule is added, an older application's slip (where revenue stamps go) would show new items beside the old
    # total. A schedule starting after the sample's day must leave its slip as it was.
    import dataclasses

    from intake.domain import fees

    _need_tools()
    current = fees.SCHEDULES[-1]
    dearer = dataclasses.replace(
        current,
        starts=samples.NOW.date() + timedelta(days=1),
        online_yen={k: v * 2 for k, v in current.online_yen.items()},
        reentry_yen={k: v * 2 for k, v in current.reentry_yen.items()},
    )
    monkeypatch.setattr(fees, "SCHEDULES", (*fees.SCHEDULES, dearer))
    samples.write("en", tmp_path)
    text = _flat(pdftext(tmp_path / "fee-slip-en.pdf"))
    app = samples.application("en")
    items = fees.lines(app.procedure, app.bundled.split(","), "multiple", received_on=samples.NOW.date())
    assert all(f"¥{yen:,}" in text for _item, yen in items), text
    assert f"¥{2 * items[0][1]:,}" not in text and f"¥{app.fee_yen:,}" in text
    assert sum(yen for _item, yen in items) == app.fee_yen


@pytest.mark.parametrize("lang", ["vi", "ko", "pt_BR", "ja"])
def test_a_single_re_entry_permit_is_printed_as_one_journey_not_as_unmarried(client, lang):
    """The copy and the draft printed reentry_type "single" by the general word (marital status): vi "Độc thân",
    ko "미혼", pt_BR "Solteiro(a)", ja "未婚"; the review page read it by field."""
    from intake.entrypoints import documents, labels

    with client.application.test_request_context(f"/?lang={lang}", headers={"Accept-Language": lang}):
        single_permit = documents._field_value("reentry_type", "single")
        assert single_permit == labels.choice_label("reentry_type", "single")
        assert single_permit != documents._field_value("marital_status", "single")
        assert documents._field_value("reentry_type", "multiple") == labels.choice_label("reentry_type", "multiple")

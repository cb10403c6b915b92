"""What a PDF holds once opened: every object's dictionaries and the decoded size of every stream.

An officer's PDF viewer inflates every stream it shows, so a half-megabyte upload whose content stream
inflates to 512 MB is a memory bomb for the bureau, not a passport copy. We walk every indirect object
(including those packed in object streams), look for active content in its dictionaries (scripts,
launch actions, embedded files), and count what each stream decodes to against one budget per file.
Flate is counted as it is inflated, in chunks that are thrown away: checking never holds the bomb
in memory. Image codecs (DCT, JPX, CCITT, JBIG2) end the count: their output is bounded by the
image's dimensions, so those dimensions are bounded here (a 13 KB PDF once declared a 100000 x 100000
CCITT image, ten gigapixels for the officer's viewer): every image stream's /Width x /Height, the CCITT
/Columns x /Rows the decoder really uses, the JPEG, JPEG 2000 and JBIG2 headers' own sizes, and every inline
image (BI ... ID inside any content stream; /W /H) count per image and towards one total per file.

Actions that send the form, open or import another file, or launch a program are refused wherever
their dictionary sits (open action, /AA of pages, annotations and fields, /Next chains, outlines),
and so are XFA forms carrying scripts or submissions.

Looking inside the objects rather than grepping the raw bytes also stops refusing honest scans whose
compressed image data happens to contain the three bytes ``/JS``.
"""

from __future__ import annotations

import re
import zlib
from typing import Any

from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject

MAX_DECODED_BYTES = 256 * 1024 * 1024  # per file: well above a multi-page Flate-compressed colour scan
MAX_HELD_BYTES = 64 * 1024 * 1024  # Flate output kept in memory only when another filter must decode it next
MAX_OBJECTS = 200_000  # a 10 MB file of a million empty objects is a parser bomb, not a document
MAX_NESTING = 64
_CHUNK = 1 << 20
_ACTIVE_KEYS = frozenset({"/JS", "/JavaScript", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia"})
_ACTIVE_ACTIONS = frozenset({"/JavaScript", "/RichMediaExecute"})
# ISO 32000-1 12.6.4: actions that send the form's data away (SubmitForm), pull data in (ImportData),
# open another document (GoToR, GoToE) or run a program (Launch). None belongs in a passport copy.
_OUTWARD_ACTIONS = frozenset({"/SubmitForm", "/ImportData", "/GoToR", "/GoToE", "/Launch"})
_IMAGE_CODECS = frozenset({"/DCTDecode", "/DCT", "/JPXDecode", "/CCITTFaxDecode", "/CCF", "/JBIG2Decode"})
# An A4 page scanned at 600 dpi is 4961 x 7016 = 34.8 million pixels; the same bound as an uploaded photo
# or image (upload_checks.MAX_PIXELS). The file's total allows ~70 A4 pages at 300 dpi (8.7 Mpx each),
# what the 25 MB an application may upload holds as honest JPEG scans (~350 KB a page).
MAX_IMAGE_SIDE = 20_000
MAX_IMAGE_PIXELS = 40_000_000
MAX_DOCUMENT_PIXELS = 600_000_000
_WS = b"\x00\t\n\x0c\r "
_DELIMITERS = _WS + b"()<>[]{}/%"
_BEFORE_BI = frozenset(_DELIMITERS)
_BI = re.compile(rb"BI[" + re.escape(_WS) + rb"/]")  # a literal first: searched at memory speed
_SPACE = re.compile(rb"[" + re.escape(_WS) + rb"]+")
_NUMBER = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)")
_TOKEN = re.compile(
    rb"/[^"
    + re.escape(_DELIMITERS)
    + rb"]*|"
    + _NUMBER.pattern
    + rb"|<<|>>|\[|\]|[A-Za-z]+|<[0-9A-Fa-f"
    + re.escape(_WS)
    + rb"]*>|\((?:[^()\\]|\\.)*\)",
    re.DOTALL,
)
_INLINE_KEYS = {b"/W": 0, b"/Width": 0, b"/Columns": 0, b"/H": 1, b"/Height": 1, b"/Rows": 1}
_XFA_SCRIPT = re.compile(rb"<\s*(?:[A-Za-z_][\w.-]*:)?script[\s>/]", re.IGNORECASE)
_XFA_OUTWARD = re.compile(rb"<\s*(?:[A-Za-z_][\w.-]*:)?(?:submit|execute|signData)[\s>/]", re.IGNORECASE)


class TooMuch(Exception):
    """The file decodes to more than the budget (or holds too many objects)."""


class ImageTooLarge(TooMuch):
    """An image declares more pixels (or a longer side) than any scan needs."""


class Active(Exception):
    """The file carries scripts, launch actions or embedded files."""


class Outward(Active):
    """The file carries actions that submit, import, open other files or launch programs."""


class Pixels:
    """The images seen so far: each one bounded, and their total."""

    def __init__(self) -> None:
        self.total = 0

    def add(self, width: float, height: float, count: bool = True) -> None:
        if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE:
            raise ImageTooLarge(f"image side {width:g} x {height:g}")
        pixels = int(width) * int(height)
        if pixels > MAX_IMAGE_PIXELS:
            raise ImageTooLarge(f"image of {pixels} pixels")
        if count:
            self.total += pixels
            if self.total > MAX_DOCUMENT_PIXELS:
                raise ImageTooLarge(f"images of {self.total} pixels in all")


def inspect(reader) -> int:
    """Walk every object of an opened, unencrypted ``PdfReader``; return the total decoded stream size."""
    budget = MAX_DECODED_BYTES
    pixels = Pixels()
    for obj in _objects(reader):
        _refuse_active(obj, 0)
        if isinstance(obj, StreamObject):
            budget -= _decoded_size(obj, budget, pixels)
    _refuse_xfa(reader)
    return MAX_DECODED_BYTES - budget


def _objects(reader):
    numbers: set[tuple[int, int]] = set()
    for generation, table in reader.xref.items():
        numbers.update((number, generation) for number in table)
    numbers.update((number, 0) for number in reader.xref_objStm)
    if len(numbers) > MAX_OBJECTS:
        raise TooMuch(f"{len(numbers)} objects")
    for number, generation in sorted(numbers):
        obj = reader.get_object(IndirectObject(number, generation, reader))
        if obj is not None:
            yield obj


def _refuse_active(obj, depth: int) -> None:
    """Direct objects only: indirect ones are walked on their own, so cycles cannot loop us."""
    if depth > MAX_NESTING:
        raise TooMuch("nesting")
    if isinstance(obj, DictionaryObject):
        kind = _resolved(obj.get("/S"))
        if kind in _OUTWARD_ACTIONS:
            raise Outward(str(kind))
        if (
            _ACTIVE_KEYS.intersection(obj.keys())
            or kind in _ACTIVE_ACTIONS
            or _resolved(obj.get("/Type")) == "/EmbeddedFile"
            or "/EF" in obj
        ):
            raise Active(str(sorted(obj.keys())))
        for value in obj.values():
            if isinstance(value, (DictionaryObject, ArrayObject)):
                _refuse_active(value, depth + 1)
    elif isinstance(obj, ArrayObject):
        for value in obj:
            if isinstance(value, (DictionaryObject, ArrayObject)):
                _refuse_active(value, depth + 1)


def _resolved(value):
    """A dictionary value with an indirect reference followed (``/S 12 0 R`` names the action too)."""
    return value.get_object() if isinstance(value, IndirectObject) else value


def _refuse_xfa(reader) -> None:
    """XFA (the form's XML, one stream or an array of packets) with scripts or submissions."""
    acroform = _resolved(_resolved(reader.trailer.get("/Root")).get("/AcroForm"))
    if not isinstance(acroform, DictionaryObject):
        return
    xfa = _resolved(acroform.get("/XFA"))
    packets = (
        [xfa]
        if isinstance(xfa, StreamObject)
        else ([_resolved(v) for v in xfa] if isinstance(xfa, ArrayObject) else [])
    )
    for packet in packets:
        if isinstance(packet, StreamObject):
            text = _decoded(packet)
            if _XFA_SCRIPT.search(text):
                raise Active("XFA script")
            if _XFA_OUTWARD.search(text):
                raise Outward("XFA submission")


def _decoded(stream: StreamObject) -> bytes:
    """The whole decoded stream, at most MAX_HELD_BYTES (the XFA packets: a few kilobytes of XML)."""
    data = stream._data
    for position, name in enumerate(_filters(stream)):
        if name in ("/FlateDecode", "/Fl"):
            _size, data = _inflate(data, MAX_HELD_BYTES, keep=True)
        else:
            data = _decode_other(name, data, stream, position)
    return data


def _number(value) -> float:
    value = _resolved(value)
    return float(value) if isinstance(value, (int, float)) else 0.0


def _parms(stream: StreamObject, position: int):
    parms = _resolved(stream.get("/DecodeParms", stream.get("/DP")))
    if isinstance(parms, ArrayObject):
        parms = _resolved(parms[position]) if position < len(parms) else None
    return parms if isinstance(parms, DictionaryObject) else None


def _declared_image(stream: StreamObject, filters: list[str], pixels: Pixels) -> None:
    """/Width x /Height, or the larger /Columns x /Rows a CCITT decoder really allocates for."""
    width, height = _number(stream.get("/Width")), _number(stream.get("/Height"))
    for position, name in enumerate(filters):
        if name in ("/CCITTFaxDecode", "/CCF"):
            parms = _parms(stream, position)
            if parms is not None:
                width = max(width, _number(parms.get("/Columns")))
                height = max(height, _number(parms.get("/Rows")))
    pixels.add(width, height)


def _codec_size(name: str, data: bytes) -> tuple[int, int] | None:
    """The size written in a JPEG's frame header or a JPEG 2000 SIZ segment: what a decoder allocates."""
    if name in ("/DCTDecode", "/DCT"):
        return _jpeg_size(data)
    if name == "/JPXDecode":
        at = data.find(b"\xff\x4f\xff\x51")  # SOC then SIZ (ISO/IEC 15444-1 A.5.1)
        if at >= 0 and len(data) >= at + 24:
            x, y, x0, y0 = (int.from_bytes(data[at + 8 + 4 * i : at + 12 + 4 * i], "big") for i in range(4))
            return max(x - x0, 0), max(y - y0, 0)
    if name == "/JBIG2Decode":
        return _jbig2_size(data)
    return None  # CCITT: /Columns and /Rows, read with the dictionary


_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # frame headers (ITU-T T.81 B.1.1.3)
_JBIG2_REGIONS = frozenset({6, 7, 22, 23, 36, 38, 39, 42, 43})  # segments that start with region info (T.88 7.4.1)


def _jbig2_size(data: bytes) -> tuple[int, int] | None:
    """The largest page (type 48) or region a JBIG2 stream asks its decoder to allocate (ITU-T T.88 7.2:
    segment headers, as embedded in PDF without the file header)."""
    width = height = 0
    at, segments = 0, 0
    while at + 11 <= len(data) and segments < 100_000:
        segments += 1
        number = int.from_bytes(data[at : at + 4], "big")
        flags = data[at + 4]
        kind, long_page = flags & 0x3F, flags & 0x40
        at += 5
        count = data[at] >> 5
        if count == 7:
            count = int.from_bytes(data[at : at + 4], "big") & 0x1FFFFFFF
            at += 4 + (count + 8) // 8
        else:
            at += 1
        at += count * (1 if number <= 256 else 2 if number <= 65536 else 4) + (4 if long_page else 1)
        if at + 4 > len(data):
            break
        length = int.from_bytes(data[at : at + 4], "big")
        at += 4
        if (kind == 48 or kind in _JBIG2_REGIONS) and at + 8 <= len(data):
            w, h = int.from_bytes(data[at : at + 4], "big"), int.from_bytes(data[at + 4 : at + 8], "big")
            width = max(width, w)
            height = max(height, h if h != 0xFFFFFFFF else 0)  # a striped page of unknown height
        if length == 0xFFFFFFFF:
            break  # an immediate region of unknown length: nothing after it can be found
        at += length
    return (width, height) if width or height else None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    if not data.startswith(b"\xff\xd8"):
        return None
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
        elif marker == 0x01 or 0xD0 <= marker <= 0xD8:
            i += 2
        elif marker in _SOF:
            if i + 9 > len(data):
                return None
            return int.from_bytes(data[i + 7 : i + 9], "big"), int.from_bytes(data[i + 5 : i + 7], "big")
        elif marker == 0xDA:  # scan data before any frame header: not a JPEG a viewer decodes
            return None
        else:
            i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    return None


class _InlineImages:
    """Finds ``BI <dictionary> ID`` in a content stream fed in chunks and bounds each image's size.

    Only the dictionary's tokens are held; whitespace and comments between them are skipped whatever
    their length, so padding cannot push /W or /H out of sight.
    """

    def __init__(self, pixels: Pixels) -> None:
        self.pixels = pixels
        self.tail = b""
        self.skip = 0
        self.closing = False
        self.tokens: list[bytes] | None = None  # inside a BI dictionary
        self.in_comment = False

    def feed(self, chunk: bytes) -> None:
        buf = self.tail + chunk
        pos, self.tail, self.skip = self.skip, b"", 0  # kept bytes before ``skip`` are only left context
        while True:
            if self.tokens is None:
                found = _find_bi(buf, pos)
                if found < 0:
                    self.tail = buf[-3:]  # "BI" cut by the chunk's end, and the byte before it
                    self.skip = max(len(self.tail) - 2, 0)
                    return
                self.tokens, pos = [], found + 2
            pos = self._read_dictionary(buf, pos)
            if pos < 0:
                return

    def _read_dictionary(self, buf: bytes, pos: int) -> int:
        """Tokens from ``pos``; -1 when the buffer ends inside the dictionary (more is needed)."""
        end = len(buf)
        while self.tokens is not None:
            if self.in_comment:
                line_end = min((i for i in (buf.find(b"\r", pos), buf.find(b"\n", pos)) if i >= 0), default=-1)
                if line_end < 0:
                    return -1
                self.in_comment, pos = False, line_end
            space = _SPACE.match(buf, pos)
            if space:
                pos = space.end()
            if pos >= end:
                return -1
            if buf[pos : pos + 1] == b"%":
                self.in_comment, pos = True, pos + 1
                continue
            token = _TOKEN.match(buf, pos)
            if (token is None or token.end() == end) and end - pos < 4096 and not self.closing:
                self.tail = buf[pos:]  # a token (a string, a name, a number) may go on in the next chunk
                return -1
            if token is None:
                self.tokens = None  # not an inline image dictionary: look for the next BI
                return pos
            pos = token.end()
            if token.group() == b"ID":
                self._check(self.tokens)
                self.tokens = None
            elif len(self.tokens) > 512:  # a real one has a dozen entries
                self.tokens = None
            else:
                self.tokens.append(token.group())
        return pos

    def _check(self, tokens: list[bytes]) -> None:
        size = [0.0, 0.0]
        for key, value in zip(tokens, tokens[1:]):
            axis = _INLINE_KEYS.get(key)
            if axis is not None and _NUMBER.fullmatch(value):
                size[axis] = max(size[axis], float(value))
        self.pixels.add(size[0], size[1])

    def close(self) -> None:
        """The stream ended: a token cut at its very end is complete."""
        if self.tokens is not None and self.tail:
            self.closing = True
            self.feed(b" ")


def _find_bi(buf: bytes, pos: int) -> int:
    """Where "BI" stands as a token (a delimiter or nothing before, whitespace or a name after); -1 if
    nowhere. The byte before is checked by hand: a look-behind first would slow the search 40-fold,
    and this runs over every decoded byte of the file."""
    while True:
        found = _BI.search(buf, pos)
        if found is None:
            return -1
        at = found.start()
        if at == 0 or buf[at - 1] in _BEFORE_BI:
            return at
        pos = at + 1


def _is_image(stream: StreamObject, filters: list[str]) -> bool:
    return (
        _resolved(stream.get("/Subtype")) == "/Image"
        or any(f in _IMAGE_CODECS for f in filters)
        or ("/Width" in stream and "/Height" in stream)
    )


def _filters(stream: StreamObject) -> list[str]:
    value = stream.get("/Filter")
    if value is None:
        return []
    value = value.get_object()
    if isinstance(value, NameObject):
        return [str(value)]
    return [str(v.get_object()) for v in value]


def _decoded_size(stream: StreamObject, budget: int, pixels: Pixels) -> int:
    data = stream._data  # the encoded bytes as stored; pypdf decodes only on get_data()
    filters = _filters(stream)
    image = _is_image(stream, filters)
    inline = None if image else _InlineImages(pixels)  # any other stream may be drawn as content
    if image:
        _declared_image(stream, filters, pixels)
    for position, name in enumerate(filters):
        if name in _IMAGE_CODECS:
            dimensions = _codec_size(name, data)  # the codec's input is held: at most MAX_HELD_BYTES
            if dimensions is not None:
                pixels.add(*dimensions, count=False)  # the declared size counted towards the total already
            break
        last = position == len(filters) - 1
        if name in ("/FlateDecode", "/Fl"):
            size, data = _inflate(data, budget if last else min(budget, MAX_HELD_BYTES), keep=not last, sink=inline)
            if last:
                if inline is not None:
                    inline.close()
                return size
        else:
            data = _decode_other(name, data, stream, position)
        if len(data) > budget:
            raise TooMuch(name)
    if len(data) > budget:
        raise TooMuch("stream")
    if inline is not None:
        inline.feed(data)
        inline.close()
    return len(data)


def _inflate(data: bytes, budget: int, keep: bool, sink: _InlineImages | None = None) -> tuple[int, bytes]:
    """Inflate at most ``budget`` bytes, each chunk shown to ``sink`` unless kept; a corrupt tail ends
    the stream as a viewer would."""
    inflater = zlib.decompressobj()
    size, kept = 0, []
    pending = data
    try:
        while pending and not inflater.eof:
            chunk = inflater.decompress(pending, _CHUNK)
            pending = inflater.unconsumed_tail
            size += len(chunk)
            if size > budget:
                raise TooMuch("/FlateDecode")
            if keep:
                kept.append(chunk)
            elif sink is not None:
                sink.feed(chunk)
            if not chunk and not pending:
                break
    except zlib.error:
        pass
    return size, b"".join(kept)


def _decode_other(name: str, data: bytes, stream: StreamObject, position: int) -> bytes:
    """ASCIIHex/ASCII85 shrink; RunLength and LZW are capped by pypdf itself (LimitReachedError)."""
    from pypdf import filters
    from pypdf.errors import LimitReachedError

    parms = _parms(stream, position)
    decoders: dict[str, Any] = {
        "/ASCIIHexDecode": filters.ASCIIHexDecode,
        "/AHx": filters.ASCIIHexDecode,
        "/ASCII85Decode": filters.ASCII85Decode,
        "/A85": filters.ASCII85Decode,
        "/RunLengthDecode": filters.RunLengthDecode,
        "/RL": filters.RunLengthDecode,
        "/LZWDecode": filters.LZWDecode,
        "/LZW": filters.LZWDecode,
    }
    decoder = decoders.get(name)
    if decoder is None:
        raise ValueError(f"unknown filter {name}")  # judged malformed by the caller
    try:
        return decoder.decode(data, parms)
    except LimitReachedError as exc:
        raise TooMuch(name) from exc

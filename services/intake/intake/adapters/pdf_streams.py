"""What a PDF holds once opened: every object's dictionaries and the decoded size of every stream.

An officer's PDF viewer inflates every stream it shows, so a half-megabyte upload whose content stream
inflates to 512 MB is a memory bomb for the bureau, not a passport copy. We walk every indirect object
(including those packed in object streams), look for active content in its dictionaries (scripts,
launch actions, embedded files), and count what each stream decodes to against one budget per file.
Flate is counted as it is inflated, in chunks that are thrown away: checking never holds the bomb
in memory. Image codecs (DCT, JPX, CCITT, JBIG2) end the count: their output is bounded by the
image's dimensions and they are what scanners produce.

Looking inside the objects rather than grepping the raw bytes also stops refusing honest scans whose
compressed image data happens to contain the three bytes ``/JS``.
"""
from __future__ import annotations

import zlib

from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject

MAX_DECODED_BYTES = 256 * 1024 * 1024  # per file: well above a multi-page Flate-compressed colour scan
MAX_HELD_BYTES = 64 * 1024 * 1024  # Flate output kept in memory only when another filter must decode it next
MAX_OBJECTS = 200_000  # a 10 MB file of a million empty objects is a parser bomb, not a document
MAX_NESTING = 64
_CHUNK = 1 << 20
_ACTIVE_KEYS = frozenset({"/JS", "/JavaScript", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia"})
_ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/RichMediaExecute"})
_IMAGE_CODECS = frozenset({"/DCTDecode", "/DCT", "/JPXDecode", "/CCITTFaxDecode", "/CCF", "/JBIG2Decode"})


class TooMuch(Exception):
    """The file decodes to more than the budget (or holds too many objects)."""


class Active(Exception):
    """The file carries scripts, launch actions or embedded files."""


def inspect(reader) -> int:
    """Walk every object of an opened, unencrypted ``PdfReader``; return the total decoded stream size."""
    budget = MAX_DECODED_BYTES
    for obj in _objects(reader):
        _refuse_active(obj, 0)
        if isinstance(obj, StreamObject):
            budget -= _decoded_size(obj, budget)
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
        if (_ACTIVE_KEYS.intersection(obj.keys()) or obj.get("/S") in _ACTIVE_ACTIONS
                or obj.get("/Type") == "/EmbeddedFile" or "/EF" in obj):
            raise Active(str(sorted(obj.keys())))
        for value in obj.values():
            if isinstance(value, (DictionaryObject, ArrayObject)):
                _refuse_active(value, depth + 1)
    elif isinstance(obj, ArrayObject):
        for value in obj:
            if isinstance(value, (DictionaryObject, ArrayObject)):
                _refuse_active(value, depth + 1)


def _filters(stream: StreamObject) -> list[str]:
    value = stream.get("/Filter")
    if value is None:
        return []
    value = value.get_object()
    if isinstance(value, NameObject):
        return [str(value)]
    return [str(v.get_object()) for v in value]


def _decoded_size(stream: StreamObject, budget: int) -> int:
    data = stream._data  # the encoded bytes as stored; pypdf decodes only on get_data()
    filters = _filters(stream)
    for position, name in enumerate(filters):
        if name in _IMAGE_CODECS:
            break
        last = position == len(filters) - 1 or filters[position + 1] in _IMAGE_CODECS
        if name in ("/FlateDecode", "/Fl"):
            size, data = _inflate(data, budget if last else min(budget, MAX_HELD_BYTES), keep=not last)
            if last:
                return size
        else:
            data = _decode_other(name, data, stream, position)
        if len(data) > budget:
            raise TooMuch(name)
    if len(data) > budget:
        raise TooMuch("stream")
    return len(data)


def _inflate(data: bytes, budget: int, keep: bool) -> tuple[int, bytes]:
    """Inflate at most ``budget`` bytes; a corrupt tail ends the stream as a viewer would."""
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
            if not chunk and not pending:
                break
    except zlib.error:
        pass
    return size, b"".join(kept)


def _decode_other(name: str, data: bytes, stream: StreamObject, position: int) -> bytes:
    """ASCIIHex/ASCII85 shrink; RunLength and LZW are capped by pypdf itself (LimitReachedError)."""
    from pypdf import filters
    from pypdf.errors import LimitReachedError

    parms = stream.get("/DecodeParms")
    if isinstance(parms, ArrayObject):
        parms = parms[position].get_object() if position < len(parms) else None
    decoders = {"/ASCIIHexDecode": filters.ASCIIHexDecode, "/AHx": filters.ASCIIHexDecode,
                "/ASCII85Decode": filters.ASCII85Decode, "/A85": filters.ASCII85Decode,
                "/RunLengthDecode": filters.RunLengthDecode, "/RL": filters.RunLengthDecode,
                "/LZWDecode": filters.LZWDecode, "/LZW": filters.LZWDecode}
    decoder = decoders.get(name)
    if decoder is None:
        raise ValueError(f"unknown filter {name}")  # judged malformed by the caller
    try:
        return decoder.decode(data, parms)
    except LimitReachedError as exc:
        raise TooMuch(name) from exc

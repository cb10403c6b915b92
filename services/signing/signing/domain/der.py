"""A small strict DER reader: single-byte tags, definite shortest-form lengths.

asn1crypto re-encodes what it parses and cryptography decodes every extension into Python
objects; on the verification hot path both cost more than the check itself, so the few
structures we read are walked here directly.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from asn1crypto import core


class Tlv(NamedTuple):
    """One DER element. A named tuple: its fields are read by C-level accessors (this reader is called
    some sixty times per signature verified, and property calls were a good part of its cost)."""

    ident: int  # the whole identifier octet: class, constructed bit and tag
    body: bytes  # the contents
    raw: bytes  # the whole element, identifier and length included

    @property
    def cls(self) -> int:
        return self.ident >> 6

    @property
    def tag(self) -> int:
        return self.ident & 0x1F


_new_tlv = tuple.__new__  # Tlv(...) would go through NamedTuple's Python-level __new__


def children(contents: bytes) -> list[Tlv]:
    """Split DER contents into elements. Single-byte tags and definite lengths only (DER)."""
    out: list[Tlv] = []
    pointer, end = 0, len(contents)
    while pointer < end:
        if end - pointer < 2:
            raise ValueError("truncated DER element")
        first = contents[pointer]
        if first & 0x1F == 0x1F:
            raise ValueError("multi-byte tags are not used here")
        length = contents[pointer + 1]
        start = pointer + 2
        if length & 0x80:
            count = length & 0x7F
            if count == 0 or count > 4:
                raise ValueError("indefinite or oversized length where DER is required")
            length = int.from_bytes(contents[start : start + count], "big")
            if length < 0x80 or contents[start] == 0:
                raise ValueError("length not in its shortest form (DER)")
            start += count
        stop = start + length
        if stop > end:
            raise ValueError("DER element runs past its container")
        out.append(_new_tlv(Tlv, (first, contents[start:stop], contents[pointer:stop])))
        pointer = stop
    return out


def first(contents: bytes) -> Tlv:
    """The first element of DER contents, the rest left unread: for an encoding already parsed whole and
    strictly elsewhere (a certificate cryptography loaded) when only its first element matters."""
    # the header, read leniently, says where the element ends; children() then applies every DER rule to it
    if len(contents) < 2:
        raise ValueError("truncated DER element")
    length = contents[1]
    end = 2 + length
    if length & 0x80:
        count = length & 0x7F
        end = 2 + count + int.from_bytes(contents[2 : 2 + count], "big")
    elements = children(contents[:end])
    if len(elements) != 1:
        raise ValueError("truncated DER element")
    return elements[0]


SEQUENCE, SET, INTEGER, OCTET_STRING, NULL = 0x30, 0x31, 0x02, 0x04, 0x05
CONTEXT_0, CONTEXT_1, CONTEXT_0_PRIMITIVE = 0xA0, 0xA1, 0x80


def want(tlv: Tlv, ident: int, what: str) -> Tlv:
    if tlv.ident != ident:
        raise ValueError(f"{what}: unexpected element 0x{tlv.ident:02x}")
    return tlv


def oid(tlv: Tlv) -> str:
    return _dotted(want(tlv, 0x06, "OID").raw)


@functools.lru_cache(maxsize=1024)
def _dotted(raw: bytes) -> str:
    dotted: str = core.ObjectIdentifier.load(raw).dotted
    return dotted


def oid_element(dotted: str) -> bytes:
    """The DER OBJECT IDENTIFIER element of a dotted OID (what oid() reads back)."""
    encoded: bytes = core.ObjectIdentifier(dotted).dump()
    return encoded


def integer(tlv: Tlv) -> int:
    return int.from_bytes(want(tlv, INTEGER, "INTEGER").body, "big", signed=True)

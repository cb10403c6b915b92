"""A certificate's subject as RFC 4514 text, written from its encoding the way cryptography writes it.

``cert.subject.rfc4514_string()`` builds a Python object for every attribute of the Name before writing it:
~160,000 instructions for a JPKI subject (callgrind), a fifth of what a never-seen certificate costs. Here
the common form is written straight from the DER: one attribute per RDN, of a type cryptography names
(CN, L, ST, O, OU, C, STREET, DC, UID), a UTF8String or PrintableString value that needs no escaping.
Anything else returns None and the caller asks cryptography, so the text is always cryptography's.
"""

from __future__ import annotations

import re

from signing.domain.der import SEQUENCE, SET, Tlv, children, first, oid, want

# cryptography.x509.name._NAMEOID_TO_NAME: the short names it writes
SHORT_NAMES = {
    "2.5.4.3": "CN",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.6": "C",
    "2.5.4.9": "STREET",
    "0.9.2342.19200300.100.1.25": "DC",
    "0.9.2342.19200300.100.1.1": "UID",
}
# UTF8String, PrintableString (cryptography checks a PrintableString's letters when it loads the certificate)
PLAIN_STRINGS = {0x0C: "utf-8", 0x13: "ascii"}
# what RFC 4514 section 2.4 (and cryptography's _escape_dn_value) would escape: such values go to cryptography
NEEDS_ESCAPING = re.compile(r'[\\"+,;<>\x00]|^[# ]|[ ]$')

# The RDNs naming a place or an organisation (J-LIS: C=JP, L=<prefecture>, L=<municipality>) are shared by
# every holder of a municipality, so their text is kept by their exact bytes; the CN (the certificate's own
# number) is written each time. Bounded: when full it starts again (hostile input can only cost time).
SHARED_TYPES = frozenset({"2.5.4.6", "2.5.4.8", "2.5.4.7", "2.5.4.10", "2.5.4.11"})
_KEPT_MAX = 4096
_kept: dict[bytes, str] = {}


def rfc4514_text(name_der: bytes) -> str | None:
    """RFC 4514 text of an encoded Name as cryptography's Name.rfc4514_string() gives it, or None when the
    Name is not of the common form above (then ask cryptography)."""
    texts: list[str] = []
    try:
        for rdn in children(want(first(name_der), SEQUENCE, "Name").body):
            text = _kept.get(rdn.raw) or _rdn_text(rdn)
            if text is None:
                return None
            texts.append(text)
    except ValueError:  # unreadable here (or not UTF-8, not ASCII): cryptography decides what it is
        return None
    return ",".join(reversed(texts))  # RFC 4514 2.1: the last RDN first


def _rdn_text(rdn: Tlv) -> str | None:
    atvs = children(want(rdn, SET, "RelativeDistinguishedName").body)
    if len(atvs) != 1:
        return None
    parts = children(want(atvs[0], SEQUENCE, "AttributeTypeAndValue").body)
    if len(parts) != 2:
        return None
    type_oid, value = oid(parts[0]), parts[1]
    name, codec = SHORT_NAMES.get(type_oid), PLAIN_STRINGS.get(value.ident)
    if name is None or codec is None:
        return None
    text = value.body.decode(codec)
    if not text or NEEDS_ESCAPING.search(text):
        return None
    text = f"{name}={text}"
    if type_oid in SHARED_TYPES:
        if len(_kept) >= _KEPT_MAX:
            _kept.clear()
        _kept[rdn.raw] = text
    return text

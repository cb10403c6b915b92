"""Holder attributes carried in a JPKI signature certificate, and comparison with an application.

J-LIS puts name, address, date of birth and sex into subjectAltName otherName entries under
1.2.392.200149.8.5.5.{1..6}, each an EXPLICIT [0] UTF8String.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata
from typing import Any

from cryptography import x509

from signing.domain.cert_fields import fields
from signing.domain.cert_memo import per_certificate
from signing.domain.der import CONTEXT_0, children
from signing.domain.verdict import Reason, VerificationFailure

ARC = "1.2.392.200149.8.5.5"
FIELDS = {
    f"{ARC}.1": "name",
    f"{ARC}.2": "name_substitution",
    f"{ARC}.3": "sex",
    f"{ARC}.4": "date_of_birth_raw",
    f"{ARC}.5": "address",
    f"{ARC}.6": "address_substitution",
}
ERAS = {"0": None, "1": "meiji", "2": "taisho", "3": "showa", "4": "heisei", "5": "reiwa"}
SEX = {"1": "male", "2": "female", "3": "other", "9": "other"}  # sources disagree on 3 vs 9


@dataclasses.dataclass(frozen=True)
class HolderAttributes:
    name: str | None = None
    name_substitution: str | None = None
    sex: str | None = None  # the raw code: 1, 2, 3 or 9
    date_of_birth: dt.date | None = None
    era: str | None = None
    address: str | None = None
    address_substitution: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "name_substitution": self.name_substitution,
            "sex": self.sex,
            "sex_label": SEX.get(self.sex or ""),
            "date_of_birth": self.date_of_birth.isoformat() if self.date_of_birth else None,
            "era": self.era,
            "address": self.address,
            "address_substitution": self.address_substitution,
        }

    def is_empty(self) -> bool:
        return self == EMPTY


@dataclasses.dataclass(frozen=True)
class ApplicantRecord:
    """What the applicant registered; any field left None is not compared."""

    name: str | None = None
    date_of_birth: dt.date | str | None = None
    sex: str | None = None
    address: str | None = None


def decode_date_of_birth(raw: str) -> tuple[dt.date, str | None]:
    """`EYYYYMMDD` -> (Gregorian date, era name). The era digit only labels the date."""
    # ASCII digits only: str.isdigit() alone and int() would also take full-width and Arabic-Indic digits
    if len(raw) != 9 or not (raw.isascii() and raw.isdigit()) or raw[0] not in ERAS:
        raise ValueError(f"date of birth {raw!r} is not EYYYYMMDD with era digit 0-5")
    return dt.date(int(raw[1:5]), int(raw[5:7]), int(raw[7:9])), ERAS[raw[0]]


# The string types a holder attribute may come as, by identifier octet (universal, primitive: DER has no
# constructed strings), with the codec of each (X.680: UTF8String UTF-8, BMPString UCS-2 big-endian,
# PrintableString and IA5String subsets of ASCII, read as asn1crypto did: Latin-1 and ASCII).
STRING_TYPES = {0x0C: "utf-8", 0x13: "latin-1", 0x1E: "utf-16-be", 0x16: "ascii"}


def decode_other_name_value(der: bytes) -> str:
    # What J-LIS writes, one string of under 128 bytes, is read from its two header bytes: the general reader below
    # took 9,000 instructions an attribute, six per certificate (callgrind), and accepts exactly the same.
    if len(der) > 1 and der[1] < 0x80 and len(der) == 2 + der[1] and der[0] in STRING_TYPES:
        return der[2:].decode(STRING_TYPES[der[0]])
    # cryptography hands over the content of the EXPLICIT [0]; tolerate the wrapper being included too.
    # Read with the strict DER reader: asn1crypto's generic load was a third of a new certificate's cost.
    elements = children(der)
    if len(elements) != 1:
        raise ValueError("holder attribute is not a single DER element")
    value = elements[0]
    if value.ident == CONTEXT_0:
        elements = children(value.body)
        if len(elements) != 1:
            raise ValueError("holder attribute is not a single DER element")
        value = elements[0]
    codec = STRING_TYPES.get(value.ident)
    if codec is None:
        raise ValueError(f"holder attribute is element 0x{value.ident:02x}, not UTF8String")
    return value.body.decode(codec)


EMPTY = HolderAttributes()


@per_certificate  # certificates are immutable; the same card signs again and again
def holder_attributes(cert: x509.Certificate) -> HolderAttributes:
    """Decode the JPKI holder attributes; empty when the certificate carries none (auth certs)."""
    found: dict[str, Any] = {}  # HolderAttributes' keyword arguments
    try:
        for type_id, value in fields(cert).other_names:
            field = FIELDS.get(type_id)
            if field:
                found[field] = decode_other_name_value(value)
        raw_dob = found.pop("date_of_birth_raw", None)
        if raw_dob is not None:
            found["date_of_birth"], found["era"] = decode_date_of_birth(str(raw_dob))
    except ValueError as exc:
        raise VerificationFailure(Reason.MALFORMED, f"holder attributes: {exc}") from None
    return HolderAttributes(**found)


def normalise(text: str) -> str:
    """NFKC folds full-width letters and the full-width space; case and spacing do not count."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _same(certified: str | None, registered: str) -> bool:
    # Equal texts normalise equally, and a record is mostly the card's own text (intake takes it from the card
    # the account is bound to): normalising them was ~3% of a verdict's instructions (callgrind), for nothing then.
    return certified is not None and (certified == registered or normalise(certified) == normalise(registered))


def compare_holder(attrs: HolderAttributes, record: ApplicantRecord) -> None:
    """Raise HOLDER_MISMATCH naming the differing fields (not their values: they are personal data)."""
    differing = []
    if record.name is not None and not _same(attrs.name, record.name):
        differing.append("name")
    if record.date_of_birth is not None:
        want = record.date_of_birth
        if isinstance(want, str):
            want = dt.date.fromisoformat(want)
        if attrs.date_of_birth != want:
            differing.append("date_of_birth")
    if record.sex is not None and not _same(attrs.sex, record.sex):
        differing.append("sex")
    if record.address is not None and not _same(attrs.address, record.address):
        differing.append("address")
    if differing:
        raise VerificationFailure(
            Reason.HOLDER_MISMATCH,
            "certificate holder differs from the application in: " + ", ".join(differing),
        )

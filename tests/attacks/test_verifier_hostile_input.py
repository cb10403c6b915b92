"""Hostile input to the signature verifier: every malformed CMS, certificate or login token is a clean
rejection (an invalid Verdict with a reason code), never an exception, a crash or a hang.

Inputs start from a real CAdES signature made by the test PKI's simulated card, then get truncated,
bit-flipped, re-lengthed, re-OID'd, nested or replaced by random bytes. Certificates with hostile
holder attributes are issued by the test CA itself, so they pass the chain and reach the parsing of
the attributes. Budgets: see conftest.attack_settings (HYPOTHESIS_PROFILE=deep for a long run).
"""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from attack_support import attack_settings
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from hypothesis import assume, example, given
from hypothesis import strategies as st

from signing.domain import holder_attributes as ha
from signing.domain.verdict import Reason, Verdict, VerificationFailure

pytestmark = pytest.mark.timeout(120)

# Bugs these tests found in the signing service, all fixed since; the tests named after them stay
# as regression guards:
#   BUG-PEM       PEM armour around a body that is not base64 escaped verify_cms (binascii.Error)
#   BUG-NESTING   ~1000 nested SEQUENCEs in an unknown signed attribute: RecursionError (asn1crypto .native)
#   BUG-LAZY      cryptography parses extensions/public key lazily: ValueError, DuplicateExtension escaped
#                 Verifier._path (verify_certificate, verify_cms with an attacker's own key, verify_auth_token)
#   BUG-TOKEN-JSON      deeply nested JSON token text: RecursionError out of verify_auth_token
#   BUG-SURROGATE       a lone surrogate in origin/nonce: UnicodeEncodeError out of verify_auth_token
#   BUG-SIGNING-TIME-TYPE  a signing-time of another ASN.1 type was compared with a datetime: TypeError
#   BUG-DIGITS    non-ASCII digits in the date-of-birth code were accepted ('4199\uff190101' -> 1999-01-01)


def assert_clean(verdict) -> None:
    assert isinstance(verdict, Verdict)
    if not verdict.valid:
        assert isinstance(verdict.reason, Reason), verdict
        assert verdict.detail


def assert_rejected(verdict, *reasons: Reason) -> None:
    assert_clean(verdict)
    assert not verdict.valid, "hostile input was accepted"
    if reasons:
        assert verdict.reason in reasons, verdict


# -- DER surgery -------------------------------------------------------------------------------


def tlv_headers(der: bytes, start: int = 0, end: int | None = None, depth: int = 0, out=None):
    """(offset of tag, offset of length, header length, content length, tag byte) of every TLV."""
    out = [] if out is None else out
    end = len(der) if end is None else end
    i = start
    while i < end and depth < 40:
        tag = der[i]
        j = i + 1
        if tag & 0x1F == 0x1F:  # multi-byte tag number: not used in CMS, stop walking here
            return out
        first = der[j]
        if first < 0x80:
            length, header = first, j + 1 - i
        else:
            n = first & 0x7F
            length = int.from_bytes(der[j + 1 : j + 1 + n], "big")
            header = j + 1 + n - i
        out.append((i, j, header, length, tag))
        if tag & 0x20:  # constructed: walk inside
            tlv_headers(der, i + header, min(i + header + length, end), depth + 1, out)
        i += header + length
    return out


def encode_length(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(raw),)) + raw


def with_length(der: bytes, header, new_length: bytes) -> bytes:
    tag_at, len_at, header_len, _, _ = header
    return der[:len_at] + new_length + der[tag_at + header_len :]


def nested(depth: int, tag: int = 0x30) -> bytes:
    """`depth` levels of constructed `tag` around an empty one, encoded correctly."""
    body = b""
    for _ in range(depth):
        body = bytes((tag,)) + encode_length(len(body)) + body
    return body


def indefinite_nested(depth: int) -> bytes:
    return b"\x30\x80" * depth + b"\x00\x00" * depth


def oid_positions(der: bytes) -> list[tuple[int, int]]:
    return [(t, h) for t, _, h, _, tag in tlv_headers(der) if tag == 0x06]


# -- the CMS path ------------------------------------------------------------------------------


def test_the_unmutated_signature_is_valid(attack_verifier, real_signature):
    """The starting point of every mutation below really verifies (otherwise they prove nothing)."""
    content, der = real_signature
    verdict = attack_verifier.verify_cms(content, der)
    assert verdict.valid, verdict
    assert len(tlv_headers(der)) > 50 and len(oid_positions(der)) > 10


@attack_settings(180)
@given(garbage=st.binary(max_size=3000))
@example(b"")
@example(b"\x30")
@example(b"\x30\x80")
@example(b"\x30\x84\xff\xff\xff\xff")
@example(b"\x30\x89\x01\x00\x00\x00\x00\x00\x00\x00\x00")
@example(b"-----BEGIN PKCS7-----\n-----END PKCS7-----\n")
def test_random_bytes_are_rejected(attack_verifier, garbage):
    assert_rejected(attack_verifier.verify_cms(b"content", garbage), Reason.MALFORMED)


@pytest.mark.parametrize("body", [b"A", b"AAAAA", "\u00e9\u00e9".encode(), b"\xff\xfe"])
def test_pem_armour_around_bad_base64_is_rejected(attack_verifier, body):
    pem = b"-----BEGIN CMS-----\n" + body + b"\n-----END CMS-----\n"
    assert_rejected(attack_verifier.verify_cms(b"c", pem), Reason.MALFORMED)


@attack_settings(120)
@given(body=st.binary(max_size=300), width=st.integers(4, 76), text=st.text(max_size=120), as_text=st.booleans())
def test_pem_armour_around_random_der_or_text_is_rejected(attack_verifier, body, width, text, as_text):
    encoded = text.encode("utf-8", "surrogatepass") if as_text else base64.b64encode(body)
    lines = b"\n".join(encoded[i : i + width] for i in range(0, len(encoded), width))
    pem = b"-----BEGIN CMS-----\n" + lines + b"\n-----END CMS-----\n"
    assert_rejected(attack_verifier.verify_cms(b"c", pem), Reason.MALFORMED)


@attack_settings(180)
@given(data=st.data())
def test_truncated_signature_is_rejected(attack_verifier, real_signature, data):
    content, der = real_signature
    cut = data.draw(st.integers(0, len(der) - 1))
    assert_rejected(attack_verifier.verify_cms(content, der[:cut]), Reason.MALFORMED)


@attack_settings(240)
@given(data=st.data())
def test_bit_flips_never_crash(attack_verifier, real_signature, data):
    content, der = real_signature
    mutated = bytearray(der)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(der) - 1))
        mutated[i] ^= 1 << data.draw(st.integers(0, 7))
    assume(bytes(mutated) != der)
    assert_clean(attack_verifier.verify_cms(content, bytes(mutated)))


@attack_settings(120)
@given(data=st.data())
def test_bit_flips_in_signed_parts_are_rejected(attack_verifier, real_signature, data):
    """Any flip in the signed attributes or the signature value must invalidate the signature."""
    content, der = real_signature
    signed = [(t, h, n) for t, _, h, n, tag in tlv_headers(der) if tag in (0xA0, 0x04) and n >= 64]
    # the signer's [0] IMPLICIT signed attributes and the 256-byte signature OCTET STRING
    attrs = next((t, h, n) for t, h, n in signed if der[t] == 0xA0 and n < 400)
    sig = next((t, h, n) for t, h, n in signed if der[t] == 0x04 and n == 256)
    start, header, length = data.draw(st.sampled_from([attrs, sig]))
    i = data.draw(st.integers(start + header, start + header + length - 1))
    mutated = bytearray(der)
    mutated[i] ^= 1 << data.draw(st.integers(0, 7))
    assert_rejected(attack_verifier.verify_cms(content, bytes(mutated)))


HOSTILE_LENGTHS = [
    b"\x80",
    b"\x81\x00",
    b"\x84\xff\xff\xff\xff",
    b"\x88" + b"\xff" * 8,
    b"\x89" + b"\x01" + b"\x00" * 8,
    b"\xff",
    b"\x00",
    b"\x82\x00\x01",
]


@attack_settings(240)
@given(data=st.data())
def test_mutated_asn1_lengths_never_crash(attack_verifier, real_signature, data):
    content, der = real_signature
    headers = tlv_headers(der)
    header = data.draw(st.sampled_from(headers))
    new_length = data.draw(
        st.one_of(
            st.sampled_from(HOSTILE_LENGTHS),
            st.integers(0, 2**16).map(encode_length),
            st.integers(header[3] - 3, header[3] + 3).filter(lambda n: n >= 0 and n != header[3]).map(encode_length),
        )
    )
    mutated = with_length(der, header, new_length)
    assume(mutated != der)
    assert_clean(attack_verifier.verify_cms(content, mutated))


@attack_settings(180)
@given(data=st.data())
def test_wrong_oids_are_rejected(attack_verifier, real_signature, data):
    """Any OID replaced by another of the same size (lengths stay consistent) is never accepted."""
    content, der = real_signature
    at, header = data.draw(st.sampled_from(oid_positions(der)))
    size = der[at + 1]
    replacement = data.draw(
        st.one_of(
            st.binary(min_size=size, max_size=size),
            # well-formed arcs: every byte < 0x80 except continuation bytes
            st.lists(st.integers(0, 0x7F), min_size=size, max_size=size).map(bytes),
        )
    )
    mutated = der[: at + header] + replacement + der[at + header + size :]
    assume(mutated != der)
    verdict = attack_verifier.verify_cms(content, mutated)
    assert_clean(verdict)
    # OIDs inside the certificate's unsigned... none: every OID is under a signature or a checked field,
    # except ones in the certificate's signatureAlgorithm copy, which must then disagree with the TBS.
    assert not verdict.valid, f"OID at {at} replaced by {replacement.hex()} still verified"


@pytest.mark.parametrize("depth", [100, 1000, 10_000, 100_000])
def test_deeply_nested_input_is_rejected(attack_verifier, depth):
    for hostile in (nested(depth), indefinite_nested(depth), nested(depth, 0xA0)):
        assert_rejected(attack_verifier.verify_cms(b"c", hostile), Reason.MALFORMED)


def _with_extra_signed_attribute(der: bytes, value: bytes) -> bytes:
    """The real signature plus one unknown signed attribute (OID 1.2.3.4.5) holding `value`."""
    from asn1crypto import cms

    si = cms.ContentInfo.load(der)["content"]["signer_infos"][0]
    old_attrs = si["signed_attrs"].dump()
    attribute = b"\x06\x04\x2a\x03\x04\x05" + b"\x31" + encode_length(len(value)) + value
    attribute = b"\x30" + encode_length(len(attribute)) + attribute
    body = si["signed_attrs"].contents + attribute
    return _rewrap(der, old_attrs, b"\xa0" + encode_length(len(body)) + body)


def _rewrap(der: bytes, old_child: bytes, new_child: bytes) -> bytes:
    """Replace a child TLV and fix the lengths of every TLV that encloses it."""
    at = der.index(old_child)
    delta = len(new_child) - len(old_child)
    out = der[:at] + new_child + der[at + len(old_child) :]
    for tag_at, len_at, header, length, _tag in sorted(tlv_headers(der), reverse=True):
        if tag_at < at and at + len(old_child) <= tag_at + header + length:
            out = out[:len_at] + encode_length(length + delta) + out[tag_at + header :]
            delta += len(encode_length(length + delta)) - (header - 1)
    return out


@pytest.mark.parametrize(
    "depth",
    [
        50,
        1000,
        20_000,
    ],
)
def test_deeply_nested_unknown_signed_attribute_is_rejected(attack_verifier, real_signature, depth):
    content, der = real_signature
    mutated = _with_extra_signed_attribute(der, nested(depth))
    from asn1crypto import cms

    attrs = cms.ContentInfo.load(mutated)["content"]["signer_infos"][0]["signed_attrs"]
    assert [a["type"].dotted for a in attrs][-1] == "1.2.3.4.5"
    verdict = attack_verifier.verify_cms(content, mutated)
    assert_rejected(verdict)  # the signature no longer covers the attributes (or they are unreadable)


@attack_settings(90)
@given(
    when=st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)),
    raw=st.sampled_from(
        [
            b"00000101000000Z",
            b"20230230000000Z",
            b"99991231235960Z",
            b"2023",
            b"20231301000000Z",
            b"20230101246000Z",
            b"\xff\xfe000000000000Z",
        ]
    ),
)
def test_hostile_signing_time_is_rejected(attack_verifier, real_signature, when, raw):
    """signing-time replaced by a GeneralizedTime (random or impossible): never accepted, never a crash."""
    from asn1crypto import cms

    content, der = real_signature
    info = cms.ContentInfo.load(der)
    attrs = info["content"]["signer_infos"][0]["signed_attrs"]
    st_attr = next(a for a in attrs if a["type"].native == "signing_time")
    old_value = st_attr["values"].dump()
    for body in (when.strftime("%Y%m%d%H%M%S").zfill(14).encode() + b"Z", raw):
        new_value = b"\x31" + encode_length(len(body) + 2) + b"\x18" + encode_length(len(body)) + body
        mutated = _rewrap(der, old_value, new_value)
        reparsed = cms.ContentInfo.load(mutated)["content"]["signer_infos"][0]["signed_attrs"]
        assert [a["values"].dump() for a in reparsed if a["type"].native == "signing_time"] == [new_value]
        verdict = attack_verifier.verify_cms(content, mutated)
        assert_rejected(verdict)


@pytest.mark.parametrize(
    "value",
    [
        b"\x02\x01\x05",  # INTEGER  (BUG-SIGNING-TIME-TYPE)
        b"\x0c\x03abc",  # UTF8String
        b"\x01\x01\xff",  # BOOLEAN
        nested(5000),
        b"\x05\x00",
        b"\x04\x00",
        b"\x30\x00",
        b"\x17\x0d991332000000Z",
        b"\x18\x0f00000101000000Z",
        b"\x17\x00",
        b"\x18\x01Z",
    ],
    ids=[
        "integer",
        "utf8string",
        "boolean",
        "nested-5000",
        "null",
        "octets",
        "empty-sequence",
        "utctime-month-13",
        "generalized-year-0",
        "empty-utctime",
        "generalized-Z",
    ],
)
def test_signing_time_of_the_wrong_type_is_rejected(attack_verifier, real_signature, value):
    """The signing-time attribute's value replaced by another ASN.1 type (no valid signature needed)."""
    from asn1crypto import cms

    content, der = real_signature
    attrs = cms.ContentInfo.load(der)["content"]["signer_infos"][0]["signed_attrs"]
    old_value = next(a for a in attrs if a["type"].native == "signing_time")["values"].dump()
    mutated = _rewrap(der, old_value, b"\x31" + encode_length(len(value)) + value)
    assert_rejected(attack_verifier.verify_cms(content, mutated))


# -- the certificate path: hostile holder attributes issued by the test CA ------------------------


def reissue(pki, holder, san_values: dict[str, bytes] | None = None, other_names=None) -> x509.Certificate:
    """The holder's signature certificate, re-signed by its real CA with the SAN replaced."""
    cert = holder.sign.cert
    ca = pki.issuer_of(holder.sign)
    builder = (
        x509.CertificateBuilder()
        .subject_name(cert.subject)
        .issuer_name(cert.issuer)
        .public_key(cert.public_key())
        .serial_number(cert.serial_number)
        .not_valid_before(cert.not_valid_before_utc)
        .not_valid_after(cert.not_valid_after_utc)
    )
    if other_names is None:
        other_names = [
            x509.OtherName(x509.ObjectIdentifier(f"{ha.ARC}.{i}"), value) for i, value in sorted(san_values.items())
        ]
    for ext in cert.extensions:
        value = (
            x509.SubjectAlternativeName(other_names)
            if isinstance(ext.value, x509.SubjectAlternativeName)
            else ext.value
        )
        builder = builder.add_extension(value, ext.critical)
    return builder.sign(ca.key, hashes.SHA256())


def utf8(raw: bytes, tag: int = 0x0C) -> bytes:
    return bytes((tag,)) + encode_length(len(raw)) + raw


def baseline(holder) -> dict[str, bytes]:
    from signing.testpki.profiles import ATTR_OIDS

    values = ha.FIELDS
    decoded = {
        oid: value
        for oid, value in (
            (o.type_id.dotted_string, o.value)
            for o in holder.sign.cert.extensions.get_extension_for_class(
                x509.SubjectAlternativeName
            ).value.get_values_for_type(x509.OtherName)
        )
    }
    assert set(decoded) == set(ATTR_OIDS.values()) == set(values)
    return {int(oid.rsplit(".", 1)[1]): value for oid, value in decoded.items()}


def dob_is_valid(raw: str) -> bool:
    """The oracle, written independently of decode_date_of_birth: EYYYYMMDD, era 0-5, a real date."""
    if len(raw) != 9 or any(c not in "0123456789" for c in raw) or raw[0] not in "012345":
        return False
    try:
        dt.date(int(raw[1:5]), int(raw[5:7]), int(raw[7:9]))
    except ValueError:
        return False
    return True


def test_reissued_certificate_with_its_own_attributes_is_valid(attack_verifier, attack_pki):
    holder = attack_pki.first("valid")
    verdict = attack_verifier.verify_certificate(reissue(attack_pki, holder, baseline(holder)))
    assert verdict.valid, verdict
    assert verdict.holder["date_of_birth"] == holder.attributes["date_of_birth"]


DOB_CASES = [
    "420230230",
    "620000101",
    "919990101",
    "320230229",
    "400000101",
    "419991301",
    "419990132",
    "4199901011",
    "41999010",
    "\uff1419990101",
    "+19990101",
    " 19990101",
    "0-1990101",
    "000000000",
]


@pytest.mark.parametrize("raw", ["4199\uff190101", "4\u0661\u0669\u0669\u0669\u0660\u0661\u0660\u0661"])
def test_date_of_birth_with_non_ascii_digits_is_rejected(attack_verifier, attack_pki, raw):
    holder = attack_pki.first("valid")
    values = {**baseline(holder), 4: utf8(raw.encode())}
    assert_rejected(attack_verifier.verify_certificate(reissue(attack_pki, holder, values)), Reason.MALFORMED)


@attack_settings(120)
@given(
    raw=st.one_of(
        st.sampled_from(DOB_CASES), st.text(alphabet="0123456789", min_size=9, max_size=9), st.text(max_size=12)
    )
)
def test_date_of_birth_codes(attack_verifier, attack_pki, raw):
    """Era digit out of range, 20230230, wrong length, full-width digits: MALFORMED, never a crash."""
    holder = attack_pki.first("valid")
    values = {**baseline(holder), 4: utf8(raw.encode("utf-8", "surrogatepass"))}
    verdict = attack_verifier.verify_certificate(reissue(attack_pki, holder, values))
    if dob_is_valid(raw):
        assert verdict.valid, verdict
        assert verdict.holder["date_of_birth"] == f"{raw[1:5]}-{raw[5:7]}-{raw[7:9]}"
    else:
        assert_rejected(verdict, Reason.MALFORMED)


NON_UTF8 = [b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\xe3\x81", b"\xc0\xaf"]


@attack_settings(120)
@given(
    field=st.sampled_from([1, 2, 3, 4, 5, 6]),
    value=st.one_of(
        st.sampled_from(NON_UTF8).map(utf8),  # non-UTF-8 bytes in a UTF8String
        st.binary(min_size=1, max_size=40).map(utf8),
        st.binary(max_size=40).map(lambda b: utf8(b, 0x04)),  # OCTET STRING instead
        st.binary(max_size=40).map(lambda b: utf8(b, 0x1E)),  # BMPString, odd lengths included
        st.integers(0, 2**64).map(lambda n: utf8(n.to_bytes(9, "big"), 0x02)),  # INTEGER
        st.just(b"\x05\x00"),  # NULL
        st.just(nested(30)),
        st.just(utf8(utf8(b"x"), 0xA0)),  # an extra EXPLICIT [0] around the string
    ),
)
def test_garbage_other_name_values(attack_verifier, attack_pki, field, value):
    """Issued by the trusted CA, so the chain is fine: the holder attributes alone must be rejected."""
    holder = attack_pki.first("valid")
    try:
        cert = reissue(attack_pki, holder, {**baseline(holder), field: value})
    except ValueError:
        assume(False)  # cryptography refuses to encode this value at all
    verdict = attack_verifier.verify_certificate(cert)
    assert_clean(verdict)
    if not verdict.valid:
        assert verdict.reason is Reason.MALFORMED, verdict
        return
    # accepted: it must have decoded to text, and a date of birth must be a real date
    decoded = verdict.holder
    assert isinstance(decoded, dict)
    if field == 4:
        assert dob_is_valid(decoded["date_of_birth_raw"] if "date_of_birth_raw" in decoded else _raw_dob(value))


def _raw_dob(value: bytes) -> str:
    from asn1crypto import core

    loaded = core.load(value)
    if loaded.tag == 0 and loaded.class_ == 2:
        loaded = core.load(loaded.contents)
    return loaded.native


@attack_settings(60)
@given(
    oids=st.lists(
        st.sampled_from([f"{ha.ARC}.{i}" for i in range(0, 9)] + ["1.2.392.200149.8.5.5", "2.5.4.3", "1.2.3"]),
        min_size=1,
        max_size=8,
    )
)
def test_wrong_and_repeated_other_name_oids(attack_verifier, attack_pki, oids):
    holder = attack_pki.first("valid")
    names = [x509.OtherName(x509.ObjectIdentifier(oid), utf8(b"419990101")) for oid in oids]
    verdict = attack_verifier.verify_certificate(reissue(attack_pki, holder, other_names=names))
    assert_clean(verdict)


@attack_settings(120)
@given(data=st.data())
def test_flipped_certificate_bytes_never_crash(attack_verifier, attack_pki, data):
    """Bit flips in a real signature certificate: loading refuses it (ValueError) or the verdict says no."""
    der = attack_pki.first("valid").sign.cert_der
    mutated = bytearray(der)
    i = data.draw(st.integers(0, len(der) - 1))
    mutated[i] ^= 1 << data.draw(st.integers(0, 7))
    try:
        cert = x509.load_der_x509_certificate(bytes(mutated))
    except (ValueError, x509.InvalidVersion):
        return  # the loader's documented rejections
    assert_rejected(attack_verifier.verify_certificate(cert))


def test_lazy_parse_errors_duplicate_extension_is_rejected(attack_verifier, attack_pki):
    """Two subjectKeyIdentifier extensions (the AKI's OID rewritten): loading or the verdict refuses."""
    der = attack_pki.first("valid").sign.cert_der
    aki, ski = bytes.fromhex("0603551d23"), bytes.fromhex("0603551d0e")
    assert der.count(aki) == 1 and der.count(ski) == 1
    try:
        cert = x509.load_der_x509_certificate(der.replace(aki, ski))
    except (ValueError, x509.InvalidVersion):
        return
    assert_rejected(attack_verifier.verify_certificate(cert))


def test_holder_attributes_contract_on_malformed_values(attack_pki):
    """holder_attributes raises only VerificationFailure(MALFORMED) on values it cannot read."""
    holder = attack_pki.first("valid")
    for value in [utf8(b"\xff"), b"\x0c\x05ab", b"\x0c", b"\x02\x01\x01", nested(500), utf8(b"320230230")]:
        values = {**baseline(holder), 4: value}
        try:
            cert = reissue(attack_pki, holder, values)
        except ValueError:
            continue
        with pytest.raises(VerificationFailure) as caught:
            ha.holder_attributes(cert)
        assert caught.value.reason is Reason.MALFORMED


# -- card login tokens -------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def real_token(pki) -> dict:
    holder = pki.first("valid")
    return {
        "format": "web-eid:1.0",
        "algorithm": "RS256",
        "appVersion": "https://web-eid.eu/1.0",
        "unverifiedCertificate": base64.b64encode(holder.auth.cert_der).decode(),
        "signature": base64.b64encode(b"\x00" * 256).decode(),
    }


@attack_settings(180)
@given(
    token=st.one_of(
        json_values,
        st.dictionaries(
            st.sampled_from(["format", "algorithm", "unverifiedCertificate", "signature", "x"]), json_values, max_size=5
        ),
        st.fixed_dictionaries(
            {
                "format": st.sampled_from(["web-eid:1", "web-eid:1.0", "web-eid:2"]),
                "algorithm": st.sampled_from(["RS256", "PS512", "ES384", "none", "HS256"]),
                "unverifiedCertificate": st.binary(max_size=300).map(lambda b: base64.b64encode(b).decode()),
                "signature": st.binary(max_size=140).map(lambda b: base64.b64encode(b).decode()),
            }
        ),
        st.text(max_size=100),
        st.binary(max_size=100),
    ),
    origin=st.sampled_from(["https://zairyu.example", "http://localhost:8000"]),
    nonce=st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40),
)
def test_hostile_auth_tokens_are_rejected(attack_verifier, attack_pki, token, origin, nonce):
    assert_rejected(attack_verifier.verify_auth_token(token, origin, nonce))


@attack_settings(90)
@given(field=st.sampled_from(["unverifiedCertificate", "signature"]), data=st.data())
def test_auth_token_with_mutated_parts_is_rejected(attack_verifier, attack_pki, field, data):
    token = real_token(attack_pki)
    raw = bytearray(base64.b64decode(token[field]))
    i = data.draw(st.integers(0, len(raw) - 1))
    raw[i] ^= 1 << data.draw(st.integers(0, 7))
    token[field] = base64.b64encode(bytes(raw)).decode()
    assert_rejected(attack_verifier.verify_auth_token(token, "https://zairyu.example", "n" * 32))


@pytest.mark.parametrize("depth", [10_000, 100_000])
@pytest.mark.parametrize("shape", ["array", "object"])
def test_auth_token_as_deeply_nested_json_is_rejected(attack_verifier, depth, shape):
    text = "[" * depth + "]" * depth if shape == "array" else '{"a":' * depth + "1" + "}" * depth
    assert_rejected(attack_verifier.verify_auth_token(text, "https://zairyu.example", "nonce"), Reason.MALFORMED)


@pytest.mark.parametrize("where", ["origin", "nonce"])
def test_auth_token_with_lone_surrogate_in_origin_or_nonce_is_rejected(attack_verifier, attack_pki, where):
    args = {"origin": "https://zairyu.example", "nonce": "n" * 32}
    args[where] = args[where] + "\ud800"
    assert_rejected(attack_verifier.verify_auth_token(real_token(attack_pki), **args))


def test_auth_token_json_text_round_trip(attack_verifier, attack_pki):
    """The token may arrive as JSON text or bytes: same (clean) rejection for a bad signature."""
    token = real_token(attack_pki)
    for form in (token, json.dumps(token), json.dumps(token).encode()):
        assert_rejected(
            attack_verifier.verify_auth_token(form, "https://zairyu.example", "nonce"), Reason.SIGNATURE_INVALID
        )


def _attacker_signature(cert_der: bytes, key, content: bytes) -> bytes:
    """A self-consistent CAdES signature by the attacker's own key over a certificate of their making."""
    from cryptography.hazmat.primitives.asymmetric import padding, utils

    from signing.domain import cades

    def sign_digest_info(digest_info: bytes) -> bytes:
        return key.sign(digest_info[-32:], padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))

    return cades.build_detached(content, cert_der, sign_digest_info)


def test_lazy_parse_errors_attacker_certificate_in_cms_is_rejected(attack_verifier, attack_pki):
    """Reachable by any applicant: a CMS signed with their own key, carrying a certificate whose
    extensions cannot be read (two subjectKeyIdentifiers). The CMS signature and ESS hash are
    consistent, so verify_cms reaches the chain step, where the extension parse error escapes."""
    from cryptography.hazmat.primitives.serialization import Encoding

    holder = attack_pki.first("valid")
    key = holder.sign.key  # any RSA-2048 key will do; the holder's saves generating one
    real = holder.sign.cert_der
    aki, ski = bytes.fromhex("0603551d23"), bytes.fromhex("0603551d0e")
    forged = x509.load_der_x509_certificate(real.replace(aki, ski))
    content = b"application"
    signature = _attacker_signature(forged.public_bytes(Encoding.DER), key, content)
    assert_rejected(attack_verifier.verify_cms(content, signature), Reason.MALFORMED)


def test_attacker_self_signed_certificate_in_cms_is_untrusted(attack_verifier, attack_pki):
    """Control for the test above: the same forgery with readable extensions is cleanly untrusted."""
    from cryptography.hazmat.primitives.serialization import Encoding

    holder = attack_pki.first("valid")
    cert = holder.sign.cert
    forged = (
        x509.CertificateBuilder()
        .subject_name(cert.subject)
        .issuer_name(cert.issuer)
        .public_key(cert.public_key())
        .serial_number(cert.serial_number)
        .not_valid_before(cert.not_valid_before_utc)
        .not_valid_after(cert.not_valid_after_utc)
        .sign(holder.sign.key, hashes.SHA256())
    )
    content = b"application"
    signature = _attacker_signature(forged.public_bytes(Encoding.DER), holder.sign.key, content)
    assert_rejected(
        attack_verifier.verify_cms(content, signature), Reason.UNTRUSTED_ISSUER, Reason.ISSUER_GENERATION_UNKNOWN
    )

"""What the verifier reads from a certificate, and what it keeps of it between verifications (issue 24)."""

from __future__ import annotations

import datetime as dt

import verify_pki as pki
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from signing.domain import cert_fields, names
from signing.domain.cert_memo import PerCertificate
from signing.domain.der import first


def _read_both_ways(der: bytes) -> tuple[cert_fields.CertFields, cert_fields.CertFields]:
    """(from cryptography's re-encoded TBS, from the encoding as carried), each on its own certificate object."""
    cert_fields.fields.cache_clear()
    reencoded = cert_fields.fields(x509.load_der_x509_certificate(der))
    carried = cert_fields.fields_of_encoded(x509.load_der_x509_certificate(der), der)
    return reencoded, carried


def test_fields_read_from_the_carried_encoding_are_cryptographys(test_pki):
    """The CMS reader slices the TBSCertificate from the certificate as carried instead of asking cryptography to
    re-encode it: for every certificate of the test PKI (holders of every kind, roots, look-alike CAs) both agree."""
    ders = [h.sign.cert_der for h in test_pki.holders] + [h.auth.cert_der for h in test_pki.holders]
    ders += [ca.cert_der for ca in test_pki.cas]
    for der in ders:
        reencoded, carried = _read_both_ways(der)
        assert carried == reencoded
    assert any(f.other_names for f in (_read_both_ways(d)[1] for d in ders))  # holder attributes were read


def test_an_issuers_kept_extensions_go_to_no_other_certificate():
    """Extensions an issuer writes alike are kept by their exact bytes: two certificates of one issuer that differ in
    key usage, policy, basic constraints or distribution point each get their own, in any order, again and again."""
    ca = pki.make_root(slot=10)
    plain, _ = pki.issue(ca, slot=20)
    no_nr, _ = pki.issue(ca, slot=28, key_usage={"digital_signature": True})
    other_policy, _ = pki.issue(ca, slot=29, policy="1.2.392.200149.8.5.1.1.20", policy_critical=False)
    ca_leaf, _ = pki.issue(ca, slot=31, is_ca=True)
    elsewhere, _ = pki.issue(ca, slot=30, crl_dp="Chiyoda-ku")
    for _ in range(2):
        for cert in (plain, no_nr, other_policy, ca_leaf, elsewhere):
            cert_fields.fields.cache_clear()  # only the per-certificate memo: the issuer's kept extensions stay
            f = cert_fields.fields(x509.load_der_x509_certificate(pki.cert_der(cert)))
            assert f.key_usage == (
                {"digital_signature"} if cert is no_nr else {"digital_signature", "content_commitment"}
            )
            assert f.policies_critical == (cert is not other_policy)
            assert f.is_ca == (True if cert is ca_leaf else None)
            assert f.crl_scopes == cert_fields.fields.__wrapped__(cert).crl_scopes
    assert cert_fields.fields.__wrapped__(plain).crl_scopes != cert_fields.fields.__wrapped__(elsewhere).crl_scopes


def test_per_certificate_values_never_go_to_another_certificate():
    """Kept by the object's identity: certificates made and dropped one after another (CPython reuses their ids at
    once) each get their own value, also once the memo is full and evicts."""
    ca = pki.make_root(slot=10)
    ders = [pki.cert_der(pki.issue(ca, slot=20, serial=s)[0]) for s in (0x1001, 0x1002, 0x1003)]
    memo = PerCertificate(lambda cert: cert.serial_number, maxsize=2)
    for _ in range(3):
        for der, serial in zip(ders, (0x1001, 0x1002, 0x1003), strict=True):
            assert memo(x509.load_der_x509_certificate(der)) == serial
    kept = x509.load_der_x509_certificate(ders[0])
    assert memo(kept) == 0x1001 and memo.known(kept) == 0x1001


def test_first_reads_one_element_under_the_der_rules():
    assert first(b"\x04\x02ab\x05\x00").body == b"ab"  # what follows is left unread
    long = b"\x04\x81\x80" + bytes(128)
    assert first(long + b"\x05\x00").raw == long
    for bad in (b"\x04\x81\x05abcde", b"\x04\x05ab", b"\x04", b"\x04\x80\x00\x00"):  # not shortest, short, indefinite
        try:
            first(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} was read")


# Names as cryptography writes them: the attribute types it names and a few it does not, string types the fast
# path reads and ones it leaves to cryptography, values that need RFC 4514 escaping, multi-valued RDNs.
_TYPES = [NameOID.COMMON_NAME, NameOID.LOCALITY_NAME, NameOID.STATE_OR_PROVINCE_NAME, NameOID.ORGANIZATION_NAME]
_TYPES += [NameOID.ORGANIZATIONAL_UNIT_NAME, NameOID.STREET_ADDRESS, NameOID.DOMAIN_COMPONENT, NameOID.USER_ID]
_TYPES += [NameOID.SERIAL_NUMBER, NameOID.TITLE, x509.ObjectIdentifier("1.2.392.200149.8.5.5.1")]
_STRING_TYPES = [_ASN1Type.UTF8String, _ASN1Type.PrintableString, _ASN1Type.IA5String, _ASN1Type.BMPString]
_VALUES = st.text(alphabet=st.sampled_from('abcXYZ 019#+,;<>"\\=-.東京都　'), min_size=1, max_size=12)


@st.composite
def _names(draw) -> x509.Name:
    rdns = []
    for _ in range(draw(st.integers(1, 4))):
        attributes = {}
        for _ in range(draw(st.sampled_from([1, 1, 1, 2]))):
            value = draw(_VALUES)
            kind = draw(st.sampled_from(_STRING_TYPES))
            if kind == _ASN1Type.PrintableString:  # its letters only
                value = "".join(c for c in value if c.isascii() and (c.isalnum() or c in " '()+,-./:=?")) or "x"
            oid = draw(st.sampled_from(_TYPES))
            attributes[oid, value] = x509.NameAttribute(oid, value, kind, _validate=False)
        rdns.append(x509.RelativeDistinguishedName(attributes.values()))
    return x509.Name(rdns)


_KEY = ed25519.Ed25519PrivateKey.generate()


def _certificate_named(name: x509.Name) -> x509.Certificate:
    now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    builder = x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(_KEY.public_key())
    builder = builder.serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
    return x509.load_der_x509_certificate(builder.sign(_KEY, None).public_bytes(Encoding.DER))


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(name=_names())
def test_subject_text_is_cryptographys(name):
    """The subject's text written from its encoding is cryptography's own (or left to cryptography: None)."""
    cert = _certificate_named(name)
    text = names.rfc4514_text(cert_fields.fields.__wrapped__(cert).subject_der)
    assert text is None or text == cert.subject.rfc4514_string()


def test_the_jpki_subject_is_written_from_its_encoding(test_pki):
    """Every test-PKI holder's subject and issuer take the fast path (not None), and read as cryptography does,
    twice over (the second time from the kept place names)."""
    for holder in test_pki.holders:
        for cert in (holder.sign.cert, holder.auth.cert):
            f = cert_fields.fields(cert)
            for _ in range(2):
                assert names.rfc4514_text(f.subject_der) == cert.subject.rfc4514_string()
                assert names.rfc4514_text(f.issuer_der) == cert.issuer.rfc4514_string()

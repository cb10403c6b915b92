"""The test PKI has the shape of the real JPKI hierarchy and describes itself truthfully."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from signing.testpki import HOLDER_KINDS, create_test_pki, decode_holder_san, load_test_pki
from signing.testpki.profiles import era_code

NOW = dt.datetime.now(dt.UTC)


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        issuer.public_key().verify(
            cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), cert.signature_hash_algorithm
        )
        return True
    except Exception:
        return False


def test_ca_generations_share_the_dn_but_not_the_key(test_pki):
    for kind, ou in (("sign", "JPKI for digital signature"), ("auth", "JPKI for user authentication")):
        roots = test_pki.roots(kind)
        assert len(roots) >= 2
        subjects = {r.cert.subject for r in roots}
        assert len(subjects) == 1
        (subject,) = subjects
        assert subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "JP"
        assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "JPKI"
        ous = [a.value for a in subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)]
        assert ous[0] == ou and ous[1].startswith("Japan Agency for Local Authority Information Systems")
        assert "TEST" in ous[1]
        keys = {r.cert.public_key().public_numbers().n for r in roots}
        assert len(keys) == len(roots)
        for root in roots:
            cert = root.cert
            assert cert.issuer == cert.subject and _issued_by(cert, cert)
            assert cert.public_key().key_size == 2048
            assert cert.signature_hash_algorithm.name == "sha256"
            assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
            usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
            assert usage.key_cert_sign and usage.crl_sign


def test_exact_dn_option_gives_the_real_jlis_dn(tmp_path):
    pki = create_test_pki(tmp_path, exact_dn=True)
    assert pki.roots("sign")[0].cert.subject.rfc4514_string() == (
        "OU=Japan Agency for Local Authority Information Systems,OU=JPKI for digital signature,O=JPKI,C=JP"
    )


def test_issuer_is_found_by_authority_key_identifier(test_pki):
    for holder in test_pki.holders:
        for cert in (holder.sign, holder.auth):
            aki = cert.cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
            issuer = test_pki.issuer_of(cert)
            ski = issuer.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
            assert aki.key_identifier == ski.digest
            assert _issued_by(cert.cert, issuer.cert)
            # Same DN in the other generation, but its key did not sign this certificate.
            for other in test_pki.cas:
                if other.kind == cert.kind and other.id != issuer.id:
                    assert other.cert.subject == issuer.cert.subject
                    assert not _issued_by(cert.cert, other.cert)
    generations = {test_pki.issuer_of(h.sign).generation for h in test_pki.holders_of_kind("valid")}
    assert generations == {1, 2}


def test_signature_certificate_profile_and_holder_attributes(test_pki):
    for holder in test_pki.holders_of_kind("valid"):
        cert = holder.sign.cert
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
        assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
        policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies)
        assert policies.critical
        assert [p.policy_identifier.dotted_string for p in policies.value] == ["1.2.392.200149.8.5.1.0.20"]
        attrs = decode_holder_san(cert)
        assert attrs["name"] == holder.attributes["name"] and "\u3000" in attrs["name"]
        assert len(attrs["name_substituted"]) == len(attrs["name"])
        assert attrs["sex"] in ("1", "2")
        assert attrs["date_of_birth"] == era_code(dt.date.fromisoformat(holder.attributes["date_of_birth"]))
        assert attrs["address"].startswith("東京都")
        assert len(attrs["address_substituted"]) == len(attrs["address"])
    names = [h.attributes["name"] for h in test_pki.holders]
    assert any(all("\uff21" <= ch <= "\uff3a" or ch == "\u3000" for ch in n) for n in names)  # full-width Latin
    assert any(all("\u30a0" <= ch <= "\u30ff" or ch == "\u3000" for ch in n) for n in names)  # katakana


def test_san_values_are_explicit_utf8_strings(test_pki):
    der = (
        test_pki.first()
        .sign.cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        .value.get_values_for_type(x509.OtherName)[0]
        .value
    )
    assert der[0] == 0x0C  # UTF8String inside cryptography's [0] EXPLICIT wrapper


@pytest.mark.parametrize(
    "born,code",
    [
        (dt.date(1994, 3, 2), "419940302"),
        (dt.date(1989, 1, 7), "319890107"),
        (dt.date(1989, 1, 8), "419890108"),
        (dt.date(2019, 5, 1), "520190501"),
    ],
)
def test_era_codes(born, code):
    assert era_code(born) == code


def test_authentication_certificate_profile(test_pki):
    cert = test_pki.first().auth.cert
    assert [a.oid for a in cert.subject] == [NameOID.COUNTRY_NAME, NameOID.COMMON_NAME]
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and not usage.value.content_commitment
    assert ExtendedKeyUsageOID.CLIENT_AUTH in cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies)
    assert policies.critical and policies.value[0].policy_identifier.dotted_string == "1.2.392.200149.8.5.1.3.30"
    with pytest.raises(x509.ExtensionNotFound):
        cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)


def test_every_bad_holder_is_bad_in_its_own_way(test_pki):
    assert {h.kind for h in test_pki.holders} == set(HOLDER_KINDS)
    for holder in test_pki.holders:
        cert = holder.sign.cert
        in_time = cert.not_valid_before_utc <= NOW <= cert.not_valid_after_utc
        assert in_time == (holder.kind not in ("expired", "not_yet_valid")), holder.id
        trusted = test_pki.issuer_of(holder.sign).trusted
        assert trusted == (holder.kind != "wrong_issuer"), holder.id
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        assert usage.content_commitment == (holder.kind != "wrong_key_usage"), holder.id
        policy = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value[0]
        assert (policy.policy_identifier.dotted_string == test_pki.policies["sign"]) == (
            holder.kind != "wrong_policy"
        ), holder.id
        assert len(holder.pin) == 4 and holder.pin.isdigit()
        assert re.fullmatch(r"[A-Z0-9]{6,16}", holder.password)
    lookalike = test_pki.issuer_of(test_pki.first("wrong_issuer").sign)
    assert lookalike.cert.subject == test_pki.roots("sign")[0].cert.subject
    assert lookalike.cert_path.parent.name == "untrusted"


def _crl(path):
    return x509.load_der_x509_crl(path.read_bytes())


def test_crls_are_signed_fresh_and_list_the_revoked_holder(test_pki):
    revoked = test_pki.first("revoked")
    for ca in test_pki.cas:
        if not ca.trusted:
            assert ca.crl_path is None
            continue
        crl = _crl(ca.crl_path)
        assert crl.is_signature_valid(ca.cert.public_key())
        assert crl.issuer == ca.cert.subject
        assert crl.last_update_utc <= NOW < crl.next_update_utc
        aki = crl.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
        assert aki == ca.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
        stale = _crl(ca.stale_crl_path)
        assert stale.is_signature_valid(ca.cert.public_key()) and stale.next_update_utc < NOW
        for cert in (revoked.sign, revoked.auth):
            listed = crl.get_revoked_certificate_by_serial_number(cert.serial) is not None
            assert listed == (ca.id == cert.issuer_id)
            assert stale.get_revoked_certificate_by_serial_number(cert.serial) is None
    for holder in test_pki.holders_of_kind("valid"):
        crl = _crl(test_pki.issuer_of(holder.sign).crl_path)
        assert crl.get_revoked_certificate_by_serial_number(holder.sign.serial) is None
    assert sorted(p.name for p in test_pki.crl_dir.iterdir()) == sorted(
        ca.crl_path.name for ca in test_pki.cas if ca.trusted
    )


def test_large_crl(tmp_path):
    pki = create_test_pki(tmp_path, revoked=20_000)
    ca = pki.ca("sign-g2")
    crl = _crl(ca.crl_path)
    assert len(crl) == 20_000 + 1  # plus the revoked holder
    assert crl.is_signature_valid(ca.cert.public_key())
    assert crl.get_revoked_certificate_by_serial_number(pki.first("revoked").sign.serial) is not None
    assert json.loads((tmp_path / "manifest.json").read_text())["extra_revoked"] == 20_000


def test_manifest_round_trips_and_trust_dirs_hold_only_trusted_roots(test_pki):
    again = load_test_pki(test_pki.root)
    assert [h.id for h in again.holders] == [h.id for h in test_pki.holders]
    assert again.first().sign.cert == test_pki.first().sign.cert
    for kind in ("sign", "auth"):
        files = sorted(test_pki.trust_dir[kind].glob("*.der"))
        certs = [x509.load_der_x509_certificate(f.read_bytes()) for f in files]
        assert {c.serial_number for c in certs} == {r.cert.serial_number for r in test_pki.roots(kind)}
    manifest = json.loads((test_pki.root / "manifest.json").read_text(encoding="utf-8"))
    holder = manifest["holders"][0]
    assert set(holder) >= {"id", "kind", "pin", "password", "attributes", "sign", "auth"}
    assert set(holder["sign"]) >= {"cert", "key", "issuer", "serial"}
    assert (test_pki.root / holder["sign"]["key"]).exists()
    # The private key in the manifest is the one whose public half is certified.
    assert (
        test_pki.first().sign.key.public_key().public_numbers()
        == test_pki.first().sign.cert.public_key().public_numbers()
    )


def test_cli_init(tmp_path, capsys):
    from signing.entrypoints.pki_cli import main

    assert main(["init", str(tmp_path / "p"), "--revoked", "5"]) == 0
    out = capsys.readouterr().out
    pki = load_test_pki(tmp_path / "p")
    assert pki.first().pin in out and pki.extra_revoked == 5

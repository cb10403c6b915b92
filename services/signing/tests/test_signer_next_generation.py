"""The card layer open to the next-generation card (jpki-card.md: ECDSA P-384 / SHA-384 keys, a second applet; details
unpublished): our signer, over the simulated card holding P-384 keys under another AID, makes a CAdES-BES signature and
an ES384 Web eID token that the verification service and OpenSSL accept. What the real card answers is not known yet:
the simulator answers r || s to a bare hash, the usual EC card's answer (cades.py says so)."""

from __future__ import annotations

import base64
import dataclasses
import shutil
import subprocess

import pytest
import verify_pki as pki
from asn1crypto import cms

from signing.adapters.crl_index import CrlIndex
from signing.adapters.inprocess_card import connector, inprocess_signer
from signing.adapters.trust_store import TrustStore
from signing.domain import jpki_apdu as apdu
from signing.domain import profiles
from signing.domain.jpki_card import CardContents, JpkiCard
from signing.domain.signer import CardSigner
from signing.domain.signer_errors import NotJpkiCard
from signing.domain.verdict import Reason
from signing.domain.verification import VerificationPolicy, Verifier
from signing.testing import in_ci

CONTENT = b'{"application_id": "app-1", "procedure": "extension", "name": "NGUYEN VAN AN"}'
NONCE = base64.b64encode(bytes(range(32))).decode()
ORIGIN = "https://zairyu.example"
# A stand-in for the second applet's AID (unpublished): the JPKI registered prefix, another PIX.
SECOND_APPLET = bytes.fromhex("D392F000260100000002")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    sign_root = pki.make_root(kind="p384", slot=60)
    auth_root = pki.make_root(pki.AUTH_DN, kind="p384", slot=61)
    sign_cert, sign_key = pki.issue(sign_root, kind="p384", slot=62)
    auth_cert, auth_key = pki.issue(auth_root, profile="auth", kind="p384", slot=63)
    contents = CardContents(
        sign_cert=pki.cert_der(sign_cert),
        sign_ca_cert=sign_root.der,
        auth_cert=pki.cert_der(auth_cert),
        auth_ca_cert=auth_root.der,
        sign_key=sign_key,
        auth_key=auth_key,
        pin="1234",
        password="ABC123",
        aid=SECOND_APPLET,
    )
    crl_dir = tmp_path_factory.mktemp("crl")
    for name, root in (("sign", sign_root), ("auth", auth_root)):
        (crl_dir / f"{name}.crl").write_bytes(pki.crl_der(pki.make_crl(root)))
    trust = TrustStore.from_certificates(
        [sign_root.cert, auth_root.cert], [sign_root.fingerprint, auth_root.fingerprint]
    )
    verifier = Verifier(
        trust,
        [CrlIndex(crl_dir, trust)],
        VerificationPolicy(
            sign_profile=profiles.jpki_sign("test"), auth_profile=profiles.jpki_auth("test"), clock=lambda: pki.NOW
        ),
    )
    return {"contents": contents, "verifier": verifier, "sign_root": sign_root}


def _signer(world):
    # the verifier's clock is the test PKI's day: the signing time must not lie after it
    return CardSigner(connector(JpkiCard(world["contents"])), clock=lambda: pki.NOW, aid=SECOND_APPLET)


def test_a_p384_card_signs_what_the_verifier_accepts(world):
    signature = _signer(world).sign(CONTENT, "abc123")
    info = cms.ContentInfo.load(signature)["content"]["signer_infos"][0]
    assert info["digest_algorithm"]["algorithm"].native == "sha384"
    assert info["signature_algorithm"]["algorithm"].native == "sha384_ecdsa"
    verdict = world["verifier"].verify_cms(CONTENT, signature)
    assert verdict.valid, verdict
    assert world["verifier"].verify_cms(CONTENT + b" ", signature).reason == Reason.CONTENT_MISMATCH


def test_a_p384_card_signs_what_openssl_accepts(world, tmp_path):
    if shutil.which("openssl") is None:
        if in_ci():
            pytest.fail("openssl missing in CI")
        pytest.skip("openssl is not installed")
    (tmp_path / "root.pem").write_bytes(world["sign_root"].pem)
    (tmp_path / "f").write_bytes(CONTENT)
    (tmp_path / "f.p7s").write_bytes(_signer(world).sign(CONTENT, "abc123"))
    command = ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-purpose", "any", "-out", "/dev/null"]
    paths = ["-content", str(tmp_path / "f"), "-in", str(tmp_path / "f.p7s"), "-CAfile", str(tmp_path / "root.pem")]
    result = subprocess.run(command + paths, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_p384_card_logs_in_with_an_es384_token_the_verifier_accepts(world):
    token = _signer(world).authenticate(NONCE, ORIGIN, "1234")
    assert token["algorithm"] == "ES384" and len(base64.b64decode(token["signature"])) == 96  # r || s
    assert world["verifier"].verify_auth_token(token, ORIGIN, NONCE).valid
    assert world["verifier"].verify_auth_token(token, "https://other.example", NONCE).reason == Reason.SIGNATURE_INVALID


def test_the_signer_selects_only_the_applet_it_is_told(world):
    card = JpkiCard(world["contents"])
    with pytest.raises(NotJpkiCard):
        inprocess_signer(card).sign(CONTENT, "abc123")  # today's JPKI AID: this card answers 6A82
    assert card.process(apdu.select_aid(apdu.INDIVIDUAL_NUMBER_AIDS[0]))[-2:] == b"\x6a\x82"
    with pytest.raises(ValueError):  # nor is a card ever made to answer for one
        JpkiCard(dataclasses.replace(world["contents"], aid=apdu.INDIVIDUAL_NUMBER_AIDS[1]))


def test_the_simulated_ec_key_refuses_what_is_not_a_hash(world):
    card = JpkiCard(world["contents"])
    for command in (apdu.select_aid(SECOND_APPLET), apdu.select_ef(apdu.Ef.SIGN_PIN), apdu.verify(b"ABC123")):
        assert card.process(command)[-2:] == b"\x90\x00"
    assert card.process(apdu.select_ef(apdu.Ef.SIGN_KEY))[-2:] == b"\x90\x00"
    assert card.process(apdu.compute_signature(b"\x01" * 51))[-2:] == b"\x67\x00"  # a DigestInfo is not a hash
    answer = card.process(apdu.compute_signature(b"\x01" * 48))
    assert answer[-2:] == b"\x90\x00" and len(answer) == 96 + 2


def test_the_cli_takes_an_applet_aid_but_never_an_individual_number_applets():
    import argparse

    from signing.entrypoints.signer_cli import parser

    args = parser().parse_args(["--applet-aid", "D392 F000 2601 0000 0002", "info"])
    assert args.applet_aid == SECOND_APPLET
    assert parser().parse_args(["info"]).applet_aid == apdu.JPKI_AID
    for bad in ("D3921000310001010408", "zz", "D392"):
        with pytest.raises((SystemExit, argparse.ArgumentTypeError)):
            parser().parse_args(["--applet-aid", bad, "info"])


def test_a_p384_card_signs_through_pcscd(world):
    """The same card in a vpcd reader: the real PC/SC stack carries the 48-byte hash and the 96-byte r || s."""
    from signing.adapters.pcsc_card import connector as pcsc_connector
    from signing.testing import card_object_in_reader, pcsc_available_or_skip

    pcsc_available_or_skip()
    with card_object_in_reader(JpkiCard(world["contents"])) as reader:
        signer = CardSigner(pcsc_connector(reader, 5.0), clock=lambda: pki.NOW, aid=SECOND_APPLET)
        signature = signer.sign(CONTENT, "abc123")
        token = signer.authenticate(NONCE, ORIGIN, "1234")
    assert world["verifier"].verify_cms(CONTENT, signature).valid
    assert world["verifier"].verify_auth_token(token, ORIGIN, NONCE).valid

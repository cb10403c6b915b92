"""The signer over the in-process simulated card: CAdES-BES output, Web eID tokens, PIN handling."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import shutil
import subprocess

import pytest
from asn1crypto import cms, tsp  # noqa: F401 - tsp registers signing_certificate_v2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import Encoding

from signing.adapters.inprocess_card import InProcessCardLink, inprocess_signer
from signing.domain import jpki_apdu as apdu
from signing.domain.signer import CardSigner
from signing.domain.signer_errors import BadPinFormat, BadRequest, NotJpkiCard, PinBlocked, WrongPin
from signing.testing import in_ci
from signing.testpki.card import card_for

CONTENT = "在留期間更新許可申請書 / Application for Extension of Period of Stay\n".encode()
NONCE = base64.b64encode(bytes(range(32))).decode()


class Recorder:
    def __init__(self):
        self.commands: list[bytes] = []

    def __call__(self, command, response, sw):
        self.commands.append(command)


def signer_for(pki, holder, record=None):
    return inprocess_signer(card_for(pki, holder), record=record)


def openssl_cms_verify(tmp_path, pki, content: bytes, signature: bytes) -> subprocess.CompletedProcess:
    if shutil.which("openssl") is None:
        if in_ci():
            pytest.fail("openssl missing in CI")
        pytest.skip("openssl is not installed")
    roots = tmp_path / "roots.pem"
    roots.write_bytes(b"".join(r.cert.public_bytes(Encoding.PEM) for r in pki.roots("sign")))
    (tmp_path / "f").write_bytes(content)
    (tmp_path / "f.p7s").write_bytes(signature)
    return subprocess.run(
        [
            "openssl",
            "cms",
            "-verify",
            "-binary",
            "-content",
            str(tmp_path / "f"),
            "-inform",
            "DER",
            "-in",
            str(tmp_path / "f.p7s"),
            "-CAfile",
            str(roots),
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("holder_id", ["valid-nguyen", "valid-santos", "valid-wang"])
def test_signature_verifies_with_openssl_against_the_test_root(test_pki, tmp_path, holder_id):
    holder = test_pki.holder(holder_id)
    signature = signer_for(test_pki, holder).sign(CONTENT, holder.password)
    result = openssl_cms_verify(tmp_path, test_pki, CONTENT, signature)
    assert result.returncode == 0, result.stderr
    tampered = openssl_cms_verify(tmp_path, test_pki, CONTENT + b" ", signature)
    assert tampered.returncode != 0


def test_cades_bes_structure(test_pki):
    holder = test_pki.first()
    when = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC)
    signer = CardSigner(lambda: InProcessCardLink(card_for(test_pki, holder)), clock=lambda: when)
    info = cms.ContentInfo.load(signer.sign(CONTENT, holder.password))
    assert info["content_type"].native == "signed_data"
    signed = info["content"]
    assert signed["encap_content_info"]["content"].native is None  # detached
    assert [c.chosen.dump() for c in signed["certificates"]] == [holder.sign.cert_der]
    (signer_info,) = signed["signer_infos"]
    assert signer_info["digest_algorithm"]["algorithm"].native == "sha256"
    attrs = {a["type"].native: a["values"][0] for a in signer_info["signed_attrs"]}
    assert set(attrs) == {"content_type", "message_digest", "signing_time", "signing_certificate_v2"}
    assert attrs["content_type"].native == "data"
    assert attrs["message_digest"].native == hashlib.sha256(CONTENT).digest()
    assert attrs["signing_time"].native == when
    ess = attrs["signing_certificate_v2"]["certs"][0]
    assert ess["cert_hash"].native == hashlib.sha256(holder.sign.cert_der).digest()
    assert ess["issuer_serial"]["serial_number"].native == holder.sign.serial
    # The signature is over the DER SET of the signed attributes, with the signature key.
    holder.sign.cert.public_key().verify(
        signer_info["signature"].native, signer_info["signed_attrs"].untag().dump(), padding.PKCS1v15(), hashes.SHA256()
    )


def test_password_is_upper_cased_and_format_checked_before_the_card(test_pki):
    holder = test_pki.first()
    record = Recorder()
    signer = signer_for(test_pki, holder, record)
    signer.sign(b"x", holder.password.lower())
    record.commands.clear()
    for bad in ("abc", "PASS WORD", "TOOLONGPASSWORD123", "パスワード"):
        with pytest.raises(BadPinFormat):
            signer.sign(b"x", bad)
    assert not any(c[1] == 0x20 and len(c) > 4 for c in record.commands), "a malformed PIN reached the card"


def test_wrong_password_reports_tries_then_blocked_without_more_verifies(test_pki):
    holder = test_pki.first()
    record = Recorder()
    signer = signer_for(test_pki, holder, record)
    for expected in (4, 3, 2, 1):
        with pytest.raises(WrongPin) as caught:
            signer.sign(b"x", "WRONG00")
        assert caught.value.params == {"pin": "sign", "tries_left": expected}
    with pytest.raises(PinBlocked):
        signer.sign(b"x", "WRONG00")
    verifies_before = sum(1 for c in record.commands if c[1] == 0x20 and len(c) > 4)
    with pytest.raises(PinBlocked):
        signer.sign(b"x", holder.password)  # the right password, but the card is blocked
    assert sum(1 for c in record.commands if c[1] == 0x20 and len(c) > 4) == verifies_before
    assert signer.info().sign_password_tries_left == 0


def test_info_reports_card_and_tries(test_pki):
    holder = test_pki.holder("valid-santos")
    signer = signer_for(test_pki, holder)
    with pytest.raises(WrongPin):
        signer.authenticate(NONCE, "https://zairyu.example", "0000" if holder.pin != "0000" else "1111")
    info = signer.info()
    assert info.my_number_card and info.token_label == "JPKIAPICCTOKEN2"
    assert info.auth_pin_tries_left == 2 and info.sign_password_tries_left == 5
    assert info.auth_certificate.serial == f"{holder.auth.serial:X}"


def test_web_eid_token_verifies_with_the_auth_certificate(test_pki):
    holder = test_pki.first()
    origin = "https://zairyu.example"
    token = signer_for(test_pki, holder).authenticate(NONCE, origin, holder.pin)
    assert token["format"] == "web-eid:1.0" and token["algorithm"] == "RS256"
    assert base64.b64decode(token["unverifiedCertificate"]) == holder.auth.cert_der
    signed = hashlib.sha256(origin.encode()).digest() + hashlib.sha256(NONCE.encode()).digest()
    holder.auth.cert.public_key().verify(
        base64.b64decode(token["signature"]), signed, padding.PKCS1v15(), hashes.SHA256()
    )
    assert token["appVersion"].startswith("https://")


@pytest.mark.parametrize(
    "origin",
    ["https://zairyu.example/path", "http://zairyu.example", "javascript:alert(1)", "https://user@zairyu.example", ""],
)
def test_authentication_refuses_non_origins(test_pki, origin):
    with pytest.raises(BadRequest):
        signer_for(test_pki, test_pki.first()).authenticate(NONCE, origin, test_pki.first().pin)


def test_authentication_refuses_short_challenges(test_pki):
    with pytest.raises(BadRequest):
        signer_for(test_pki, test_pki.first()).authenticate("abc", "https://zairyu.example", "1234")


def test_never_selects_the_individual_number_applets(test_pki):
    holder = test_pki.first()
    record = Recorder()
    signer = signer_for(test_pki, holder, record)
    signer.info()
    signer.sign(CONTENT, holder.password)
    signer.authenticate(NONCE, "https://zairyu.example", holder.pin)
    selects = [c for c in record.commands if c[1] == 0xA4 and c[2] == 0x04]
    assert selects and all(c[5 : 5 + c[4]] == apdu.JPKI_AID for c in selects)
    assert not any(aid in c for c in record.commands for aid in apdu.INDIVIDUAL_NUMBER_AIDS)


def test_a_card_without_the_jpki_applet_is_named_as_such():
    class OtherCard:
        reader_name = "r"

        def transmit(self, command):
            return b"", 0x6A82

        def close(self):
            pass

    with pytest.raises(NotJpkiCard):
        CardSigner(OtherCard).info()


@pytest.mark.parametrize("typed", ["straße12", "ınfo1234", "ﬁle2024", "ſecret12", "ＰＡＳＳ１２"])
def test_a_password_with_non_ascii_letters_is_refused_before_the_card(typed):
    # Found 2026-12-07: str.upper() turned 'ß' into 'SS', 'ı' into 'I', 'ﬁ' into 'FI', 'ſ' into 'S', so such input
    # passed the A-Z0-9 check and spent one of the 5 tries on a password the holder never typed.
    from signing.domain.jpki_session import normalise_pin

    with pytest.raises(BadPinFormat):
        normalise_pin("sign", typed)
    assert normalise_pin("sign", " abc123 ") == b"ABC123"  # upper-casing what was typed in ASCII stays


class _BlockedBy6984:
    """A card whose blocked PIN answers the tries query with 6984 (jpki-card.md, "Commands"), not 63C0."""

    def __init__(self, blocked: str):
        self.blocked_ef = apdu.Ef.AUTH_PIN if blocked == "auth" else apdu.Ef.SIGN_PIN
        self.selected = None

    def __call__(self, command: bytes):
        if command[1] == 0xA4 and command[2] == 0x02:  # SELECT EF
            self.selected = int.from_bytes(command[5:7], "big")
            return b"", apdu.Sw.OK
        if command[1] == 0x20:  # VERIFY
            if self.selected == self.blocked_ef:
                return b"", apdu.Sw.PIN_BLOCKED
            return b"", 0x63C5 if len(command) == 4 else apdu.Sw.OK
        return b"", apdu.Sw.OK


def test_a_pin_blocked_with_6984_is_reported_blocked_and_does_not_stop_the_other_pin():
    # Found 2026-12-07: the tries query accepted only 63Cx, so a card answering 6984 gave "unexpected answer, try
    # again" instead of "blocked: go to the municipal office", and a blocked 4-digit PIN stopped signing.
    from signing.domain.jpki_session import JpkiSession

    session = JpkiSession(_BlockedBy6984("auth"))
    assert session.tries_left("auth") == 0
    with pytest.raises(PinBlocked):
        session.verify("auth", "1234")
    assert session.tries_left("sign") == 5
    session.verify("sign", "ABC123")  # the signature password still works

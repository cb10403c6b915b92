"""The signer through pcscd + vpcd: the same behaviour as in-process, plus reader/card errors."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import Encoding

from signing.adapters.pcsc_card import connect, list_readers, pcsc_signer
from signing.domain import jpki_apdu as apdu
from signing.domain.signer_errors import CardRemoved, NoCard, NoReader, WrongPin
from signing.testing import claim_slot, ensure_pcscd, pcsc_available_or_skip, reader_name

NONCE = base64.b64encode(b"\x01" * 32).decode()


def test_sign_auth_and_info_through_pcsc(card_in_reader, test_pki, tmp_path):
    import subprocess

    holder = test_pki.first()
    with card_in_reader(holder) as card:
        assert card.reader in list_readers()
        signer = pcsc_signer(card.reader, wait_seconds=5)
        info = signer.info()
        assert info.reader == card.reader and info.my_number_card
        assert (info.auth_pin_tries_left, info.sign_password_tries_left) == (3, 5)
        content = b"%PDF-1.7 application form bytes"
        signature = signer.sign(content, holder.password.lower())
        token = signer.authenticate(NONCE, "https://zairyu.example", holder.pin)
        commands = card.commands()
    (tmp_path / "f").write_bytes(content)
    (tmp_path / "f.p7s").write_bytes(signature)
    (tmp_path / "root.pem").write_bytes(test_pki.issuer_of(holder.sign).cert.public_bytes(Encoding.PEM))
    result = subprocess.run(
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
            str(tmp_path / "root.pem"),
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    signed = hashlib.sha256(b"https://zairyu.example").digest() + hashlib.sha256(NONCE.encode()).digest()
    holder.auth.cert.public_key().verify(
        base64.b64decode(token["signature"]), signed, padding.PKCS1v15(), hashes.SHA256()
    )
    # What the card saw (its own log): only the JPKI applet was ever selected.
    selects = [c for c in commands if c[:3] == bytes.fromhex("00A404")]
    assert selects and all(c[5:] == apdu.JPKI_AID for c in selects)


def test_wrong_pin_through_pcsc_reports_tries(card_in_reader, test_pki):
    holder = test_pki.holder("valid-wang")
    with card_in_reader(holder) as card:
        signer = pcsc_signer(card.reader)
        with pytest.raises(WrongPin) as caught:
            signer.authenticate(NONCE, "https://zairyu.example", "0000" if holder.pin != "0000" else "1111")
        assert caught.value.params["tries_left"] == 2
        assert signer.info().auth_pin_tries_left == 2


def test_card_removed_mid_operation(card_in_reader, test_pki):
    holder = test_pki.first()
    with card_in_reader(holder) as card:

        def pull_card_after_verify(command, response, sw):
            if command[1] == 0x20 and len(command) > 5 and sw == 0x9000:
                card.process.terminate()
                card.process.wait(timeout=10)

        signer = pcsc_signer(card.reader, record=pull_card_after_verify)
        with pytest.raises(CardRemoved):
            signer.sign(b"content", holder.password)


def test_no_reader_and_no_card():
    pcsc_available_or_skip()
    ensure_pcscd()
    with pytest.raises(NoReader):
        connect("No Such Reader 99")
    with claim_slot() as slot:  # our slot: nobody inserts a card while we hold it
        with pytest.raises(NoCard):
            connect(reader_name(slot))
        with pytest.raises(NoCard):
            connect(reader_name(slot), wait_seconds=0.3)

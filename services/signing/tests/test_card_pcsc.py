"""The simulated card through the real stack: pcscd + vpcd, pyscard, and OpenSC's JPKI driver."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from signing.domain import jpki_apdu as apdu
from signing.domain.jpki_apdu import JPKI_AID, Ef
from signing.testing import in_ci

PKCS11_MODULE = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"


def _connect(reader_name):
    from smartcard.System import readers

    reader = next(r for r in readers() if str(r) == reader_name)
    connection = reader.createConnection()
    connection.connect()
    return connection


def _tx(connection, command: bytes):
    data, sw1, sw2 = connection.transmit(list(command))
    return bytes(data), f"{sw1:02X}{sw2:02X}"


def test_card_over_pcsc_answers_like_the_card(card_in_reader, test_pki):
    holder = test_pki.first()
    with card_in_reader(holder) as card:
        connection = _connect(card.reader)
        try:
            assert bytes(connection.getATR()) == apdu.ATR
            assert _tx(connection, apdu.select_aid(JPKI_AID))[1] == "9000"
            assert _tx(connection, apdu.select_ef(Ef.AUTH_CERT))[1] == "9000"
            header, sw = _tx(connection, apdu.read_binary(0, 4))
            assert sw == "9000" and int.from_bytes(header[2:], "big") + 4 == len(holder.auth.cert_der)
            chunk, sw = _tx(connection, apdu.read_binary(0, 0))  # Le=00 through T=1 and vpcd
            assert sw == "9000" and chunk == holder.auth.cert_der[:256]
            assert _tx(connection, apdu.select_ef(Ef.SIGN_PIN))[1] == "9000"
            assert _tx(connection, apdu.verify(None))[1] == "63C5"
            assert _tx(connection, apdu.select_aid(apdu.INDIVIDUAL_NUMBER_AIDS[0]))[1] == "6A82"
        finally:
            connection.disconnect()
        assert card.commands()[0] == apdu.select_aid(JPKI_AID)


def _opensc(tool: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    if shutil.which(tool) is None:
        if in_ci():
            pytest.fail(f"{tool} missing in CI (Debian package opensc)")
        pytest.skip(f"{tool} is not installed (Debian package opensc)")
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=timeout)


def test_opensc_pkcs15_lists_and_reads_the_certificates(card_in_reader, test_pki):
    holder = test_pki.first()
    with card_in_reader(holder) as card:
        listed = _opensc("pkcs15-tool", "--reader", card.reader, "--list-certificates")
        assert listed.returncode == 0, listed.stderr
        for label in (
            "User Authentication Certificate",
            "Digital Signature Certificate",
            "User Authentication Certificate CA",
            "Digital Signature Certificate CA",
        ):
            assert label in listed.stdout
        read = _opensc("pkcs15-tool", "--reader", card.reader, "--read-certificate", "01")
        assert read.returncode == 0, read.stderr
        assert x509.load_pem_x509_certificate(read.stdout.encode()) == holder.auth.cert
        ca = _opensc("pkcs15-tool", "--reader", card.reader, "--read-certificate", "04")
        assert x509.load_pem_x509_certificate(ca.stdout.encode()) == test_pki.issuer_of(holder.sign).cert
        # The signature certificate is private: OpenSC may not read it without the password.
        private = _opensc("pkcs15-tool", "--reader", card.reader, "--read-certificate", "02")
        assert "BEGIN CERTIFICATE" not in private.stdout
        assert not any(
            c[:5] == bytes.fromhex("00A4040C0A") and c[5:] in apdu.INDIVIDUAL_NUMBER_AIDS for c in card.commands()
        )


def _slot_index(card_reader: str, label: str) -> str:
    slots = _opensc("pkcs11-tool", "--module", PKCS11_MODULE, "--list-slots").stdout
    index = -1
    for line in slots.splitlines():
        if line.startswith("Slot "):
            index += 1
            current_reader = line.split(":", 1)[1].strip()
        elif "token label" in line and label in line and current_reader == card_reader:
            return str(index)
    raise AssertionError(f"no slot {label!r} on {card_reader}:\n{slots}")


def test_opensc_pkcs11_lists_objects_and_signs(card_in_reader, test_pki, tmp_path):
    holder = test_pki.first()
    message = tmp_path / "form.txt"
    message.write_bytes("在留期間更新許可申請\n".encode())
    signature = tmp_path / "form.sig"
    with card_in_reader(holder) as card:
        public = _opensc(
            "pkcs11-tool",
            "--module",
            PKCS11_MODULE,
            "--slot-index",
            _slot_index(card.reader, "User Authentication PIN"),
            "--list-objects",
        )
        assert public.returncode == 0, public.stderr
        for label in (
            "User Authentication Certificate",
            "User Authentication Certificate CA",
            "Digital Signature Certificate CA",
        ):
            assert f"label:      {label}\n" in public.stdout
        slot = _slot_index(card.reader, "Digital Signature PIN")
        private = _opensc(
            "pkcs11-tool",
            "--module",
            PKCS11_MODULE,
            "--slot-index",
            slot,
            "--list-objects",
            "--login",
            "--pin",
            holder.password,
        )
        assert private.returncode == 0, private.stderr
        assert "label:      Digital Signature Certificate\n" in private.stdout
        signed = _opensc(
            "pkcs11-tool",
            "--module",
            PKCS11_MODULE,
            "--slot-index",
            slot,
            "--sign",
            "--mechanism",
            "SHA256-RSA-PKCS",
            "--pin",
            holder.password,
            "--id",
            "02",
            "-i",
            str(message),
            "-o",
            str(signature),
        )
        assert signed.returncode == 0, signed.stderr
        holder.sign.cert.public_key().verify(
            signature.read_bytes(), message.read_bytes(), padding.PKCS1v15(), hashes.SHA256()
        )
        # A wrong password through PKCS#11 costs exactly one try.
        bad = _opensc(
            "pkcs11-tool",
            "--module",
            PKCS11_MODULE,
            "--slot-index",
            slot,
            "--sign",
            "--mechanism",
            "SHA256-RSA-PKCS",
            "--pin",
            "WRONG99",
            "--id",
            "02",
            "-i",
            str(message),
            "-o",
            str(tmp_path / "bad.sig"),
        )
        assert bad.returncode != 0
        connection = _connect(card.reader)
        try:
            _tx(connection, apdu.select_aid(JPKI_AID))
            _tx(connection, apdu.select_ef(Ef.SIGN_PIN))
            assert _tx(connection, apdu.verify(None))[1] == "63C4"
        finally:
            connection.disconnect()


def test_opensc_pkcs11_authentication_key(card_in_reader, test_pki, tmp_path):
    holder = test_pki.holder("valid-santos")  # issued by generation 1
    challenge = tmp_path / "challenge.bin"
    challenge.write_bytes(b"nonce-0123456789")
    with card_in_reader(holder) as card:
        slot = _slot_index(card.reader, "User Authentication PIN")
        signed = _opensc(
            "pkcs11-tool",
            "--module",
            PKCS11_MODULE,
            "--slot-index",
            slot,
            "--sign",
            "--mechanism",
            "SHA256-RSA-PKCS",
            "--pin",
            holder.pin,
            "--id",
            "01",
            "-i",
            str(challenge),
            "-o",
            str(tmp_path / "c.sig"),
        )
        assert signed.returncode == 0, signed.stderr
        holder.auth.cert.public_key().verify(
            (tmp_path / "c.sig").read_bytes(), challenge.read_bytes(), padding.PKCS1v15(), hashes.SHA256()
        )


def test_reset_through_pcsc_clears_the_security_state(card_in_reader, test_pki):
    from smartcard.scard import SCARD_RESET_CARD

    holder = test_pki.first()
    with card_in_reader(holder) as card:
        connection = _connect(card.reader)
        try:
            _tx(connection, apdu.select_aid(JPKI_AID))
            _tx(connection, apdu.select_ef(Ef.SIGN_PIN))
            assert _tx(connection, apdu.verify(holder.password.encode()))[1] == "9000"
            _tx(connection, apdu.select_ef(Ef.SIGN_CERT))
            assert _tx(connection, apdu.read_binary(0, 4))[1] == "9000"
            connection.reconnect(disposition=SCARD_RESET_CARD)  # vpcd passes the reset to the card
            # After a reset nothing is selected: the EF is not reachable without the applet...
            assert _tx(connection, apdu.select_ef(Ef.SIGN_CERT))[1] == "6A82"
            _tx(connection, apdu.select_aid(JPKI_AID))
            _tx(connection, apdu.select_ef(Ef.SIGN_CERT))
            # ...and the password must be given again.
            assert _tx(connection, apdu.read_binary(0, 4))[1] == "6982"
        finally:
            connection.disconnect()


def test_every_opensc_probe_gets_a_clean_status_word(card_in_reader, test_pki):
    holder = test_pki.first()
    with card_in_reader(holder) as card:
        named = _opensc("opensc-tool", "--reader", card.reader, "--name")
        assert named.returncode == 0 and named.stdout.strip() == "jpki", named.stdout + named.stderr
        dumped = _opensc("pkcs15-tool", "--reader", card.reader, "--dump")
        assert dumped.returncode == 0, dumped.stderr
        lines = card.apdu_log.read_text().splitlines()
    clean = {"9000", "6982", "6A82", "6A86", "6B00", "6700", "6D00", "6E00", "6986", "6984"}
    words = [line.split()[1][-4:].upper() for line in lines]
    assert len(words) >= 20
    assert all(w in clean or w.startswith("63C") for w in words), sorted(set(words))


def test_missing_vpcd_skips_locally_and_fails_in_ci(monkeypatch, tmp_path):
    import signing.testing as testing

    monkeypatch.setattr(testing, "VPCD_DRIVER", tmp_path / "libifdvpcd.so")
    assert "vsmartcard-vpcd" in testing.pcsc_missing_reason()
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        testing.pcsc_available_or_skip()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        testing.pcsc_available_or_skip()
    with pytest.raises(testing.PcscUnavailable):
        with testing.running_card(pki=None):  # refuses before touching the PKI
            pass

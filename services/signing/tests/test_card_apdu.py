"""The simulated JPKI card answers APDUs like the card described in jpki-card.md."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from signing.domain import jpki_apdu as apdu
from signing.domain.jpki_apdu import INDIVIDUAL_NUMBER_AIDS, JPKI_AID, Ef
from signing.testpki.card import card_for

DIGEST_INFO_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")


@pytest.fixture
def holder(test_pki):
    return test_pki.first()


@pytest.fixture
def card(test_pki, holder):
    return card_for(test_pki, holder)


def send(card, hexstr_or_bytes) -> tuple[bytes, str]:
    raw = bytes.fromhex(hexstr_or_bytes) if isinstance(hexstr_or_bytes, str) else hexstr_or_bytes
    out = card.process(raw)
    return out[:-2], out[-2:].hex().upper()


def selected(card, fid=None):
    assert send(card, apdu.select_aid(JPKI_AID))[1] == "9000"
    if fid is not None:
        assert send(card, apdu.select_ef(fid))[1] == "9000"
    return card


def read_all(card, fid) -> bytes:
    selected(card, fid)
    header, sw = send(card, apdu.read_binary(0, 4))
    assert sw == "9000" and header[:2] == b"\x30\x82"
    size = int.from_bytes(header[2:4], "big") + 4
    out = b""
    while len(out) < size:
        chunk, sw = send(card, apdu.read_binary(len(out), 0))  # Le=00 -> 256
        assert sw == "9000"
        out += chunk
    return out[:size]


def test_atr_and_select_by_aid_without_fci(card):
    assert card.atr.hex().upper() == "3BE000FF8131FE4514"
    data, sw = send(card, "00A4040C0AD392F000260100000001")
    assert (data, sw) == (b"", "9000")


@pytest.mark.parametrize("aid", INDIVIDUAL_NUMBER_AIDS + (bytes.fromhex("A000000308000010000100"),))
def test_individual_number_and_unknown_applets_are_not_found(card, aid):
    assert send(card, apdu.select_aid(aid))[1] == "6A82"
    # ...and the JPKI files are not reachable afterwards either.
    assert send(card, apdu.select_ef(Ef.AUTH_CERT))[1] == "6A82"


def test_certificates_read_back_exactly(card, test_pki, holder):
    assert read_all(card, Ef.AUTH_CERT) == holder.auth.cert_der
    assert read_all(card, Ef.AUTH_CA_CERT) == test_pki.issuer_of(holder.auth).cert_der
    assert read_all(card, Ef.SIGN_CA_CERT) == test_pki.issuer_of(holder.sign).cert_der


def test_certificate_ef_has_filler_after_the_der(card, holder):
    selected(card, Ef.AUTH_CERT)
    size = len(holder.auth.cert_der)
    data, sw = send(card, apdu.read_binary(size, 16))
    assert sw == "9000" and data == b"\xff" * 16


def test_read_binary_offsets_and_end_of_file(card):
    selected(card, Ef.TOKEN_INFO)
    data, sw = send(card, apdu.read_binary(0, 0))
    assert sw == "9000" and data == b"JPKIAPICCTOKEN2".ljust(32, b" ")
    assert send(card, apdu.read_binary(4, 4)) == (b"APIC", "9000")
    assert send(card, apdu.read_binary(32, 1))[1] == "6B00"
    assert send(card, apdu.read_binary(0x7FFF, 1))[1] == "6B00"


def test_signature_certificate_needs_the_password(card, holder):
    selected(card, Ef.SIGN_CERT)
    assert send(card, apdu.read_binary(0, 4))[1] == "6982"
    assert send(card, apdu.select_ef(Ef.SIGN_PIN))[1] == "9000"
    assert send(card, apdu.verify(holder.password.encode()))[1] == "9000"
    assert read_all_without_reselect(card) == holder.sign.cert_der


def read_all_without_reselect(card):
    send(card, apdu.select_ef(Ef.SIGN_CERT))
    header, _ = send(card, apdu.read_binary(0, 4))
    size = int.from_bytes(header[2:4], "big") + 4
    out = b""
    while len(out) < size:
        out += send(card, apdu.read_binary(len(out), 0))[0]
    return out[:size]


def test_tries_query_consumes_nothing_and_counters_block(card, holder):
    selected(card, Ef.AUTH_PIN)
    assert send(card, apdu.verify(None))[1] == "63C3"
    assert send(card, apdu.verify(None))[1] == "63C3"
    assert send(card, apdu.verify(b"0000" if holder.pin != "0000" else b"1111"))[1] == "63C2"
    assert send(card, apdu.verify(holder.pin.encode()))[1] == "9000"  # a correct PIN resets
    assert send(card, apdu.verify(None))[1] == "63C3"
    wrong = b"9999" if holder.pin != "9999" else b"8888"
    assert [send(card, apdu.verify(wrong))[1] for _ in range(3)] == ["63C2", "63C1", "63C0"]
    assert send(card, apdu.verify(None))[1] == "63C0"
    assert send(card, apdu.verify(holder.pin.encode()))[1] == "6984"  # blocked: even the right PIN
    # The signature password has its own counter of 5.
    assert send(card, apdu.select_ef(Ef.SIGN_PIN))[1] == "9000"
    assert send(card, apdu.verify(None))[1] == "63C5"


def test_counters_survive_reset_but_security_state_does_not(card, holder):
    selected(card, Ef.SIGN_PIN)
    send(card, apdu.verify(b"WRONG1"))
    assert send(card, apdu.verify(holder.password.encode()))[1] == "9000"
    send(card, apdu.select_ef(Ef.SIGN_PIN))
    send(card, apdu.verify(b"WRONG1"))
    card.reset()
    selected(card, Ef.SIGN_PIN)
    assert send(card, apdu.verify(None))[1] == "63C4"
    send(card, apdu.verify(holder.password.encode()))
    # Reselecting the applet drops the verified state.
    selected(card, Ef.SIGN_CERT)
    assert send(card, apdu.read_binary(0, 4))[1] == "6982"


def _sign(card, key_ef, digest_info):
    send(card, apdu.select_ef(key_ef))
    return send(card, apdu.compute_signature(digest_info))


def test_compute_digital_signature_pads_pkcs1_and_needs_the_right_pin(card, holder):
    digest = hashlib.sha256(b"application form").digest()
    selected(card)
    assert _sign(card, Ef.SIGN_KEY, DIGEST_INFO_PREFIX + digest)[1] == "6982"
    send(card, apdu.select_ef(Ef.AUTH_PIN))
    assert send(card, apdu.verify(holder.pin.encode()))[1] == "9000"
    assert _sign(card, Ef.SIGN_KEY, DIGEST_INFO_PREFIX + digest)[1] == "6982"  # auth PIN != sign key
    signature, sw = _sign(card, Ef.AUTH_KEY, DIGEST_INFO_PREFIX + digest)
    assert sw == "9000" and len(signature) == 256
    holder.auth.cert.public_key().verify(signature, b"application form", padding.PKCS1v15(), hashes.SHA256())
    send(card, apdu.select_ef(Ef.SIGN_PIN))
    send(card, apdu.verify(holder.password.encode()))
    signature, sw = _sign(card, Ef.SIGN_KEY, DIGEST_INFO_PREFIX + digest)
    holder.sign.cert.public_key().verify(signature, b"application form", padding.PKCS1v15(), hashes.SHA256())


def test_raw_pkcs1_for_non_digestinfo_input(card, holder):
    selected(card, Ef.AUTH_PIN)
    send(card, apdu.verify(holder.pin.encode()))
    blob = bytes(range(36))  # e.g. a TLS 1.0 MD5+SHA1 concatenation
    signature, sw = _sign(card, Ef.AUTH_KEY, blob)
    assert sw == "9000"
    numbers = holder.auth.cert.public_key().public_numbers()
    recovered = pow(int.from_bytes(signature, "big"), numbers.e, numbers.n).to_bytes(256, "big")
    assert recovered.startswith(b"\x00\x01\xff") and recovered.endswith(b"\x00" + blob)


@pytest.mark.parametrize(
    "command,sw",
    [
        ("00CA010000", "6D00"),  # GET DATA: not offered
        ("0084000008", "6D00"),  # GET CHALLENGE
        ("80B0000004", "6D00"),  # proprietary class, wrong INS
        ("A0A4000002 3F00", "6E00"),  # GSM class
        ("0CA4040C0AD392F000260100000001", "6E00"),  # secure messaging
        ("00A4080C023F00", "6A86"),  # select by path: not supported
        ("00A40401 0AD392F000260100000001", "6A86"),
        ("00A4020C03000A00", "6700"),  # FID must be 2 bytes
        ("00A4", "6700"),  # truncated
        ("00A4040C00", "6700"),  # no AID
        ("00B0000004", "6986"),  # READ BINARY with no EF selected
        ("00200081", "6A86"),  # VERIFY with a wrong P2
        ("00200080", "6986"),  # tries query with no PIN EF selected
        ("802A00800400000000", "6986"),  # sign with no key selected
        ("00A4000C023F00", "9000"),  # MF
    ],
)
def test_status_words_for_probes(card, command, sw):
    assert send(card, command.replace(" ", ""))[1] == sw


def test_wrong_length_and_p1p2_inside_the_applet(card, holder):
    selected(card, Ef.AUTH_PIN)
    assert send(card, apdu.verify(b"1" * 17))[1] == "6700"
    send(card, apdu.verify(holder.pin.encode()))
    send(card, apdu.select_ef(Ef.AUTH_KEY))
    assert send(card, "802A00810401020304")[1] == "6A86"
    assert send(card, apdu.compute_signature(b"\x01" * 250))[1] == "6700"
    send(card, apdu.select_ef(Ef.AUTH_CERT))
    assert send(card, "00B0800004")[1] == "6A86"  # short EF id addressing
    assert send(card, apdu.select_ef(0x0005))[1] == "6A82"


def test_change_pin_after_verify(card, holder):
    selected(card, Ef.AUTH_PIN)
    assert send(card, "002401800431323334")[1] == "6982"
    send(card, apdu.verify(holder.pin.encode()))
    assert send(card, "002401800431323334")[1] == "9000"
    selected(card, Ef.AUTH_PIN)
    assert send(card, apdu.verify(b"1234"))[1] == "9000"


def test_apdu_observer_sees_every_exchange(test_pki):
    seen = []
    card = card_for(test_pki, on_apdu=lambda c, r: seen.append((c.hex(), r.hex())))
    card.process(apdu.select_aid(JPKI_AID))
    assert seen == [("00a4040c0ad392f000260100000001", "9000")]

"""Talking to a JPKI card as a client: select, read certificates, PIN tries, VERIFY, sign.

Transport-free: it is given a ``transmit(apdu) -> (data, sw)`` function (PC/SC or the in-process
card). It only ever selects the JPKI applet: the Individual Number applets are never addressed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

from . import jpki_apdu as apdu
from .jpki_apdu import Ef, Sw
from .signer_errors import BadPinFormat, CardError, NotJpkiCard, PinBlocked, WrongPin

Transmit = Callable[[bytes], tuple[bytes, int]]
PinKind = Literal["auth", "sign"]

_CERT_EF = {"auth": Ef.AUTH_CERT, "sign": Ef.SIGN_CERT, "auth_ca": Ef.AUTH_CA_CERT, "sign_ca": Ef.SIGN_CA_CERT}
_PIN_EF = {"auth": Ef.AUTH_PIN, "sign": Ef.SIGN_PIN}
_KEY_EF = {"auth": Ef.AUTH_KEY, "sign": Ef.SIGN_KEY}
_PIN_FORMAT = {"auth": re.compile(r"[0-9]{4}"), "sign": re.compile(r"[A-Z0-9]{6,16}")}
READ_CHUNK = 256  # Le=00: the most a short READ BINARY returns


def normalise_pin(kind: PinKind, value: str) -> bytes:
    """Check the format before touching the card (a malformed PIN would still cost a try)."""
    value = value.strip()
    if not value.isascii():  # before upper(): 'ß' would become 'SS', 'ı' 'I', and spend a try on what was not typed
        raise BadPinFormat(pin=kind)
    if kind == "sign":
        value = value.upper()  # clients upper-case the signature password
    if not _PIN_FORMAT[kind].fullmatch(value):
        raise BadPinFormat(pin=kind)
    return value.encode("ascii")


class JpkiSession:
    def __init__(self, transmit: Transmit, aid: bytes = apdu.JPKI_AID) -> None:
        # ``aid`` is a parameter because the next-generation card (2026-) may bring a second applet.
        if aid in apdu.INDIVIDUAL_NUMBER_AIDS:
            raise ValueError("the Individual Number applets are never selected")
        self._transmit = transmit
        self._aid = aid

    def _send(self, command: bytes, *ok: int) -> bytes:
        data, sw = self._transmit(command)
        if sw not in (ok or (Sw.OK,)):
            raise CardError(f"card answered {sw:04X} to {command[:4].hex()}", sw=f"{sw:04X}")
        return data

    def open(self) -> None:
        """SELECT the JPKI applet (also resets the card's security state)."""
        _, sw = self._transmit(apdu.select_aid(self._aid))
        if sw != Sw.OK:
            raise NotJpkiCard(f"SELECT JPKI answered {sw:04X}")

    def _select(self, fid: int) -> None:
        self._send(apdu.select_ef(fid))

    def token_label(self) -> bytes:
        self._select(Ef.TOKEN_INFO)
        return self._send(apdu.read_binary(0, 32)).rstrip(b" \x00")

    def is_my_number_card(self) -> bool:
        return self.token_label() == apdu.TOKEN_LABEL_MY_NUMBER_CARD

    def read_certificate(self, which: str) -> bytes:
        """A certificate EF, exactly its DER (the EF holds filler after it)."""
        self._select(_CERT_EF[which])
        header = self._send(apdu.read_binary(0, 4))
        size = der_size(header)
        out = bytearray()
        while len(out) < size:
            want = min(READ_CHUNK, size - len(out))
            chunk = self._send(apdu.read_binary(len(out), want))
            if not chunk:
                raise CardError("empty READ BINARY", sw="9000")
            out += chunk
        return bytes(out[:size])

    def tries_left(self, kind: PinKind) -> int:
        self._select(_PIN_EF[kind])
        _, sw = self._transmit(apdu.verify(None))
        # A blocked PIN answers 63C0, or on some cards 6984 (jpki-card.md, "Commands": 6984 "VERIFY on a blocked
        # PIN", unverified which; ISO 7816-4 also has 6983, authentication method blocked): no tries left either way,
        # so the holder is told to go to the municipal office rather than shown a card error.
        if sw in (Sw.PIN_BLOCKED, 0x6983):
            return 0
        if sw & 0xFFF0 != 0x63C0:
            raise CardError(f"tries query answered {sw:04X}", sw=f"{sw:04X}")
        return sw & 0x0F

    def verify(self, kind: PinKind, pin: str) -> None:
        """VERIFY after checking the format and that the PIN is not already blocked."""
        secret = normalise_pin(kind, pin)
        if self.tries_left(kind) == 0:  # never send a VERIFY that cannot succeed
            raise PinBlocked(pin=kind)
        _, sw = self._transmit(apdu.verify(secret))
        if sw == Sw.OK:
            return
        if sw == Sw.PIN_BLOCKED or sw == 0x63C0:
            raise PinBlocked(pin=kind)
        if sw & 0xFFF0 == 0x63C0:
            raise WrongPin(pin=kind, tries_left=sw & 0x0F)
        raise CardError(f"VERIFY answered {sw:04X}", sw=f"{sw:04X}")

    def compute_signature(self, kind: PinKind, data: bytes) -> bytes:
        """COMPUTE DIGITAL SIGNATURE with the key of ``kind`` (its PIN verified before): ``data`` is a DigestInfo for
        an RSA key (the card pads it), the bare hash for an EC key (the card answers r || s)."""
        self._select(_KEY_EF[kind])
        return self._send(apdu.compute_signature(data))


def der_size(header: bytes) -> int:
    """Total DER length from the first bytes of a SEQUENCE (``30 82 LL LL`` on JPKI cards)."""
    if len(header) < 2 or header[0] != 0x30:
        raise CardError("certificate EF does not start with a DER SEQUENCE", sw="9000")
    first = header[1]
    if first < 0x80:
        return 2 + first
    count = first & 0x7F
    if count == 0 or count > 2 or len(header) < 2 + count:
        raise CardError("unsupported certificate length encoding", sw="9000")
    return 2 + count + int.from_bytes(header[2 : 2 + count], "big")

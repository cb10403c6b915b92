"""A simulated JPKI card (the My Number Card's JPKI applet): pure APDU in, APDU out.

Transport-independent: the vpcd adapter feeds it APDUs from pcscd, the in-process signer calls
it directly. Behaviour follows /work/shared/reference/jpki-card.md; where the reference marks
something unverified, the simulator picks the answer OpenSC copes with. It holds no Individual
Number and answers 6A82 to those applets like to any unknown AID.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from .jpki_apdu import (
    ATR,
    INDIVIDUAL_NUMBER_AIDS,
    JPKI_AID,
    TOKEN_LABEL_MY_NUMBER_CARD,
    Command,
    Ef,
    MalformedApdu,
    Sw,
    parse_command,
)

CERT_EF_SIZE = 2048  # certificate EFs are fixed-size; the DER is followed by filler
FILLER = b"\xff"
_DIGEST_INFO_PREFIXES = {
    bytes.fromhex("3031300d060960864801650304020105000420"): hashes.SHA256(),
    bytes.fromhex("3041300d060960864801650304020205000430"): hashes.SHA384(),
    bytes.fromhex("3051300d060960864801650304020305000440"): hashes.SHA512(),
    bytes.fromhex("3021300906052b0e03021a05000414"): hashes.SHA1(),
}


# RSA-2048 on today's card; ECDSA P-384 on the next-generation card (jpki-card.md), simulated as such.
CardKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclasses.dataclass
class PinState:
    secret: bytes
    max_tries: int
    tries_left: int

    @classmethod
    def new(cls, secret: str, max_tries: int) -> PinState:
        return cls(secret.encode("ascii"), max_tries, max_tries)


@dataclasses.dataclass(frozen=True)
class CardContents:
    """What a holder's card carries (certificates as DER, keys, secrets)."""

    sign_cert: bytes
    sign_ca_cert: bytes
    auth_cert: bytes
    auth_ca_cert: bytes
    sign_key: CardKey
    auth_key: CardKey
    pin: str
    password: str
    token_label: bytes = TOKEN_LABEL_MY_NUMBER_CARD
    # The applet's AID: today's JPKI applet, or a stand-in for the next-generation card's second applet, whose AID is
    # unpublished (jpki-card.md). The signer must be told it; the Individual Number applets stay unanswered.
    aid: bytes = JPKI_AID


# PIN EF -> (key EF it unlocks, EFs it guards)
_PIN_FOR_KEY = {Ef.AUTH_KEY: Ef.AUTH_PIN, Ef.SIGN_KEY: Ef.SIGN_PIN}
_PIN_FOR_READ = {Ef.SIGN_CERT: Ef.SIGN_PIN}


class JpkiCard:
    """Card state: files and PIN counters persist (EEPROM); security state is volatile."""

    atr = ATR

    def __init__(self, contents: CardContents, on_apdu: Callable[[bytes, bytes], None] | None = None):
        self._files = {
            Ef.SIGN_CERT: _cert_ef(contents.sign_cert),
            Ef.SIGN_CA_CERT: _cert_ef(contents.sign_ca_cert),
            Ef.AUTH_CERT: _cert_ef(contents.auth_cert),
            Ef.AUTH_CA_CERT: _cert_ef(contents.auth_ca_cert),
            Ef.TOKEN_INFO: contents.token_label.ljust(32, b" "),
        }
        self._keys: dict[int, CardKey] = {Ef.SIGN_KEY: contents.sign_key, Ef.AUTH_KEY: contents.auth_key}
        if contents.aid in INDIVIDUAL_NUMBER_AIDS:  # never served, whatever a test asks (番号法 Art. 20)
            raise ValueError("a simulated card never answers for an Individual Number applet")
        self._aid = contents.aid
        self._pins = {Ef.AUTH_PIN: PinState.new(contents.pin, 3), Ef.SIGN_PIN: PinState.new(contents.password, 5)}
        self._on_apdu = on_apdu
        self.reset()

    # --- power and volatile state -------------------------------------------------------------
    def reset(self) -> None:
        """Power-on / reset: nothing selected, no PIN verified."""
        self._applet_selected = False
        self._current_ef: int | None = None
        self._verified: set[int] = set()

    def tries_left(self, pin_ef: int) -> int:
        return self._pins[pin_ef].tries_left

    # --- APDU dispatch ----------------------------------------------------------------------------
    def process(self, raw: bytes) -> bytes:
        response = self._process(raw)
        if self._on_apdu is not None:
            self._on_apdu(raw, response)
        return response

    def _process(self, raw: bytes) -> bytes:
        try:
            command = parse_command(raw)
        except MalformedApdu:
            return _sw(Sw.WRONG_LENGTH)
        cla, ins = command.cla, command.ins
        if cla == 0x00:
            handler = {0xA4: self._select, 0xB0: self._read_binary, 0x20: self._verify, 0x24: self._change_pin}.get(ins)
        elif cla == 0x80:
            handler = {0x2A: self._compute_signature}.get(ins)
        else:
            return _sw(Sw.CLA_NOT_SUPPORTED)
        if handler is None:
            return _sw(Sw.INS_NOT_SUPPORTED)
        return handler(command)

    # --- SELECT -----------------------------------------------------------------------------------
    def _select(self, c: Command) -> bytes:
        if c.p2 not in (0x00, 0x04, 0x0C):
            return _sw(Sw.WRONG_P1P2)
        if c.p1 == 0x04:  # by DF name (AID)
            if not c.data:
                return _sw(Sw.WRONG_LENGTH)
            # Selecting any applet (even reselecting JPKI) drops the security state.
            self._verified.clear()
            self._current_ef = None
            self._applet_selected = c.data == self._aid
            return _sw(Sw.OK if self._applet_selected else Sw.FILE_NOT_FOUND)
        if c.p1 in (0x00, 0x02):  # by file id
            if len(c.data) != 2:
                return _sw(Sw.WRONG_LENGTH)
            fid = int.from_bytes(c.data, "big")
            if c.p1 == 0x00 and fid == 0x3F00:  # MF: leaves the applet
                self._applet_selected = False
                self._verified.clear()
                self._current_ef = None
                return _sw(Sw.OK)
            if not self._applet_selected or not self._ef_exists(fid):
                return _sw(Sw.FILE_NOT_FOUND)
            self._current_ef = fid
            return _sw(Sw.OK)
        return _sw(Sw.WRONG_P1P2)

    def _ef_exists(self, fid: int) -> bool:
        return fid in self._files or fid in self._keys or fid in self._pins

    # --- READ BINARY ------------------------------------------------------------------------------
    def _read_binary(self, c: Command) -> bytes:
        if c.p1 & 0x80:  # short EF identifier addressing: not offered by this card
            return _sw(Sw.WRONG_P1P2)
        if c.data:
            return _sw(Sw.WRONG_LENGTH)
        ef = self._current_ef
        if ef is None or ef not in self._files:
            return _sw(Sw.NO_CURRENT_EF)
        guard = _PIN_FOR_READ.get(ef)
        if guard is not None and guard not in self._verified:
            return _sw(Sw.SECURITY_NOT_SATISFIED)
        content = self._files[ef]
        offset = (c.p1 << 8) | c.p2
        if offset >= len(content):
            return _sw(Sw.OFFSET_BEYOND_END)
        wanted = 256 if not c.le else c.le
        return content[offset : offset + wanted] + _sw(Sw.OK)

    # --- PINs -----------------------------------------------------------------------------------
    def _selected_pin(self) -> PinState | None:
        return self._pins.get(self._current_ef) if self._current_ef is not None else None

    def _verify(self, c: Command) -> bytes:
        if (c.p1, c.p2) != (0x00, 0x80):
            return _sw(Sw.WRONG_P1P2)
        pin = self._selected_pin()
        if pin is None or self._current_ef is None:  # (no PIN without a current EF)
            return _sw(Sw.NO_CURRENT_EF)
        if not c.data:  # tries query; a blocked PIN answers 63C0 (OpenSC needs 63xx here)
            return _sw(Sw.tries_left(pin.tries_left))
        if len(c.data) > 16:
            return _sw(Sw.WRONG_LENGTH)
        if pin.tries_left == 0:
            return _sw(Sw.PIN_BLOCKED)
        if c.data == pin.secret:
            pin.tries_left = pin.max_tries
            self._verified.add(self._current_ef)
            return _sw(Sw.OK)
        pin.tries_left -= 1
        self._verified.discard(self._current_ef)
        return _sw(Sw.tries_left(pin.tries_left))

    def _change_pin(self, c: Command) -> bytes:
        if (c.p1, c.p2) != (0x01, 0x80):
            return _sw(Sw.WRONG_P1P2)
        pin = self._selected_pin()
        if pin is None:
            return _sw(Sw.NO_CURRENT_EF)
        if self._current_ef not in self._verified:
            return _sw(Sw.SECURITY_NOT_SATISFIED)
        if not c.data or len(c.data) > 16:
            return _sw(Sw.WRONG_LENGTH)
        pin.secret = bytes(c.data)
        return _sw(Sw.OK)

    # --- COMPUTE DIGITAL SIGNATURE ------------------------------------------------------------
    def _compute_signature(self, c: Command) -> bytes:
        if (c.p1, c.p2) != (0x00, 0x80):
            return _sw(Sw.WRONG_P1P2)
        key = self._keys.get(self._current_ef) if self._current_ef is not None else None
        if key is None or self._current_ef is None:  # (no key without a current EF)
            return _sw(Sw.NO_CURRENT_EF)
        if _PIN_FOR_KEY[self._current_ef] not in self._verified:
            return _sw(Sw.SECURITY_NOT_SATISFIED)
        if isinstance(key, ec.EllipticCurvePrivateKey):
            if len(c.data) not in _EC_HASHES:
                return _sw(Sw.WRONG_LENGTH)
            return ecdsa_sign(key, c.data) + _sw(Sw.OK)
        if not c.data or len(c.data) > key.key_size // 8 - 11:
            return _sw(Sw.WRONG_LENGTH)
        return pkcs1_sign(key, c.data) + _sw(Sw.OK)


# An EC key signs a bare hash: its length names the hash (simulated; the next-generation card is unpublished).
_EC_HASHES = {32: hashes.SHA256(), 48: hashes.SHA384(), 64: hashes.SHA512()}


def ecdsa_sign(key: ec.EllipticCurvePrivateKey, digest: bytes) -> bytes:
    """ECDSA over a caller-made hash, answered as r || s, each as wide as the curve's order (ISO 7816-8's plain
    format, as EC cards answer)."""
    r, s = utils.decode_dss_signature(key.sign(digest, ec.ECDSA(utils.Prehashed(_EC_HASHES[len(digest)]))))
    width = (key.curve.key_size + 7) // 8
    return r.to_bytes(width, "big") + s.to_bytes(width, "big")


def pkcs1_sign(key: rsa.RSAPrivateKey, digest_info: bytes) -> bytes:
    """RSASSA-PKCS1-v1_5 over a caller-made DigestInfo (the card pads, the host hashes)."""
    for prefix, algorithm in _DIGEST_INFO_PREFIXES.items():
        if digest_info.startswith(prefix) and len(digest_info) == len(prefix) + algorithm.digest_size:
            return key.sign(digest_info[len(prefix) :], padding.PKCS1v15(), utils.Prehashed(algorithm))
    # Anything else (e.g. a TLS 1.1 MD5+SHA1 blob) gets raw PKCS#1 type-1 padding.
    size = key.key_size // 8
    block = b"\x00\x01" + b"\xff" * (size - 3 - len(digest_info)) + b"\x00" + digest_info
    numbers = key.private_numbers()
    value = pow(int.from_bytes(block, "big"), numbers.d, numbers.public_numbers.n)
    return value.to_bytes(size, "big")


def _cert_ef(der: bytes) -> bytes:
    return der + FILLER * max(0, CERT_EF_SIZE - len(der))


def _sw(word: int) -> bytes:
    return word.to_bytes(2, "big")

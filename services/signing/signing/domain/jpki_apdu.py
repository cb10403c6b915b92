"""The JPKI card's vocabulary: applet and file ids, status words, APDU encoding.

Facts from /work/shared/reference/jpki-card.md. Shared by the simulated card and the client so
both speak exactly the same bytes.
"""

from __future__ import annotations

import dataclasses

JPKI_AID = bytes.fromhex("D392F000260100000001")
# Applets that hold the 12-digit Individual Number. Never selected by our client, never
# served by our simulator (番号法 Art. 20).
INDIVIDUAL_NUMBER_AIDS = (
    bytes.fromhex("D3921000310001010408"),  # 券面事項入力補助AP
    bytes.fromhex("D3921000310001010402"),  # 券面AP
)
ATR = bytes.fromhex("3BE000FF8131FE4514")
TOKEN_LABEL_MY_NUMBER_CARD = b"JPKIAPICCTOKEN2"


class Ef:
    SIGN_CERT = 0x0001
    SIGN_CA_CERT = 0x0002
    TOKEN_INFO = 0x0006
    AUTH_CERT = 0x000A
    AUTH_CA_CERT = 0x000B
    AUTH_KEY = 0x0017
    AUTH_PIN = 0x0018
    SIGN_KEY = 0x001A
    SIGN_PIN = 0x001B


class Sw:
    OK = 0x9000
    WRONG_LENGTH = 0x6700
    SECURITY_NOT_SATISFIED = 0x6982
    PIN_BLOCKED = 0x6984
    CONDITIONS_NOT_SATISFIED = 0x6985
    NO_CURRENT_EF = 0x6986
    WRONG_DATA = 0x6A80
    FILE_NOT_FOUND = 0x6A82
    WRONG_P1P2 = 0x6A86
    OFFSET_BEYOND_END = 0x6B00
    INS_NOT_SUPPORTED = 0x6D00
    CLA_NOT_SUPPORTED = 0x6E00

    @staticmethod
    def tries_left(count: int) -> int:
        return 0x63C0 | (count & 0x0F)


@dataclasses.dataclass(frozen=True)
class Command:
    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None  # None: no Le; 0x00 encodes 256

    def encode(self) -> bytes:
        out = bytes((self.cla, self.ins, self.p1, self.p2))
        if self.data:
            out += bytes((len(self.data),)) + self.data
        if self.le is not None:
            out += bytes((self.le & 0xFF,))
        return out


class MalformedApdu(ValueError):
    pass


def parse_command(raw: bytes) -> Command:
    """Short APDUs only (the JPKI card uses no extended length)."""
    if len(raw) < 4:
        raise MalformedApdu("shorter than a header")
    cla, ins, p1, p2 = raw[:4]
    body = raw[4:]
    if not body:
        return Command(cla, ins, p1, p2)
    if len(body) == 1:
        return Command(cla, ins, p1, p2, le=body[0])
    lc = body[0]
    if lc == 0:
        raise MalformedApdu("extended length is not supported")
    if len(body) == 1 + lc:
        return Command(cla, ins, p1, p2, data=bytes(body[1:]))
    if len(body) == 2 + lc:
        return Command(cla, ins, p1, p2, data=bytes(body[1:-1]), le=body[-1])
    raise MalformedApdu("Lc does not match the data")


def select_aid(aid: bytes) -> bytes:
    return Command(0x00, 0xA4, 0x04, 0x0C, aid).encode()


def select_ef(fid: int) -> bytes:
    return Command(0x00, 0xA4, 0x02, 0x0C, fid.to_bytes(2, "big")).encode()


def read_binary(offset: int, length: int) -> bytes:
    return Command(0x00, 0xB0, offset >> 8, offset & 0xFF, le=length & 0xFF).encode()


def verify(pin: bytes | None) -> bytes:
    """VERIFY with the PIN, or the tries query (no data) when ``pin`` is None."""
    return Command(0x00, 0x20, 0x00, 0x80, pin or b"").encode()


def compute_signature(digest_info: bytes) -> bytes:
    return Command(0x80, 0x2A, 0x00, 0x80, digest_info, le=0).encode()

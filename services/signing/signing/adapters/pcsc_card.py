"""PC/SC card link (pyscard over pcscd): list readers, wait for a card, transmit APDUs.

Maps PC/SC failures onto the signer's error codes (no reader / no card / card removed).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from smartcard import Exceptions as sc_exc
from smartcard.CardConnection import CardConnection
from smartcard.CardRequest import CardRequest
from smartcard.CardType import AnyCardType
from smartcard.pcsc import PCSCExceptions as pcsc_exc
from smartcard.System import readers as pcsc_readers

from signing.domain.jpki_apdu import JPKI_AID
from signing.domain.signer_errors import CardRemoved, NoCard, NoReader

Recorder = Callable[[bytes, bytes, int], None]


def list_readers() -> list[str]:
    try:
        return [str(r) for r in pcsc_readers()]
    except (pcsc_exc.BaseSCardException, sc_exc.SmartcardException) as exc:
        raise NoReader(f"PC/SC unavailable: {exc}") from exc


def _pick_readers(wanted: str | None) -> list:
    try:
        available = pcsc_readers()
    except (pcsc_exc.BaseSCardException, sc_exc.SmartcardException) as exc:
        raise NoReader(f"PC/SC unavailable: {exc}") from exc
    if wanted:
        available = [r for r in available if str(r) == wanted or str(r).startswith(wanted)]
    if not available:
        raise NoReader(f"no reader matching {wanted!r}" if wanted else "no reader")
    return available


def reader_has_card(name: str) -> bool:
    """Whether a card is in the reader (SCardGetStatusChange with no wait)."""
    from smartcard import scard

    rc, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if rc != scard.SCARD_S_SUCCESS:
        raise NoReader("PC/SC unavailable")
    try:
        rc, states = scard.SCardGetStatusChange(context, 0, [(name, scard.SCARD_STATE_UNAWARE)])
        return rc == scard.SCARD_S_SUCCESS and bool(states[0][1] & scard.SCARD_STATE_PRESENT)
    finally:
        scard.SCardReleaseContext(context)


@dataclasses.dataclass
class PcscCardLink:
    connection: CardConnection
    reader_name: str
    record: Recorder | None = None

    def transmit(self, command: bytes) -> tuple[bytes, int]:
        try:
            data, sw1, sw2 = self.connection.transmit(list(command))
        except sc_exc.CardConnectionException as exc:
            raise CardRemoved(str(exc)) from exc
        response, sw = bytes(data), (sw1 << 8) | sw2
        if self.record is not None:
            self.record(command, response, sw)
        return response, sw

    def close(self) -> None:
        try:
            self.connection.disconnect()
        except sc_exc.CardConnectionException:
            pass


def connect(reader: str | None = None, wait_seconds: float = 0.0, record: Recorder | None = None) -> PcscCardLink:
    """Connect to the card in ``reader`` (or in any reader), waiting up to ``wait_seconds``."""
    candidates = _pick_readers(reader)
    if wait_seconds > 0:
        # Blocks in SCardGetStatusChange until a card is present (no polling).
        request = CardRequest(timeout=wait_seconds, readers=candidates, cardType=AnyCardType())
        try:
            service = request.waitforcard()
        except sc_exc.CardRequestTimeoutException as exc:
            raise NoCard("timed out waiting for a card") from exc
        found = str(service.connection.getReader())
        candidates = [r for r in candidates if str(r) == found] or candidates
    for candidate in candidates:
        connection = candidate.createConnection()
        try:
            connection.connect()
        except sc_exc.NoCardException:
            continue
        except sc_exc.CardConnectionException as exc:
            raise NoCard(str(exc)) from exc
        return PcscCardLink(connection, str(candidate), record)
    raise NoCard("no card in " + ", ".join(str(c) for c in candidates))


def connector(
    reader: str | None = None, wait_seconds: float = 0.0, record: Recorder | None = None
) -> Callable[[], PcscCardLink]:
    return lambda: connect(reader, wait_seconds, record)


def pcsc_signer(
    reader: str | None = None, wait_seconds: float = 0.0, record: Recorder | None = None, aid: bytes = JPKI_AID
):
    """The ``Signer`` for a real (or vpcd-simulated) card through pcscd; ``aid``: the applet (default JPKI's)."""
    from signing.domain.signer import CardSigner

    return CardSigner(connector(reader, wait_seconds, record), aid=aid)

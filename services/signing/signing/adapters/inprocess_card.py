"""Card link to a simulated card in this process (the demo, tests without pcscd)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from signing.domain.jpki_apdu import JPKI_AID
from signing.domain.jpki_card import JpkiCard

READER_NAME = "Zairyu in-process simulated reader"


@dataclasses.dataclass
class InProcessCardLink:
    card: JpkiCard
    reader_name: str = READER_NAME
    record: Callable[[bytes, bytes, int], None] | None = None

    def transmit(self, command: bytes) -> tuple[bytes, int]:
        raw = self.card.process(command)
        response, sw = raw[:-2], int.from_bytes(raw[-2:], "big")
        if self.record is not None:
            self.record(command, response, sw)
        return response, sw

    def close(self) -> None:
        # A PC/SC disconnect leaves the card powered: nothing to do here either.
        pass


def connector(
    card: JpkiCard, record: Callable[[bytes, bytes, int], None] | None = None
) -> Callable[[], InProcessCardLink]:
    return lambda: InProcessCardLink(card, record=record)


def inprocess_signer(card: JpkiCard, record: Callable[[bytes, bytes, int], None] | None = None, aid: bytes = JPKI_AID):
    """The ``Signer`` over the simulated card object itself: no pcscd involved; ``aid``: the applet (default JPKI's)."""
    from signing.domain.signer import CardSigner

    return CardSigner(connector(card, record), aid=aid)

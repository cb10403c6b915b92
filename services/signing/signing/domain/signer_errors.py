"""What can go wrong between the holder, the reader and the card, as machine codes.

Messages people read are in ``signer_messages``; code here never branches on message text.
"""

from __future__ import annotations


class SignerError(Exception):
    code = "card_error"

    def __init__(self, detail: str = "", **params: object) -> None:
        super().__init__(detail or self.code)
        self.detail = detail
        self.params = params


class NoReader(SignerError):
    code = "no_reader"


class NoCard(SignerError):
    code = "no_card"


class NotJpkiCard(SignerError):
    code = "not_jpki_card"


class CardRemoved(SignerError):
    code = "card_removed"


class CardError(SignerError):
    """The card answered something unexpected (status word in ``params['sw']``)."""

    code = "card_error"


class BadPinFormat(SignerError):
    """Refused before reaching the card, so no try is spent. params: pin ('auth'|'sign')."""

    code = "bad_pin_format"


class WrongPin(SignerError):
    """params: pin ('auth'|'sign'), tries_left."""

    code = "wrong_pin"


class PinBlocked(SignerError):
    """params: pin ('auth'|'sign'). Only the municipal office (or a kiosk) can reset it."""

    code = "pin_blocked"


class BadRequest(SignerError):
    code = "bad_request"

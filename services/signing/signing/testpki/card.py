"""Load a test PKI holder onto a simulated JPKI card."""

from __future__ import annotations

from collections.abc import Callable

from signing.domain.jpki_card import CardContents, JpkiCard

from .model import Holder, TestPki


def card_contents(pki: TestPki, holder: Holder) -> CardContents:
    return CardContents(
        sign_cert=holder.sign.cert_der,
        sign_ca_cert=pki.issuer_of(holder.sign).cert_der,
        auth_cert=holder.auth.cert_der,
        auth_ca_cert=pki.issuer_of(holder.auth).cert_der,
        sign_key=holder.sign.key,
        auth_key=holder.auth.key,
        pin=holder.pin,
        password=holder.password,
    )


def card_for(
    pki: TestPki, holder: Holder | str | None = None, on_apdu: Callable[[bytes, bytes], None] | None = None
) -> JpkiCard:
    """A fresh simulated card for ``holder`` (default: the first valid holder)."""
    if holder is None:
        holder = pki.first("valid")
    elif isinstance(holder, str):
        holder = pki.holder(holder)
    return JpkiCard(card_contents(pki, holder), on_apdu=on_apdu)

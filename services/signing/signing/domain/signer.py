"""The client-side signer: what to ask the card, in which order, and what to hand back.

``Signer`` is the interface the CLI, the native host and the demo use. ``CardSigner`` is its
one implementation, over any card link: PC/SC (adapters.pcsc_card) or the in-process simulated
card (adapters.inprocess_card). The signer does not judge trust: the verification service does.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any, Protocol

from cryptography import x509

from . import cades, web_eid
from .jpki_apdu import JPKI_AID
from .jpki_session import JpkiSession


class CardLink(Protocol):
    reader_name: str

    def transmit(self, command: bytes) -> tuple[bytes, int]: ...

    def close(self) -> None: ...


@dataclasses.dataclass(frozen=True)
class CertificateSummary:
    subject: str
    issuer: str
    serial: str
    not_before: dt.datetime
    not_after: dt.datetime

    @classmethod
    def of(cls, der: bytes) -> CertificateSummary:
        cert = x509.load_der_x509_certificate(der)
        return cls(
            _display(cert.subject),
            _display(cert.issuer),
            f"{cert.serial_number:X}",
            cert.not_valid_before_utc,
            cert.not_valid_after_utc,
        )

    def as_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["not_before"], out["not_after"] = self.not_before.isoformat(), self.not_after.isoformat()
        return out


def _display(name: x509.Name) -> str:
    """``C=JP, O=JPKI, ...`` in certificate order (RFC 4514 strings run backwards)."""
    return ", ".join(f"{attr.rfc4514_attribute_name}={str(attr.value)}" for attr in name)


@dataclasses.dataclass(frozen=True)
class CardInfo:
    reader: str
    my_number_card: bool
    token_label: str
    auth_certificate: CertificateSummary
    auth_pin_tries_left: int
    sign_password_tries_left: int

    def as_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["auth_certificate"] = self.auth_certificate.as_dict()
        return out


class Signer(Protocol):
    def info(self) -> CardInfo: ...

    def sign(self, content: bytes, password: str) -> bytes:
        """Detached CAdES-BES CMS (DER) over exactly ``content``, with the signature key."""

    def authenticate(self, challenge: str, origin: str, pin: str) -> dict[str, Any]:
        """Web eID authentication token, with the authentication key."""


class CardSigner:
    def __init__(
        self,
        connect: Callable[[], CardLink],
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        aid: bytes = JPKI_AID,
    ) -> None:
        """``aid``: the applet to sign with; today's JPKI applet unless told otherwise (the next-generation card brings
        a second applet whose AID is unpublished: jpki-card.md; the CLI's ``--applet-aid``)."""
        self._connect = connect
        self._clock = clock
        self._aid = aid

    def _session(self) -> tuple[CardLink, JpkiSession]:
        link = self._connect()
        try:
            session = JpkiSession(link.transmit, self._aid)
            session.open()
        except BaseException:
            link.close()
            raise
        return link, session

    def info(self) -> CardInfo:
        link, session = self._session()
        try:
            label = session.token_label()
            auth_der = session.read_certificate("auth")
            return CardInfo(
                reader=link.reader_name,
                my_number_card=label == b"JPKIAPICCTOKEN2",
                token_label=label.decode("ascii", "replace"),
                auth_certificate=CertificateSummary.of(auth_der),
                auth_pin_tries_left=session.tries_left("auth"),
                sign_password_tries_left=session.tries_left("sign"),
            )
        finally:
            link.close()

    def sign(self, content: bytes, password: str) -> bytes:
        link, session = self._session()
        try:
            session.verify("sign", password)
            cert_der = session.read_certificate("sign")  # readable only after the password

            def card_sign(data: bytes) -> bytes:
                return session.compute_signature("sign", data)

            return cades.build_detached(content, cert_der, card_sign, self._clock())
        finally:
            link.close()

    def authenticate(self, challenge: str, origin: str, pin: str) -> dict[str, Any]:
        origin = web_eid.check_origin(origin)
        challenge = web_eid.check_challenge(challenge)
        link, session = self._session()
        try:
            cert_der = session.read_certificate("auth")
            session.verify("auth", pin)
            algorithm = web_eid.algorithm_for(cert_der)
            digest = web_eid.digest_to_sign(algorithm, origin, challenge)
            if algorithm == web_eid.ALGORITHM:
                signature = session.compute_signature("auth", cades.sha256_digest_info(digest))
            else:  # ES384 and the like: the card signs the bare hash and answers r || s, which JWS keeps as it is
                signature = session.compute_signature("auth", digest)
            return web_eid.token(cert_der, signature, algorithm)
        finally:
            link.close()

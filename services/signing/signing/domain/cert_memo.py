"""What the verifier derives from a certificate, kept with the certificate object (by its identity).

One verification asks for the signer certificate's fields from half a dozen places (the signer's
match, its issuer, the profile, the CRL, the holder, the facts). ``functools.lru_cache`` found them
by the certificate's hash, and cryptography's ``Certificate.__hash__`` hashes the whole encoding on
every call: ~33,000 instructions for a 1.7 kB JPKI certificate (callgrind), so six lookups cost
a tenth of a verification. Here an entry is found by ``id(cert)`` and holds the certificate itself,
so that id cannot be reused by another object while the entry lives. The CMS reader hands out one
object per certificate encoding (``cms._certificate``), so a certificate seen again still hits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from cryptography import x509

V = TypeVar("V")


class PerCertificate(Generic[V]):
    """``derive(cert)``, computed once per certificate object; at most ``maxsize`` kept (the oldest go first:
    an applicant's certificate is verified once or a few times in a row, so recency buys nothing)."""

    def __init__(self, derive: Callable[[x509.Certificate], V], maxsize: int = 4096) -> None:
        self._derive = derive
        self._maxsize = maxsize
        self._entries: dict[int, tuple[x509.Certificate, V]] = {}
        self._lock = threading.Lock()  # eviction iterates the dict: not while another thread inserts
        self.__wrapped__ = derive
        self.__doc__ = derive.__doc__

    def __call__(self, cert: x509.Certificate) -> V:
        entry = self._entries.get(id(cert))
        if entry is not None:  # it holds its certificate alive: no other object can have that id meanwhile
            return entry[1]
        return self.remember(cert, self._derive(cert))

    def known(self, cert: x509.Certificate) -> V | None:
        """The value kept for this certificate, if any (without deriving it)."""
        entry = self._entries.get(id(cert))
        return entry[1] if entry is not None else None

    def remember(self, cert: x509.Certificate, value: V) -> V:
        """Keep a value derived another way (from the encoding at hand, say) as this certificate's."""
        with self._lock:
            if len(self._entries) >= self._maxsize:
                del self._entries[next(iter(self._entries))]
            self._entries[id(cert)] = (cert, value)
        return value

    def cache_clear(self) -> None:
        with self._lock:
            self._entries.clear()


def per_certificate(derive: Callable[[x509.Certificate], V]) -> PerCertificate[V]:
    """Decorator: ``@per_certificate`` in place of ``@functools.lru_cache`` for functions of one certificate."""
    return PerCertificate(derive)

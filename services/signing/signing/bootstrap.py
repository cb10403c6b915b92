"""Signing's ports, built once per runtime (``ServiceDefinition.bootstrap``), reached through ``ports(runtime)``.

The verifier (pinned roots, CRL index, OCSP) is built on first use, not here: a broken trust
configuration must make the service unready and its handler retried, never stop it from starting.
Tests pass fakes by setting the fields or ``runtime.ports``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from signing.adapters.verifier_factory import VerificationService, build

if TYPE_CHECKING:
    from signing.entrypoints.demo import DemoCards
    from zairyu_shared.runtime import Runtime


@dataclass
class SigningPorts:
    build_verification: Callable[[], VerificationService]
    # The embedded run only (entrypoints/demo.py): the simulated cards and the thread keeping the demo CRLs fresh.
    demo_cards: DemoCards | None = None
    demo_crl_refresher: threading.Thread | None = None
    _verification: VerificationService | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def verification(self) -> VerificationService:
        """The verifier and the parts reported on, built on first use (VerifierConfigError until the trust
        configuration loads; asked again, it tries again)."""
        if self._verification is None:
            with self._lock:
                if self._verification is None:
                    self._verification = self.build_verification()
        return self._verification

    @property
    def built_verification(self) -> VerificationService | None:
        """The verifier if something has needed it already (the metrics page does not build it)."""
        return self._verification


def bootstrap(runtime: Runtime) -> SigningPorts:
    return SigningPorts(build_verification=lambda: build(runtime.settings))


def ports(runtime: Runtime) -> SigningPorts:
    built = runtime.ports
    assert isinstance(built, SigningPorts), built
    return built

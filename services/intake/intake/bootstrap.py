"""Intake's ports, built once per runtime (``ServiceDefinition.bootstrap``), reached through ``ports(runtime)``.

The attachment store and the signing client cost nothing to build. The payment provider is chosen on
first use, from the runtime's settings as they are then: the DEMO provider refuses any runtime that is not
the embedded run, hand-built ones included. Tests pass fakes by setting the fields
(``ports(rt).signing = FakeSigning()``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from intake.adapters import attachment_owners
from intake.adapters.corporate_number_extract import CorporateNumberExtract
from intake.adapters.demo_psp import DemoProvider
from intake.adapters.payment_provider import PaymentProvider
from intake.adapters.signing_client import SigningClient
from intake.adapters.store import AttachmentStore
from intake.application.common import keyed_hash
from intake.settings import IntakeSettings

if TYPE_CHECKING:
    from zairyu_shared.runtime import Runtime


def _demo(runtime: Runtime) -> DemoProvider:
    s = _settings(runtime)
    if not s.embedded:  # the settings refuse it already; this keeps a hand-built runtime from reaching it too
        raise RuntimeError("the DEMO payment provider exists only in the embedded run")
    secret = s.payment_secret or keyed_hash(s.secret_key or "embedded-only", "demo-payment-provider")
    return DemoProvider(runtime.session_factory, secret, s.public_url, s.payment_tolerance)


# ZAIRYU_PAYMENT_PROVIDER -> the adapter behind the port (adapters/payment_provider.py). A real PSP's
# adapter is added here (and to the settings' choices) once a merchant contract exists.
PROVIDERS: dict[str, Callable[[Runtime], PaymentProvider]] = {"demo": _demo}


@dataclass
class IntakePorts:
    runtime: Runtime
    store: AttachmentStore  # the applicants' uploads, on disk, each sealed under its owner's data key
    signing: SigningClient  # signing's verification API (signatures, card logins)

    @cached_property
    def corporate_numbers(self) -> CorporateNumberExtract | None:
        """The NTA's published corporate numbers the operator ships (ZAIRYU_CORPORATE_NUMBER_EXTRACT), or None:
        then an application for use's corporate number is checked for its format and check digit only."""
        path = _settings(self.runtime).corporate_number_extract
        return CorporateNumberExtract(path) if path else None

    @cached_property
    def payment_provider(self) -> PaymentProvider | None:
        """The configured PSP, or None: then paying online is unavailable and the fee slip takes stamps."""
        build = PROVIDERS.get(_settings(self.runtime).payment_provider)
        return build(self.runtime) if build else None


def bootstrap(runtime: Runtime) -> IntakePorts:
    settings = _settings(runtime)
    return IntakePorts(
        runtime=runtime,
        # Each file sealed under its owner's data key; a read by hash alone finds the owner in the rows.
        store=AttachmentStore(settings.store_dir, runtime.keyring, owners=attachment_owners.lookup(runtime.engine)),
        signing=SigningClient(settings.signing_url),
    )


def _settings(runtime: Runtime) -> IntakeSettings:
    settings = runtime.settings
    assert isinstance(settings, IntakeSettings), settings
    return settings


def ports(runtime: Runtime) -> IntakePorts:
    built = runtime.ports
    assert isinstance(built, IntakePorts), built
    return built

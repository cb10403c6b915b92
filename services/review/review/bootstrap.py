"""Review's ports, built once per runtime (``ServiceDefinition.bootstrap``), reached through ``ports(runtime)``.

The HTTP clients cost nothing to build; the two keys are opened on first use, not here: a runtime built
only to migrate or purge never opens the token, and a missing key refuses the action that needs it, not
the start. Tests pass fakes by setting the fields (``ports(rt).signing = FakeSigning()``, also the keys).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from review.adapters.document_keys import DemoKey, NoSigningKey, Pkcs11Key, signer_from
from review.adapters.intake_client import IntakeAttachments
from review.adapters.signing_client import SigningVerifier
from review.settings import ReviewSettings

if TYPE_CHECKING:
    from zairyu_shared.runtime import Runtime

log = logging.getLogger(__name__)

DocumentKey = Pkcs11Key | DemoKey


@dataclass
class ReviewPorts:
    settings: ReviewSettings
    signing: SigningVerifier  # signing's verification API (a received form's signature, answered documents)
    attachments: IntakeAttachments  # the files applicants uploaded, fetched from intake by their sha256

    @cached_property
    def coe_signer(self) -> DocumentKey:
        """The bureau's e-COE key (adapters/document_keys.py), opened once; NoSigningKey (not kept) when none
        is configured, so the next approval tries again."""
        return signer_from(self.settings)

    @cached_property
    def access_log_signer(self) -> DocumentKey | None:
        """The key that signs the access log's tree heads: its own label in the e-COE token (DEMO key only in
        the embedded run), opened once; None (and a warning) when none is configured."""
        try:
            return signer_from(
                self.settings, self.settings.access_log_key_label, self.settings.access_log_demo_key_file
            )
        except NoSigningKey as exc:
            log.warning("access log: tree heads are not signed: %s", exc)
            return None


def bootstrap(runtime: Runtime) -> ReviewPorts:
    settings = runtime.settings
    assert isinstance(settings, ReviewSettings), settings
    return ReviewPorts(
        settings=settings,
        signing=SigningVerifier(settings.signing_url),
        attachments=IntakeAttachments(settings.intake_url),
    )


def ports(runtime: Runtime) -> ReviewPorts:
    built = runtime.ports
    assert isinstance(built, ReviewPorts), built
    return built

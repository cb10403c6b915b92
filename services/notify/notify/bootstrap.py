"""Notify's ports, built once per runtime (``ServiceDefinition.bootstrap``), reached through ``ports(runtime)``.

Tests pass fakes by setting the fields or ``runtime.ports``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from notify.adapters.catalogue import Catalogue
from notify.adapters.smtp import MailDrop, Mailer, SmtpMailer
from notify.settings import NotifySettings

if TYPE_CHECKING:
    from notify.application.sending import Handoff, Sender
    from zairyu_shared.runtime import Runtime


@dataclass
class NotifyPorts:
    catalogue: Catalogue  # every language's messages and the mail layout, loaded once
    # A new relay connection for each sender loop (each thread keeps its own SMTP session).
    new_mailer: Callable[[], Mailer]
    # The sender loops started in this process (none until started: the web process starts them only
    # in the embedded run, and only once).
    senders: list[Sender] = field(default_factory=list)
    # Mail the consumer claimed as it wrote it, for those senders (None: no sender here, mail waits to be claimed).
    handoff: Handoff | None = None


def bootstrap(runtime: Runtime) -> NotifyPorts:
    settings = runtime.settings
    assert isinstance(settings, NotifySettings), settings
    new_mailer: Callable[[], Mailer]
    if settings.mail_drop:  # the embedded run: mails become files, there is no relay
        new_mailer = lambda: MailDrop(settings.mail_drop)  # noqa: E731
    else:
        new_mailer = lambda: SmtpMailer.from_settings(settings)  # noqa: E731
    return NotifyPorts(catalogue=Catalogue(), new_mailer=new_mailer)


def ports(runtime: Runtime) -> NotifyPorts:
    built = runtime.ports
    assert isinstance(built, NotifyPorts), built
    return built

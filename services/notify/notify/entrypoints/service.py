"""The notify service as the platform runs it: settings, tables, migrations, app, handlers."""

from __future__ import annotations

from pathlib import Path

from notify.adapters.retention import purge_steps
from notify.adapters.tables import metadata
from notify.bootstrap import bootstrap
from notify.settings import NotifySettings
from zairyu_shared.runtime import ServiceDefinition

from .consumers import HANDLERS
from .web import create_app


def run_sender(runtime, stop):
    """The SMTP sender runs beside the consumers (consume process, embedded run, tests)."""
    from .sender import start_sender

    return start_sender(runtime, stop)[1]


def demo_environment(demo_dir: Path) -> dict:
    """Embedded run: no SMTP server and no consume process, so mails land as files, sent from the web process."""
    return {
        "ZAIRYU_NOTIFY_MAIL_DROP": str(demo_dir / "mail"),
        "ZAIRYU_NOTIFY_SENDER_WITH_WEB": "true",
        "ZAIRYU_NOTIFY_SEND_RATE": "0",
    }


definition = ServiceDefinition(
    name="notify",
    settings_class=NotifySettings,
    metadata=metadata,
    migrations=Path(__file__).resolve().parents[1] / "adapters" / "migrations",
    create_app=create_app,
    handlers=HANDLERS,
    web_port=8002,
    demo_environment=demo_environment,
    workers=[run_sender],
    purge_steps=lambda runtime: purge_steps(),
    bootstrap=bootstrap,
)

"""A service's moving parts in one process: database, outbox relay, consumers.

``ServiceDefinition`` is what a service declares (in its ``entrypoints/service.py``); the shared
CLI, the embedded supervisor and the tests all build a ``Runtime`` from it, so the same wiring
runs everywhere.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from typing_extensions import TypeVar

from . import config as config_mod
from . import crypto, metrics, subject_keys
from .bus import EventConsumer, Handler, KombuPublisher, RetryPolicy, declare_topology
from .db import make_engine, make_session_factory, messaging_tables
from .events import Envelope, new_event
from .migrations import upgrade
from .outbox import OutboxRelay, add_event, staged_in

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy.orm import Session

    from .retention import PurgeReport, PurgeStep

log = logging.getLogger(__name__)

# The in-memory transport polls; 1 s (kombu's default) would make the embedded run feel stuck.
MEMORY_TRANSPORT_OPTIONS = {"polling_interval": 0.01}

# The service's settings class: ``Runtime[IntakeSettings]`` lets mypy see intake's own settings without
# casts. Defaults to the common settings, which is what code serving every service (CLI, supervisor) sees.
# Covariant: intake's runtime is a runtime; its settings are set once (tests replace them, same class).
S = TypeVar("S", bound=config_mod.CommonSettings, default=config_mod.CommonSettings, covariant=True)


@dataclass
class ServiceDefinition(Generic[S]):
    name: str
    settings_class: type[S]
    metadata: sa.MetaData
    migrations: Path
    create_app: Callable[[Runtime], Flask]
    handlers: list[Handler] = field(default_factory=list)
    seed_demo: Callable[[Runtime], object] | None = None  # what it returns is not used
    web_port: int = 8000
    seed_order: int = 50
    # Settings the embedded run must set before any service starts, given the demo folder
    # (e.g. signing: where the demo test PKI lives). Never used in the real mode.
    demo_environment: Callable[[Path], dict[str, str]] | None = None
    # Background loops that belong with the consumers (e.g. notify's SMTP sender): each is called
    # with (runtime, stop event) and returns the threads it started.
    workers: list[Callable[[Runtime, threading.Event], list[threading.Thread]]] = field(default_factory=list)
    # What the retention purge deletes here (zairyu_shared.retention), given the runtime; the outbox
    # and inbox rows are added for every service. ``purge_audit`` records that a purge happened.
    purge_steps: Callable[[Runtime], list[PurgeStep]] | None = None
    purge_audit: Callable[[Runtime, Session, PurgeReport], None] | None = None
    # Files kept outside the database that ``rotate-keys`` also brings under per-person keys (intake's
    # attachment store): ``rotate_files(runtime, batch)`` reports what it did, ``files_left(runtime)``
    # counts what still is not under a person's key.
    rotate_files: Callable[[Runtime, int], dict[str, int]] | None = None
    files_left: Callable[[Runtime], int] | None = None
    # Rows ``rotate-keys`` brings under a data key by the service's own rule (signing's verdicts: the key of the
    # day their retention ends): ``rotate_rows(runtime, batch)`` reports, ``rows_left(runtime)`` counts what is not.
    rotate_rows: Callable[[Runtime, int], dict[str, int]] | None = None
    rows_left: Callable[[Runtime], int] | None = None
    # The service's bootstrap.py: builds its ports (the clients, stores and providers its use cases reach
    # the world through) from the runtime. Called once, on first use of ``Runtime.ports``.
    bootstrap: Callable[[Runtime], object] | None = None
    # The data key a personal event's outbox body is sealed under when not its person's (signing keeps no
    # per-person keys: a key per day, destroyed through the erasure ledger once that day's rows are purged).
    outbox_seal_subject: Callable[[Envelope], str] | None = None


@dataclass
class Runtime(Generic[S]):
    definition: ServiceDefinition[S]
    settings: S
    engine: sa.Engine = field(init=False)

    def __post_init__(self) -> None:
        self.engine = make_engine(self.settings.database_url)
        self.session_factory = make_session_factory(self.engine)
        self.outbox, self.inbox = messaging_tables(self.definition.metadata)
        opts: dict[str, Any] = MEMORY_TRANSPORT_OPTIONS if self.settings.amqp_url.startswith("memory://") else {}
        self.transport_options = opts
        self.publisher = KombuPublisher(self.settings.amqp_url, transport_options=opts)
        self.relay = OutboxRelay(
            self.name, self.session_factory, self.outbox, self.publisher, batch_size=self.settings.relay_batch
        )
        sa_event.listen(self.session_factory, "after_commit", self._nudge_relay)
        if self.settings.data_keys:
            crypto.configure(self.settings.data_keys)
        self.keyring: subject_keys.Keyring | None = None
        ledger_path = getattr(self.settings, "erasure_ledger", "")
        self._report_ledger(ledger_path)
        if subject_keys.has_subject_keys(self.definition.metadata):
            self.keyring = subject_keys.bind(
                self.definition.metadata,
                self.engine,
                subject_keys.TombstoneLedger(ledger_path) if ledger_path else None,
            )
            self.relay.keyring = self.keyring  # opens the outbox bodies staged sealed (see ``stage``)
        self._threads: list[threading.Thread] = []
        self.stop_event = threading.Event()
        self._ports: object = None
        self._ports_lock = threading.Lock()

    def _report_ledger(self, ledger_path: str) -> None:
        """Make a missing erasure ledger visible: ``zairyu_erasure_ledger_configured`` (0/1, alert
        ZairyuErasureLedgerMissing) and, outside the embedded run, an ERROR at start. Not a configuration
        error: the service works without it, but every erasure it makes is undone by restoring a backup
        taken before (docs/operations.md, "Erasure ledger missing")."""
        metrics.ERASURE_LEDGER_CONFIGURED.labels(service=self.name).set(1 if ledger_path else 0)
        if not ledger_path and not self.settings.embedded:
            log.error(
                "ZAIRYU_ERASURE_LEDGER is not set: erasures are not recorded outside the database, so restoring a "
                "backup would bring back every person erased since it was taken",
                extra={"service": self.name},
            )

    def _nudge_relay(self, session: Session) -> None:
        """A commit that staged events nudges the in-process relay instead of waiting for a poll. Only those: the
        relay's own commits would otherwise wake it again, forever. And only while the relay is not LISTENing on
        PostgreSQL: then the commit's NOTIFY wakes it, and the two wakes made two rounds, the second one empty (a
        transaction each, in every consume process)."""
        if staged_in(session, self.outbox) and not self.relay.listening.is_set():
            self.relay.wake()

    @property
    def name(self) -> str:
        return self.definition.name

    @classmethod
    def from_env(
        cls, definition: ServiceDefinition[S], environ: Mapping[str, str] | None = None, **overrides: Any
    ) -> Runtime[S]:
        settings = config_mod.load(definition.settings_class, environ, **overrides)
        return cls(definition, settings)

    @property
    def ports(self) -> object:
        """The service's ports, built by its bootstrap on first use (lazily: a runtime built only to
        migrate or purge never opens a client). Each service reads them through its typed accessor
        (``<service>.bootstrap.ports(runtime)``); tests set fakes on them or assign whole ports."""
        if self._ports is None:
            with self._ports_lock:
                if self._ports is None:
                    if self.definition.bootstrap is None:
                        raise RuntimeError(f"{self.name} declares no bootstrap: it has no ports")
                    self._ports = self.definition.bootstrap(self)
        return self._ports

    @ports.setter
    def ports(self, value: object) -> None:
        self._ports = value

    # -- what services call ------------------------------------------------------------------
    def stage(self, session: Session, event: Envelope) -> None:
        """Put an event in the outbox within the caller's transaction (a personal event's body sealed under its
        person's data key where the service keeps per-person keys: zairyu_shared.outbox.seal_body)."""
        add_event(session, self.outbox, event, self.keyring, self.definition.outbox_seal_subject)

    def emit(
        self,
        session: Session,
        event_type: str,
        payload: dict[str, Any],
        *,
        correlation_id: str,
        causation_id: str | None = None,
        version: int | None = None,
        occurred_at: datetime | None = None,
        echoes: Mapping[str, Envelope] | None = None,
    ) -> Envelope:
        """Build an event from this service (its name is the envelope's source, checked against the
        contract's producer) and stage it in the caller's transaction; the event is returned.
        ``echoes``: fields that are a received event's payload, validated on receipt (see new_event)."""
        event = new_event(
            event_type,
            payload,
            source=self.name,
            correlation_id=correlation_id,
            causation_id=causation_id,
            version=version,
            occurred_at=occurred_at,
            echoes=echoes,
        )
        self.stage(session, event)
        return event

    def migrate(self) -> None:
        upgrade(self.definition.migrations, self.settings.database_url)
        if self.keyring is not None:
            # After a restore the database may hold keys of people erased since the backup: forget them
            # before anything serves (the ledger lives outside the database).
            with self.engine.begin() as conn:
                destroyed = self.keyring.reapply(conn)
            if destroyed:
                log.warning("erasures re-applied after a restore", extra={"keys_destroyed": destroyed})

    def handlers(self) -> list[Handler]:
        return self.definition.handlers

    def consumer(self, **kw: Any) -> EventConsumer:
        return EventConsumer(
            service=self.name,
            url=self.settings.amqp_url,
            handlers=self.handlers(),
            session_factory=self.session_factory,
            inbox=self.inbox,
            prefetch=self.settings.prefetch,
            retry=kw.pop("retry", RetryPolicy(attempts=self.settings.handler_attempts)),
            transport_options=self.transport_options,
            context=self,
            **kw,
        )

    def declare(self) -> None:
        from kombu import Connection

        with Connection(self.settings.amqp_url, transport_options=self.transport_options) as conn:
            declare_topology(conn, self.name, self.handlers())

    def start_background(self, consume: bool = True, relay: bool = True) -> None:
        """Run the relay and the consumers in threads (embedded run, consumer process, tests)."""
        if relay:
            self._spawn(f"{self.name}-relay", self.relay.run, self.stop_event)
        if consume and self.handlers():
            ready = threading.Event()
            consumer = self.consumer()
            self._spawn(f"{self.name}-consumer", consumer.run, self.stop_event, ready)
            if not ready.wait(30):
                raise RuntimeError(f"{self.name} consumer did not start within 30 s")
        if consume:
            for worker in [*self.definition.workers, _purge_worker]:
                self._threads.extend(worker(self, self.stop_event) or [])

    def purge(self, dry_run: bool = False, now: datetime | None = None) -> PurgeReport:
        """Delete this service's expired records (see zairyu_shared.retention); return the report."""
        from . import retention

        steps = list(self.definition.purge_steps(self) if self.definition.purge_steps else [])
        steps += retention.messaging_steps(self.outbox, self.inbox)
        audit = self.definition.purge_audit
        return retention.purge(
            self.name,
            self.session_factory,
            steps,
            now=now,
            dry_run=dry_run,
            batch=self.settings.purge_batch,
            after=(lambda session, report: audit(self, session, report)) if audit else None,
        )

    def ended_threads(self) -> list[str]:
        """Background threads (relay, consumer, workers) that ended although the runtime was not
        stopped: each runs until stopped, so one that ended died of an error nobody caught."""
        if self.stop_event.is_set():
            return []
        return [thread.name for thread in self._threads if not thread.is_alive()]

    def _spawn(self, name: str, target: Callable[..., object], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self, timeout: float = 30) -> None:
        self.stop_event.set()
        self.relay.wake()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()
        self.publisher.close()
        self.engine.dispose()


def periodic_worker(
    name: str, minutes_setting: str, work: Callable[[Runtime], object]
) -> Callable[[Runtime, threading.Event], list[threading.Thread]]:
    """A service definition's worker: ``work(runtime)`` at start, then every
    ``runtime.settings.<minutes_setting>`` minutes (0 or less: off), until the runtime stops.
    It runs beside the consumers (consume process, embedded run), so what it stages is relayed there."""

    def worker(runtime: Runtime, stop: threading.Event) -> list[threading.Thread]:
        minutes = getattr(runtime.settings, minutes_setting)
        if minutes <= 0:
            return []

        def loop() -> None:
            while not stop.is_set():
                try:
                    work(runtime)
                except Exception:  # the database may be away for a while; try again next round
                    log.exception("periodic work %s failed", name)
                stop.wait(minutes * 60)

        thread = threading.Thread(target=loop, name=name, daemon=True)
        thread.start()
        return [thread]

    worker.__name__ = worker.__qualname__ = name.replace("-", "_")
    return worker


# Every consume process purges its service's expired records every ZAIRYU_PURGE_MINUTES.
_purge_worker = periodic_worker("retention-purge", "purge_minutes", lambda runtime: runtime.purge())


def runtime_from_environment(service: str) -> Runtime:
    """The runtime of a service named in the ``zairyu.services`` entry points, from the environment
    (what ``gunicorn '<pkg>.entrypoints.web:create_app()'`` needs)."""
    from importlib.metadata import entry_points

    (ep,) = [ep for ep in entry_points(group="zairyu.services") if ep.name == service]
    return Runtime.from_env(ep.load())

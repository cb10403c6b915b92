"""Boot the whole platform for cross-service tests: every service on real PostgreSQL (a database
each) and one fresh RabbitMQ vhost, web fronts on free local ports, consumers and relays running."""

from __future__ import annotations

import threading
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from importlib.metadata import entry_points

from kombu import Connection, Exchange, Producer
from werkzeug.serving import make_server

from zairyu_shared import crypto, testing
from zairyu_shared.events.envelope import Envelope
from zairyu_shared.runtime import Runtime
from zairyu_shared.testing import free_port
from zairyu_shared.testing_databases import migrated_database


@dataclass
class Platform:
    amqp_url: str
    runtimes: dict[str, Runtime] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    apps: dict = field(default_factory=dict)

    def client(self, service: str):
        return self.apps[service].test_client()


@contextmanager
def platform(extra_env: dict | None = None, services: tuple[str, ...] | None = None):
    defs = {ep.name: ep.load() for ep in entry_points(group="zairyu.services")}
    names = services or tuple(sorted(defs))
    ports = {name: free_port() for name in names}
    env = {
        "ZAIRYU_SECRET_KEY": "t" * 48,
        "ZAIRYU_DATA_KEYS": crypto.new_key(),
        "ZAIRYU_PAYMENT_SECRET": "p" * 48,  # intake's payment provider notifications
        **testing.redis_ratelimit_env(),  # the real mode counts rate limits in Redis
        **{f"ZAIRYU_{n.upper().replace('-', '_')}_URL": f"http://127.0.0.1:{p}" for n, p in ports.items()},
        **(extra_env or {}),
    }
    if "intake" in ports:  # notices link to the applicants' site
        env.setdefault("ZAIRYU_PORTAL_URL", f"http://127.0.0.1:{ports['intake']}")
    with ExitStack() as stack:
        amqp = stack.enter_context(testing.fresh_vhost("zt-e2e"))
        env["AMQP_URL"] = amqp
        plat = Platform(amqp_url=amqp)
        for name in names:
            db = stack.enter_context(migrated_database(defs[name], "zt_" + name.replace("-", "_")))
            rt = Runtime.from_env(defs[name], environ={**env, "DATABASE_URL": db})
            rt.migrate()
            rt.declare()
            plat.runtimes[name] = rt
        servers = []
        for name, rt in plat.runtimes.items():
            rt.start_background()
            stack.callback(rt.stop)
            app = rt.definition.create_app(rt)
            app.config["WTF_CSRF_ENABLED"] = app.config.get("WTF_CSRF_ENABLED", True)
            server = make_server("127.0.0.1", ports[name], app, threaded=True)
            # shutdown() waits for the loop to look at its flag: every 0.5 s by default, 2.5 s for five fronts
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
            servers.append(server)
            stack.callback(server.shutdown)
            plat.apps[name] = app
            plat.urls[name] = f"http://127.0.0.1:{ports[name]}"
        stack.callback(_tell_every_runtime_to_stop, list(plat.runtimes.values()))  # runs first: they wind down together
        yield plat


def _tell_every_runtime_to_stop(runtimes: list[Runtime]) -> None:
    for rt in runtimes:
        rt.stop_event.set()
        rt.relay.wake()


class Inbox:
    """An aiosmtpd handler keeping every mail it is given: the applicants' and officers' mailboxes."""

    def __init__(self):
        self.mails = []

    async def handle_DATA(self, server, session, envelope):
        self.mails.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def publish(amqp_url: str, exchange: str, event: Envelope) -> None:
    """Publish ``event`` on ``exchange`` routed by its type, standing in for the service that would send it."""
    with Connection(amqp_url) as conn:
        Producer(conn.default_channel).publish(
            event.to_json().encode(),
            exchange=Exchange(exchange, type="topic", durable=True),
            routing_key=event.type,
            content_type="application/json",
            content_encoding="binary",
            message_id=event.id,
            correlation_id=event.correlation_id,
            type=event.type,
        )

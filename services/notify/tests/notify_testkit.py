"""Fixtures: a real SMTP server (aiosmtpd) on a random port, notify on SQLite + memory bus."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from notify.entrypoints.service import definition
from zairyu_shared import crypto, testing
from zairyu_shared.runtime import Runtime
from zairyu_shared.testing import free_port, service_runtime
from zairyu_shared.testing_databases import migrate_for_test

KEY = crypto.new_key()
BUREAU_MAILBOX = "review-tokyo@example.jp"


class Inbox:
    """What the SMTP server accepted, plus answers to give: {address: "550 ..."} per RCPT."""

    def __init__(self):
        self.messages = []
        self.reject = {}
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = self.reject.get(address)
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(msg)
        return "250 Message accepted for delivery"

    def by_message_id(self):
        ids = {}
        for m in self.messages:
            ids.setdefault(m["Message-ID"], []).append(m)
        return ids


class SmtpServer:
    def __init__(self):
        self.inbox = Inbox()
        self.port = free_port()
        self.controller = None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=True)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def make_runtime(database_url: str, amqp_url: str, smtp_port: int, **overrides) -> Runtime:
    crypto.configure([KEY])
    settings = dict(
        data_keys=(KEY,),
        smtp_port=smtp_port,
        smtp_timeout=5.0,
        send_rate=0.0,
        retry_base_seconds=0.05,
        retry_max_seconds=0.2,
        poll_seconds=0.05,
        bureau_mailboxes=(f"tokyo={BUREAU_MAILBOX}",),
        portal_url="https://zairyu.example.jp",
    )
    settings.update(overrides)
    return service_runtime(definition, migrate=False, database_url=database_url, amqp_url=amqp_url, **settings)


@contextmanager
def migrated_runtime(dialect: str, tmp_path, database: str) -> Iterator[Runtime]:
    """A migrated runtime on SQLite (a file in ``tmp_path``) or on a fresh PostgreSQL database named after
    ``database``, for tests that run on both (a fixture's ``request.param``); stopped afterwards."""
    with contextlib.ExitStack() as stack:
        if dialect == "sqlite":
            url = f"sqlite:///{tmp_path}/n.db"
        else:
            url = stack.enter_context(testing.fresh_database(database))
        rt = make_runtime(url, f"memory://{tmp_path.name}", 2525)
        rt.migrate()
        try:
            yield rt
        finally:
            rt.stop()


@pytest.fixture
def make_rt(tmp_path, smtp):
    made = []

    def build(**overrides):
        port = overrides.pop("smtp_port", smtp.port)
        rt = make_runtime(
            f"sqlite:///{tmp_path}/notify-{len(made)}.db", f"memory://{tmp_path.name}-{len(made)}", port, **overrides
        )
        migrate_for_test(rt)  # a copy of the migrated template, then migrate() as always
        made.append(rt)
        return rt

    yield build
    for rt in made:
        rt.stop()


@pytest.fixture
def rt(make_rt):
    return make_rt()


class FakeMessage:
    """A bus message as the consumer sees it (the consumer's real code runs on it)."""

    def __init__(self, event):
        self.body = event.to_json().encode()
        self.properties = {"message_id": event.id, "type": event.type}
        self.headers = {}
        self.delivery_info = {"exchange": "", "routing_key": event.type}
        self.content_type = "application/json"
        self.acked = False

    def ack(self):
        self.acked = True


def deliver(rt, *events):
    """Hand events to notify's consumer exactly as a delivery from the queue would."""
    consumer = rt.consumer()
    consumer._amqp = False  # set by the consume loop from its connection; here the messages are fakes
    qname = rt.handlers()[0].queue_name(rt.name)
    messages = [FakeMessage(e) for e in events]
    consumer.process([(qname, m) for m in messages])
    assert all(m.acked for m in messages)


def parts(msg):
    text = msg.get_body(preferencelist=("plain",)).get_content()
    html = msg.get_body(preferencelist=("html",)).get_content()
    return text, html

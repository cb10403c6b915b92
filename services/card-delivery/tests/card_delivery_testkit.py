"""Helpers for card-delivery tests (a uniquely named module: several packages have a conftest.py,
and a plain `import conftest` would get whichever was imported first in a whole-repo run)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pyotp
import sqlalchemy as sa
from cryptography.fernet import Fernet

from card_delivery.adapters import officers, repository
from card_delivery.adapters.tables import delivery_cases
from card_delivery.application.opening import application_decided as on_application_decided
from card_delivery.entrypoints.service import definition
from zairyu_shared.db import transaction
from zairyu_shared.events import new_event
from zairyu_shared.runtime import Runtime
from zairyu_shared.testing import service_runtime
from zairyu_shared.testing_databases import migrate_for_test

DATA_KEY = Fernet.generate_key().decode()


def make_runtime(database_url: str, amqp_url: str, **overrides) -> Runtime:
    rt = service_runtime(
        definition,
        migrate=False,
        database_url=database_url,
        amqp_url=amqp_url,
        data_keys=(DATA_KEY,),
        secret_key="t" * 40,
        **overrides,
    )
    migrate_for_test(rt)  # a copy of the migrated template, then migrate() as always
    return rt


class Mailroom:
    """A signed-in officer's browser: gets pages, posts forms with the page's CSRF token."""

    def __init__(self, client):
        self.client = client

    def token(self):
        # Read from a page each time, as a browser would: signing in rotates the session's token.
        return csrf_from(self.client.get("/public/card-check").get_data(as_text=True))

    def get(self, path, **kw):
        kw.setdefault("headers", {"Accept-Language": "en"})  # assertions read the English texts
        return self.client.get(path, **kw)

    def post(self, path, data=None, **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token())
        kw.setdefault("headers", {"Accept-Language": "en"})
        return self.client.post(path, data=data, **kw)


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client, runtime, username="clerk") -> Mailroom:
    with transaction(runtime.session_factory) as session:
        created = officers.create(session, username, f"Officer {username}")
    browser = Mailroom(client)
    response = browser.post(
        "/mailroom/sign-in",
        {"username": username, "password": created.password, "code": pyotp.TOTP(created.totp_secret).now()},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return browser


def decision_payload(
    application_id="app-1",
    *,
    procedure="extension",
    outcome="approved",
    card_by_mail=True,
    mailing="東京都新宿区西新宿2-8-1 都庁ハイツ101",
    certificate="東京都新宿区西新宿２－８－１　都庁ハイツ１０１",
    old_card="AB12345678CD",
    fee_yen=5500,
    decided_at=None,
):
    return {
        "application_id": application_id,
        "applicant_id": f"applicant-{application_id}",
        "outcome": outcome,
        "procedure": procedure,
        "bureau": "tokyo",
        "granted_status": "engineer_humanities",
        "period_of_stay": "P3Y",
        "fee_yen": fee_yen,
        "card_by_mail": card_by_mail,
        "delivery": {
            "name": "NGUYEN VAN AN",
            "mailing_address": {"postal_code": "163-8001", "text": mailing},
            "certificate_address": certificate,
            "old_card_number": old_card,
        },
        "decided_at": (decided_at or datetime.now(UTC) - timedelta(hours=1)).isoformat(),
    }


def deliver_decision(runtime, payload, version=None):
    event = new_event(
        "application.decided", payload, source="review", correlation_id=payload["application_id"], version=version
    )
    with transaction(runtime.session_factory) as session:
        on_application_decided(runtime, session, event)
    return event


def only_case(runtime, application_id="app-1"):
    with runtime.session_factory() as session:
        delivery_id = session.execute(
            sa.select(delivery_cases.c.delivery_id).where(delivery_cases.c.application_id == application_id)
        ).scalar_one()
        return repository.get(session, delivery_id)


def printed_until(client, number):
    """The validity date on the card's front, as its holder would type it: the one this service recorded (any date
    for a card whose date it does not know, or a number it never saw)."""
    from card_delivery.adapters import cards

    runtime = client.application.extensions["zairyu_runtime"]
    with runtime.session_factory() as session:
        recorded = cards.valid_until(session, number)
    return (recorded or date(2030, 1, 1)).isoformat()


def lookup(client, number, valid_until=None):
    """The public lookup's answer for ``number`` and the date on its front (by default the right one)."""
    valid_until = valid_until or printed_until(client, number)
    return client.get(f"/public/card-status?number={number}&valid_until={valid_until}").get_json()["status"]

"""Against real PostgreSQL and RabbitMQ: schema by migrations, the outbox publishes application.submitted,
and the consumers apply review/notify events to the timeline and inbox (exactly once on redelivery)."""

from __future__ import annotations

import sqlalchemy as sa
from following_scenario import application_row, notice, received
from intake_testkit import make_runtime, outbox_events
from journey import fill_draft, register, submit
from kombu import Connection, Consumer, Exchange, Queue

from intake.adapters.tables import notices
from zairyu_shared import testing
from zairyu_shared.testing import wait_until


def test_submit_publishes_and_consumers_follow_on_real_servers(tmp_path):
    with testing.fresh_database("zt_intake") as db_url, testing.fresh_vhost("zt-intake") as amqp_url:
        rt = make_runtime(
            tmp_path,
            database_url=db_url,
            amqp_url=amqp_url,
            embedded=False,
            secret_key="s" * 40,
            **testing.redis_ratelimits(),
        )
        try:
            with rt.engine.connect() as conn:
                assert {"applicants", "applications", "outbox"} <= set(sa.inspect(conn).get_table_names())
            rt.declare()
            got = []
            with Connection(amqp_url) as conn:
                # A stand-in for the signing service's queue: what intake publishes must arrive.
                queue = Queue(
                    "it.signing",
                    Exchange("intake.events", type="topic", durable=True),
                    routing_key="application.submitted",
                    durable=False,
                    auto_delete=True,
                )
                queue(conn.channel()).declare()
                rt.start_background()
                from intake.entrypoints.web import create_app

                app = create_app(rt)
                app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
                client = app.test_client()
                applicant_id = register(client, rt)
                _, answer = submit(client, fill_draft(client))
                app_id = answer.json["application_id"]
                with Consumer(
                    conn, [queue], callbacks=[lambda body, msg: (got.append(body), msg.ack())], accept=["json"]
                ):

                    def arrived():
                        try:
                            conn.drain_events(timeout=0.5)
                        except TimeoutError:
                            pass
                        return got

                    wait_until(arrived, timeout=20, message="application.submitted on RabbitMQ")
            assert got[0]["payload"]["application_id"] == app_id
            received(rt, app_id, applicant_id, receipt="NGY-2026-42")
            notice(rt, applicant_id, app_id)
            wait_until(lambda: application_row(rt, app_id).receipt_number == "NGY-2026-42", message="receipt applied")
            with rt.engine.connect() as conn:
                wait_until(
                    lambda: conn.execute(sa.select(sa.func.count()).select_from(notices)).scalar() == 1,
                    message="notice stored",
                )
            assert application_row(rt, app_id).status == "received"
            page = client.get(f"/applications/{app_id}", headers={"Accept-Language": "en"})
            assert page.status_code == 200 and "NGY-2026-42" in page.data.decode()  # timeline + expected time on PG
            assert client.get(f"/applications/{app_id}/fee-slip.pdf").status_code == 200
            assert len(outbox_events(rt, "application.submitted")) == 1
        finally:
            rt.stop()

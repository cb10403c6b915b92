"""What sealing outbox bodies under the person's data key costs (issue 20), on PostgreSQL.

Stages events the way a service does (one transaction per application, a few events of one person each, whose
key exists but is not cached here), then relays them to a publisher that confirms at once, twice: bodies plain (a service without per-person keys) and
bodies sealed (the keyring bound; the relay a process of its own, its key cache empty). CPU of this process per
event, staging and relaying apart. Prints `name: value unit` lines.

    .venv/bin/python shared/bench/bench_outbox_sealing.py      # BENCH_APPLICATIONS=400 by default
"""

from __future__ import annotations

import base64
import os
import time
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from zairyu_shared import crypto, subject_keys, testing
from zairyu_shared.db import add_messaging_tables, make_engine
from zairyu_shared.events import new_event
from zairyu_shared.outbox import OutboxRelay, add_event

APPLICATIONS = int(os.environ.get("BENCH_APPLICATIONS", testing.bench_size("400", "10")))
EVENTS_PER_APPLICATION = 3  # one large (a signed correction: ~8 KB, like application.submitted) and two small


class Confirming:
    def publish_batch(self, messages):
        return {m.event_id for m in messages}, {}


def _events(applicant: str) -> list:
    application = str(uuid.uuid4())
    signed = base64.b64encode(os.urandom(2400)).decode()
    cms = base64.b64encode(os.urandom(3600)).decode()
    at = datetime.now(UTC).isoformat()
    big = new_event(
        "application.correction_requested",
        {
            "applicant_id": applicant,
            "application_id": application,
            "correction_id": str(uuid.uuid4()),
            "message": "住所を訂正します。" * 20,
            "requested_at": at,
            "signed_content_b64": signed,
            "signature_cms_b64": cms,
            # v2: who asked, and the holder intake found in the signature (the person, with their own card)
            "requested_by": {"role": "applicant"},
            "expected_holder": {"name": "NGUYEN VAN A", "date_of_birth": "1990-01-01", "sex": "1", "address": "東京都"},
        },
        source="intake",
        correlation_id=application,
    )
    small = [
        new_event(
            "applicant.contact_changed",
            {"applicant_id": applicant, "email": f"{applicant[:8]}@example.jp", "language": lang},
            source="intake",
            correlation_id=applicant,
        )
        for lang in ("vi", "ne")
    ]
    return [big, *small]


def run(sealed: bool, warm: bool = False) -> dict[str, float]:
    """``warm``: the transaction already wrote with the person's key (a service storing their data with the event
    it stages), so staging finds it in the transaction; otherwise one key look-up per transaction."""
    metadata = sa.MetaData()
    outbox, _ = add_messaging_tables(metadata)
    subject_keys.add_subject_key_tables(metadata)
    with testing.fresh_database("zt_bench_seal") as url:
        engine = make_engine(url)
        metadata.create_all(engine)
        ring = subject_keys.bind(metadata, engine) if sealed else None
        factory = sessionmaker(engine)
        batches = [_events(str(uuid.uuid4())) for _ in range(APPLICATIONS)]
        if ring is not None:
            # Each person has their key already (made when the service first stored their data), and this process
            # has none cached: one key look-up per transaction, the worst the services see.
            with engine.begin() as conn:
                for events in batches:
                    ring.key_for_writing(conn, events[0].payload["applicant_id"])
            ring.cache = type(ring.cache)(20_000, 300.0)
        cpu, wall = time.process_time(), time.perf_counter()
        spent = 0.0
        for events in batches:
            with factory() as session, session.begin():
                if warm and ring is not None:
                    before = time.process_time()
                    subject_keys.session_key(
                        session, ring, events[0].payload["applicant_id"]
                    )  # the service's own write
                    spent += time.process_time() - before
                for event in events:
                    add_event(session, outbox, event, ring)
        stage_cpu, stage_wall = time.process_time() - cpu - spent, time.perf_counter() - wall
        if ring is not None:
            ring.cache = type(ring.cache)(20_000, 300.0)  # the relay of another process: nothing cached
        relay = OutboxRelay("bench", factory, outbox, Confirming(), keyring=ring)
        cpu, wall = time.process_time(), time.perf_counter()
        relay.drain(timeout=600)
        relay_cpu, relay_wall = time.process_time() - cpu, time.perf_counter() - wall
        with engine.connect() as conn:
            stored = conn.execute(sa.select(sa.func.avg(sa.func.length(outbox.c.body)))).scalar_one()
        engine.dispose()
        if ring is not None:
            ring._lookup_engine and ring._lookup_engine.dispose()
    n = APPLICATIONS * EVENTS_PER_APPLICATION
    return {
        "stage_cpu_us": stage_cpu / n * 1e6,
        "stage_wall_us": stage_wall / n * 1e6,
        "relay_cpu_us": relay_cpu / n * 1e6,
        "relay_wall_us": relay_wall / n * 1e6,
        "body_chars": float(stored),
    }


def main() -> None:
    crypto.configure([crypto.new_key()])
    run(True)  # warm-up (imports, statement caches)
    rounds = int(os.environ.get("BENCH_ROUNDS", testing.bench_size("3", "1")))
    modes = {"plain": (False, False), "sealed": (True, False), "sealed_warm": (True, True)}
    runs: dict[str, list[dict[str, float]]] = {mode: [] for mode in modes}
    for _ in range(rounds):  # alternating, the best of each: a loaded machine's noise is one-sided
        for mode, (sealed_run, warm) in modes.items():
            runs[mode].append(run(sealed_run, warm))
    best = {mode: {k: min(r[k] for r in runs[mode]) for k in runs[mode][0]} for mode in modes}
    for name in best["plain"]:
        unit = "chars" if name == "body_chars" else "us/event"
        for mode in modes:
            print(f"outbox_{mode}_{name}: {best[mode][name]:.1f} {unit}")
    for mode in ("sealed", "sealed_warm"):
        extra = sum(best[mode][k] - best["plain"][k] for k in ("stage_cpu_us", "relay_cpu_us"))
        print(f"outbox_{mode}_extra_cpu: {extra:.1f} us/event")


if __name__ == "__main__":
    main()

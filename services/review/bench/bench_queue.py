"""Queue-page time at 1,000,000 cases in PostgreSQL.

    .venv/bin/python services/review/bench/bench_queue.py [--cases 1000000] [--queries 300]

Creates a scratch database (dropped afterwards; ZAIRYU_TEST_PG picks the server), applies the
migrations, bulk-loads cases with COPY (secondary indexes dropped during the load and rebuilt
exactly as the migration defines them), then times ``queries.queue_page`` — the code the queue
page and API run — for a mix of first pages, deep keyset pages, filters and the deadline sort.
Two figures: ``review_queue_query_*`` is the keyset query alone; ``review_queue_page_*`` is the whole
page as an officer gets it (signed-in session lookup, query, ageing, Jinja rendering; Flask test
client, no network). Target: ``review_queue_page_p95`` <= 20 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics as stats
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import sqlalchemy as sa

from review.adapters import queries
from review.adapters.tables import cases
from review.entrypoints.service import definition
from zairyu_shared import crypto
from zairyu_shared.runtime import Runtime
from zairyu_shared.testing import bench_size, fresh_database

BUREAU_WEIGHTS = {
    "tokyo": 36,
    "osaka": 17,
    "nagoya": 15,
    "fukuoka": 9,
    "sendai": 6,
    "hiroshima": 6,
    "sapporo": 5,
    "takamatsu": 6,
}
PROCEDURES = ["extension"] * 45 + ["change"] * 20 + ["coe"] * 30 + ["acquisition"] * 2 + ["employment_certificate"] * 3
STATUSES_OF_RESIDENCE = [
    "engineer_humanities",
    "student",
    "dependent",
    "ssw_1",
    "tit_2b",
    "spouse_japanese",
    "long_term_resident",
    "business_manager",
]
NATIONALITIES = [
    "China",
    "Viet Nam",
    "Korea",
    "Philippines",
    "Brazil",
    "Nepal",
    "Indonesia",
    "Myanmar",
    "USA",
    "Thailand",
    "India",
    "Sri Lanka",
    "Taiwan",
    "Peru",
    "Bangladesh",
]
OPEN_STATUSES = ["received", "under_examination", "documents_requested", "documents_answered", "decision_proposed"]
# Share of each bureau's cases its offices hold (the rest the bureau itself), and which offices.
OFFICE_SHARE = 0.4
COLUMNS = [
    "application_id",
    "applicant_id",
    "receipt_number",
    "bureau",
    "office",
    "procedure",
    "bundled",
    "status_of_residence",
    "nationality",
    "language",
    "status",
    "is_open",
    "assignee",
    "version",
    "submitted_at",
    "received_at",
    "period_of_stay_expiry",
    "card_by_mail",
    "provisional_number",
    "content_sha256",
    "attachments",
    "form",
    "evidence",
]


def load(url: str, n: int, open_share: float) -> None:
    from review.domain.offices import offices_of

    rnd = random.Random(7)
    bureaus = [b for b, w in BUREAU_WEIGHTS.items() for _ in range(w)]
    routed = {b: [o.code for o in offices_of(b) if not o.at_airport] for b in BUREAU_WEIGHTS}
    blob = crypto.cipher().encrypt(b'{"form": {}}')  # one token for all: COPY time is not what we measure
    now = datetime.now(UTC)
    serial: dict[str, int] = {}
    index_names = [ix.name for ix in cases.indexes]
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        for name in index_names:
            conn.execute(f"DROP INDEX {name}")
        with conn.cursor() as cur:
            with cur.copy(f"COPY cases ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for i in range(n):
                    bureau = rnd.choice(bureaus)
                    serial[bureau] = serial.get(bureau, 0) + 1
                    received = now - timedelta(seconds=rnd.randrange(0, 3 * 365 * 86400))
                    is_open = rnd.random() < open_share
                    status = rnd.choice(OPEN_STATUSES) if is_open else rnd.choice(["approved", "refused", "withdrawn"])
                    office = rnd.choice(routed[bureau]) if routed[bureau] and rnd.random() < OFFICE_SHARE else None
                    copy.write_row(
                        (
                            str(uuid.UUID(int=rnd.getrandbits(128))),
                            f"applicant-{rnd.randrange(n // 2)}",
                            f"{bureau[:3].upper()}-{received.year}-{serial[bureau]:07d}-{i}",
                            bureau,
                            office,
                            rnd.choice(PROCEDURES),
                            "",
                            rnd.choice(STATUSES_OF_RESIDENCE),
                            rnd.choice(NATIONALITIES),
                            "en",
                            status,
                            is_open,
                            None if status == "received" else f"officer-{rnd.randrange(40)}",
                            1,
                            received,
                            received,
                            (received + timedelta(days=rnd.randrange(30, 400))).date(),
                            True,
                            f"P-{i}",
                            "0" * 64,
                            "[]",
                            blob,
                            blob,
                        )
                    )
        for ix in cases.indexes:  # rebuilt exactly as declared (and created by migrations 0002, 0004)
            cols = ", ".join(c.name for c in ix.columns)
            where = ix.dialect_options["postgresql"].get("where")
            partial = f" WHERE {where.compile(compile_kwargs={'literal_binds': True})}" if where is not None else ""
            conn.execute(f"CREATE INDEX {ix.name} ON cases ({cols}){partial}")
        conn.execute("VACUUM ANALYZE cases")


def page_timings(rt, n: int, now, rnd, office: str | None = None, username: str = "bench") -> list[float]:
    """The /queue page for a signed-in Tokyo examiner (bureau-wide, or of ``office``): first pages, filters
    and deep keyset pages."""
    import re

    import pyotp

    from review.adapters.accounts import create_officer
    from review.entrypoints.web import create_app
    from zairyu_shared.db import transaction

    with transaction(rt.session_factory) as s:
        _id, password, secret = create_officer(
            s, username, "Bench Examiner", "examiner", "tokyo", password="bench-pass", office=office
        )
    client = create_app(rt).test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    assert (
        client.post(
            "/login",
            data={"csrf_token": token, "username": username, "password": password, "totp": pyotp.TOTP(secret).now()},
        ).status_code
        == 302
    )
    variants = [
        lambda: {},
        lambda: {"after": queries.encode_cursor(now - timedelta(seconds=rnd.randrange(0, 3 * 365 * 86400)), "")},
        lambda: {"procedure": rnd.choice(["extension", "change", "coe"])},
        lambda: {"nationality": rnd.choice(NATIONALITIES)},
        lambda: {
            "sort": "deadline",
            "after": queries.encode_cursor((now + timedelta(days=rnd.randrange(-300, 300))).date(), ""),
        },
        lambda: {"sort": "received_desc"},
    ]
    for _ in range(10):
        client.get("/queue")
    out = []
    for i in range(n):
        start = time.perf_counter()
        response = client.get("/queue", query_string=variants[i % len(variants)]())
        out.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return out


def timed(conn, f, after=None) -> float:
    start = time.perf_counter()
    queries.queue_page(conn, f, after, 50)
    return (time.perf_counter() - start) * 1000


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=bench_size(1_000_000, 2000))
    parser.add_argument("--queries", type=int, default=bench_size(300, 40))
    parser.add_argument("--open-share", type=float, default=0.3)
    args = parser.parse_args(argv)
    key = crypto.new_key()
    with fresh_database("zt_review_bench") as url:
        rt = Runtime.from_env(
            definition,
            environ={},
            database_url=url,
            amqp_url="memory://bench",
            embedded=True,
            data_keys=(key,),
            login_rate_limit="1000 per minute",
        )
        rt.migrate()
        t0 = time.perf_counter()
        load(url, args.cases, args.open_share)
        print(f"review_bench_load_seconds: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        with rt.engine.connect() as conn:
            count = conn.execute(sa.select(sa.func.count()).select_from(cases)).scalar()
        print(f"review_bench_cases: {count} cases", file=sys.stderr)
        rnd = random.Random(11)
        now = datetime.now(UTC)
        kinds = {
            "first_page": lambda: (queries.QueueFilter(bureau=rnd.choice(list(BUREAU_WEIGHTS))), None),
            "deep_page": lambda: (
                queries.QueueFilter(bureau="tokyo"),
                queries.encode_cursor(now - timedelta(seconds=rnd.randrange(0, 3 * 365 * 86400)), ""),
            ),
            "newest_first_deep": lambda: (
                queries.QueueFilter(bureau="tokyo", sort="received_desc"),
                queries.encode_cursor(now - timedelta(seconds=rnd.randrange(0, 3 * 365 * 86400)), "~"),
            ),
            "procedure": lambda: (queries.QueueFilter(bureau="tokyo", procedure=rnd.choice(PROCEDURES)), None),
            "nationality": lambda: (queries.QueueFilter(bureau="osaka", nationality=rnd.choice(NATIONALITIES)), None),
            "status": lambda: (
                queries.QueueFilter(bureau="tokyo", status=rnd.choice(OPEN_STATUSES)),
                queries.encode_cursor(now - timedelta(seconds=rnd.randrange(0, 3 * 365 * 86400)), ""),
            ),
            "deadline_sort": lambda: (
                queries.QueueFilter(bureau="tokyo", sort="deadline"),
                queries.encode_cursor((now + timedelta(days=rnd.randrange(-300, 300))).date(), ""),
            ),
            "old_cases": lambda: (queries.QueueFilter(bureau="nagoya", min_age_days=rnd.randrange(30, 600)), None),
            "status_of_residence": lambda: (
                queries.QueueFilter(bureau="tokyo", status_of_residence=rnd.choice(STATUSES_OF_RESIDENCE)),
                None,
            ),
            # office-scoped officers, and a bureau narrowing its view
            "office_first_page": lambda: (
                queries.QueueFilter(bureau="tokyo", office=rnd.choice(["yokohama", "saitama", "chiba", "kofu"])),
                None,
            ),
            "office_deep_page": lambda: (
                queries.QueueFilter(bureau="tokyo", office="yokohama"),
                queries.encode_cursor(now - timedelta(seconds=rnd.randrange(0, 3 * 365 * 86400)), ""),
            ),
            "office_deadline": lambda: (
                queries.QueueFilter(bureau="osaka", office="kobe", sort="deadline"),
                queries.encode_cursor((now + timedelta(days=rnd.randrange(-300, 300))).date(), ""),
            ),
            "office_nationality": lambda: (
                queries.QueueFilter(bureau="tokyo", office="saitama", nationality=rnd.choice(NATIONALITIES)),
                None,
            ),
            "bureau_itself": lambda: (queries.QueueFilter(bureau="tokyo", office=queries.AT_BUREAU), None),
        }
        samples: dict[str, list[float]] = {k: [] for k in kinds}
        with rt.engine.connect() as conn:
            for _ in range(20):  # warm the pool and the cache
                f, after = kinds["first_page"]()
                timed(conn, f, after)
            for i in range(args.queries):
                kind = list(kinds)[i % len(kinds)]
                f, after = kinds[kind]()
                samples[kind].append(timed(conn, f, after))
        pages = sorted(page_timings(rt, args.queries, now, rnd))
        office_pages = sorted(page_timings(rt, args.queries, now, rnd, office="yokohama", username="bench-yokohama"))
        rt.stop()
    everything = sorted(x for xs in samples.values() for x in xs)
    for kind, xs in samples.items():
        xs.sort()
        print(f"review_queue_query_{kind}_p95: {p95_of(xs):.2f} ms")
    print(f"review_queue_query_p50: {stats.median(everything):.2f} ms")
    print(f"review_queue_query_p95: {p95_of(everything):.2f} ms")
    print(f"review_queue_page_p50: {stats.median(pages):.2f} ms")
    print(f"review_queue_page_p95: {p95_of(pages):.2f} ms")
    print(f"review_queue_office_page_p50: {stats.median(office_pages):.2f} ms")
    print(f"review_queue_office_page_p95: {p95_of(office_pages):.2f} ms")
    return 0


def p95_of(ordered: list[float]) -> float:
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


if __name__ == "__main__":
    sys.exit(main())

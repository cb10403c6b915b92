"""Notify's consume-process work for one application, in process and deterministic enough to compare two versions.

What bench_e2e gives notify for an application: application.submitted and application.received for a Vietnamese
applicant (tests/chaos/applicants.py registers them so), each delivered alone (bench_e2e's pace), each followed by
a sender round (the mail the consumer claimed as it wrote it taken from the handoff, or claimed when none was
handed, built, taken by a fake relay, recorded 'sent') and an outbox relay round
(notice.created, memory bus), as the process's threads would. PostgreSQL (a fresh database), no RabbitMQ, no SMTP.

    .venv/bin/python services/notify/bench/cpu_per_application.py [--applications 200]

prints the process CPU an application (noisy on a busy machine: alternate the versions compared, many times) and
notify's statements and commits an application. Instruction counts, which the machine's load does not move:

    valgrind --tool=callgrind --callgrind-out-file=/tmp/a.out .venv/bin/python <this> --applications 40
    valgrind --tool=callgrind --callgrind-out-file=/tmp/b.out .venv/bin/python <this> --applications 10

and (totals of a.out - totals of b.out) / 30 is one application's (start-up and warm-up cancel out). Two trees
compared this way differ by up to ±0.2M for nothing: string hashing is seeded anew each run, and an automatic
collection falls at another point of the measured loop when the code before it allocates a little more or less.
For a comparison, run both with PYTHONHASHSEED=0 and --no-gc (two runs of one tree then agree within 0.01M). Not
run by `make bench` (not a bench_*.py): it measures a cost, not a figure of the README.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # run as a file: the tests' samples, testkit

import samples
from notify_testkit import FakeMessage, make_runtime

from notify.application import sending
from notify.application.sending import Handoff, Sender
from notify.bootstrap import ports
from zairyu_shared import testing

WARM = 10  # applications before the measured ones: statements built, keys cached, templates compiled

# The backlog gauges are counted once a second of wall time: at bench_e2e's pace once in 14-28 applications, under
# valgrind every round or two. Left out, so that a run's count does not depend on its pace.
sending.BACKLOG_OBSERVE_SECONDS = float("inf")


class Relay:
    def __init__(self):
        self.mails = 0

    def send(self, mail):
        self.mails += 1

    def close(self):
        pass


def events(first: int, count: int) -> list:
    out = []
    for i in range(first, first + count):
        who = f"a{i % 3}"
        out.append(samples.submitted(applicant=who, application=f"c{i}", language="vi", provisional=f"P-{i:08d}"))
        out.append(samples.received(applicant=who, application=f"c{i}", receipt=f"TKY-2026-{i:06d}"))
    return out


def main(applications: int, no_gc: bool = False) -> None:
    with testing.fresh_database("zb_notify_cpu") as url:
        rt = make_runtime(url, f"memory://notify-cpu-{os.getpid()}", 25, claim_batch=50, poll_seconds=1.0)
        rt.migrate()
        consumer = rt.consumer()
        consumer._amqp = False
        queue = rt.handlers()[0].queue_name(rt.name)
        relay = Relay()
        # As start_sender in the consume process: the consumer claims the mail it writes for this sender.
        handoff = Handoff(rt.settings.claim_batch)
        sender = Sender(rt, mailer=relay, handoff=handoff)
        ports(rt).senders.append(sender)
        ports(rt).handoff = handoff

        def deliver(event) -> None:
            consumer.process([(queue, FakeMessage(event))])
            sender.round()
            rt.relay.relay_once()

        for j in range(3):
            deliver(samples.registered(applicant=f"a{j}", email=f"a{j}@example.jp", language="vi", name=f"NGUYEN {j}"))
        for event in events(0, WARM):
            deliver(event)
        measured = events(WARM, applications)
        counts = testing.counted_statements(rt.engine)  # by statement text, and each COMMIT
        with testing.measured_loop(collect=not no_gc) as spent:
            for event in measured:
                deliver(event)
        cpu = spent.seconds
        assert relay.mails == 2 * (WARM + applications), relay.mails
        print(f"notify_cpu_ms_per_application: {cpu * 1000 / max(applications, 1):.2f} ms")
        for statement, n in counts.most_common():
            print(f"  {n / max(applications, 1):5.2f}", " ".join(statement.split())[:90])
        rt.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=200)
    parser.add_argument("--no-gc", action="store_true", help="no automatic collection (comparing two trees)")
    args = parser.parse_args()
    main(args.applications, args.no_gc)

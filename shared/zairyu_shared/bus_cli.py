"""``zairyu-bus``: the operators' tool for the RabbitMQ topology and the dead-letter queues (pika).

pika earns its place here: an ops tool wants plain, synchronous AMQP with basic.get, explicit
acks and confirms, and no service framework in between. Policies cannot be set over AMQP, so the
tool prints the ``rabbitmqctl set_policy`` lines that mirror what the queues declare as arguments
(the Kubernetes overlay ships the same as topology-operator Policy objects).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from importlib.metadata import entry_points
from typing import Any, TypedDict

import pika

from .bus import DELIVERY_LIMIT
from .events.registry import all_specs, exchange_for


class _QueuePlan(TypedDict):
    queue: str
    dlq: str
    binds: list[str]


class _Plan(TypedDict):
    exchanges: list[str]
    queues: list[_QueuePlan]


def _handlers_by_service() -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """Every service's handlers, discovered through the ``zairyu.services`` entry points."""
    found: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for ep in entry_points(group="zairyu.services"):
        definition = ep.load()
        found[definition.name] = [(h.queue_name(definition.name), h.event_types) for h in definition.handlers]
    return found


def _connect(url: str) -> pika.BlockingConnection:
    return pika.BlockingConnection(pika.URLParameters(url))


def cmd_topology(args: argparse.Namespace) -> int:
    services = _handlers_by_service()
    producers = sorted({s.producer for s in all_specs()})
    plan: _Plan = {"exchanges": [exchange_for(p) for p in producers], "queues": []}
    for _service, handlers in sorted(services.items()):
        for qname, types in handlers:
            plan["queues"].append({"queue": qname, "dlq": f"{qname}.dlq", "binds": list(types)})
    if args.declare:
        conn = _connect(args.url)
        ch = conn.channel()
        for ex in plan["exchanges"]:
            ch.exchange_declare(ex, exchange_type="topic", durable=True)
        producer_of = {s.type: s.producer for s in all_specs()}
        for q in plan["queues"]:
            ch.exchange_declare(f"{q['queue']}.dlx", exchange_type="fanout", durable=True)
            ch.queue_declare(q["dlq"], durable=True, arguments={"x-queue-type": "quorum"})
            ch.queue_bind(q["dlq"], f"{q['queue']}.dlx", routing_key="#")
            ch.queue_declare(
                q["queue"],
                durable=True,
                arguments={
                    "x-queue-type": "quorum",
                    "x-dead-letter-exchange": f"{q['queue']}.dlx",
                    "x-delivery-limit": DELIVERY_LIMIT,
                },
            )
            for t in q["binds"]:
                ch.queue_bind(q["queue"], exchange_for(producer_of[t]), routing_key=t)
        conn.close()
    if args.json:
        print(json.dumps(plan, indent=2))
        return 0
    for ex in plan["exchanges"]:
        print(f"exchange {ex} (topic, durable)")
    for q in plan["queues"]:
        print(f"queue {q['queue']} (quorum) <- {', '.join(q['binds'])}; dead letters -> {q['dlq']}")
    print("\n# equivalent policies, for operators who manage them centrally:")
    print(
        f"rabbitmqctl set_policy --apply-to queues zairyu-delivery-limit '^(intake|signing|review|notify|card-delivery)\\.[a-z_]+$' "
        f"'{{\"delivery-limit\": {DELIVERY_LIMIT}}}'"
    )
    return 0


def _dlqs(args: argparse.Namespace) -> list[str]:
    if args.queue:
        return [args.queue if args.queue.endswith(".dlq") else f"{args.queue}.dlq"]
    return [f"{q}.dlq" for handlers in _handlers_by_service().values() for q, _ in handlers]


def cmd_dlq_list(args: argparse.Namespace) -> int:
    conn = _connect(args.url)
    rows = []
    for name in _dlqs(args):
        ch = conn.channel()
        try:
            count = ch.queue_declare(name, passive=True).method.message_count
        except pika.exceptions.ChannelClosedByBroker:
            count = None
        rows.append((name, count))
        if ch.is_open:
            ch.close()
    conn.close()
    for name, count in rows:
        print(f"{name}\t{'absent' if count is None else count}")
    return 0


def _describe(method: Any, props: Any, body: bytes) -> dict[str, Any]:
    headers = props.headers or {}
    return {
        "message_id": props.message_id,
        "type": props.type,
        "correlation_id": props.correlation_id,
        "reason": headers.get("x-zairyu-reason") or _death_reason(headers),
        "error": headers.get("x-zairyu-error"),
        "original_routing_key": headers.get("x-zairyu-original-routing-key") or method.routing_key,
        "dead_lettered_at": headers.get("x-zairyu-dead-lettered-at"),
        "redelivered": method.redelivered,
        "body": body.decode("utf-8", errors="replace"),
    }


def _death_reason(headers: dict[str, Any]) -> str | None:
    deaths = headers.get("x-death") or []
    if deaths:
        return f"broker:{deaths[0].get('reason')}"  # e.g. delivery_limit exceeded
    return None


def cmd_dlq_show(args: argparse.Namespace) -> int:
    """Look without taking: the messages are returned to the DLQ in their order."""
    conn = _connect(args.url)
    ch = conn.channel()
    ch.basic_qos(prefetch_count=args.limit)
    shown = []
    for _ in range(args.limit):
        method, props, body = ch.basic_get(_dlqs(args)[0], auto_ack=False)
        if method is None:
            break
        shown.append(_describe(method, props, body))
    conn.close()  # closing without ack requeues everything we looked at
    if args.json:
        print(json.dumps(shown, indent=2, ensure_ascii=False))
    else:
        for m in shown:
            print(f"{m['message_id']}  {m['type']}  reason={m['reason']}  {(m['error'] or '')[:120]}")
    if not shown:
        print("(empty)", file=sys.stderr)
    return 0


def cmd_dlq_replay(args: argparse.Namespace) -> int:
    """Put dead letters back on their consumer's queue (only that consumer sees them again)."""
    dlq = _dlqs(args)[0]
    queue = dlq[: -len(".dlq")]
    conn = _connect(args.url)
    ch = conn.channel()
    ch.confirm_delivery()
    replayed, kept = 0, 0
    seen = set()
    while True:
        method, props, body = ch.basic_get(dlq, auto_ack=False)
        if method is None or props.message_id in seen:
            if method is not None:
                ch.basic_nack(method.delivery_tag, requeue=True)
            break
        if args.id and props.message_id not in args.id:
            seen.add(props.message_id)
            ch.basic_nack(method.delivery_tag, requeue=True)
            kept += 1
            continue
        headers = {k: v for k, v in (props.headers or {}).items() if not k.startswith("x-zairyu-") and k != "x-death"}
        headers["x-zairyu-replayed"] = True
        ch.basic_publish(
            "",
            queue,
            body,
            pika.BasicProperties(
                content_type=props.content_type,
                delivery_mode=2,
                message_id=props.message_id,
                correlation_id=props.correlation_id,
                type=props.type,
                headers=headers,
            ),
            mandatory=True,
        )
        ch.basic_ack(method.delivery_tag)  # only after the broker confirmed the republish
        replayed += 1
    conn.close()
    print(f"replayed {replayed} message(s) from {dlq} to {queue}" + (f"; {kept} left" if kept else ""))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="zairyu-bus", description="RabbitMQ topology and dead letters")
    parser.add_argument("--url", default=os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"))
    sub = parser.add_subparsers(dest="command", required=True)
    topo = sub.add_parser("topology", help="print (and with --declare, declare) exchanges, queues, DLQs")
    topo.add_argument("--declare", action="store_true")
    topo.add_argument("--json", action="store_true")
    dlq = sub.add_parser("dlq", help="dead-letter queues").add_subparsers(dest="dlq_command", required=True)
    lst = dlq.add_parser("list", help="message counts of every dead-letter queue")
    lst.add_argument("queue", nargs="?")
    show = dlq.add_parser("show", help="show dead letters with their reasons (leaves them in place)")
    show.add_argument("queue")
    show.add_argument("--limit", type=int, default=20)
    show.add_argument("--json", action="store_true")
    replay = dlq.add_parser("replay", help="send dead letters back to their consumer's queue")
    replay.add_argument("queue")
    replay.add_argument("--id", action="append", help="only this message id (repeatable); default all")
    args = parser.parse_args(argv)
    try:
        if args.command == "topology":
            return cmd_topology(args)
        return {"list": cmd_dlq_list, "show": cmd_dlq_show, "replay": cmd_dlq_replay}[args.dlq_command](args)
    except pika.exceptions.AMQPConnectionError as exc:
        print(f"zairyu-bus: cannot reach RabbitMQ at {args.url}: {exc!r}", file=sys.stderr)
        return 2
    except pika.exceptions.ChannelClosedByBroker as exc:
        print(f"zairyu-bus: broker refused: {exc.reply_text}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

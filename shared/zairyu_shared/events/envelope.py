"""The envelope every event travels in, and strict parsing of incoming messages.

Parsing is strict on purpose: an unknown field or an unknown version is a contract breach that
must reach the dead-letter queue with its reason, never be guessed at or silently dropped.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

if TYPE_CHECKING:
    from .registry import EventSpec


class ContractError(ValueError):
    """A message that does not satisfy its event contract. ``reason`` is machine-readable."""

    def __init__(self, reason: str, detail: Any):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class EnvelopeSchema(Schema):
    class Meta:
        unknown = RAISE

    id = fields.UUID(required=True)
    type = fields.String(required=True, validate=validate.Regexp(r"^[a-z_]+\.[a-z_]+$"))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True, format="iso")
    source = fields.String(required=True, validate=validate.Length(min=1, max=40))
    correlation_id = fields.String(required=True, validate=validate.Length(min=1, max=80))
    causation_id = fields.UUID(required=True, allow_none=True)
    payload = fields.Dict(required=True)


_ENVELOPE = EnvelopeSchema()


@dataclass(frozen=True)
class Envelope:
    id: str
    type: str
    version: int
    occurred_at: datetime
    source: str
    correlation_id: str
    causation_id: str | None
    payload: dict[str, Any] = field(default_factory=dict)
    # The payload as its schema loaded it when the message was parsed (parse_message validates by
    # loading): handlers asking for ``data`` get a copy instead of a second load.
    loaded: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    @property
    def data(self) -> dict[str, Any]:
        """The payload loaded into Python types (dates, decimals) by its schema."""
        if self.loaded is not None:
            return dict(self.loaded)
        from .registry import spec_for  # late: the registry imports this module

        loaded: dict[str, Any] = spec_for(self.type, self.version).validator().load(self.payload)
        return loaded

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "version": self.version,
            "occurred_at": self.occurred_at.isoformat(),
            "source": self.source,
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "payload": self.payload,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))


def new_event(
    event_type: str,
    payload: dict[str, Any],
    *,
    source: str,
    correlation_id: str,
    causation_id: str | None = None,
    version: int | None = None,
    occurred_at: datetime | None = None,
    echoes: Mapping[str, Envelope] | None = None,
) -> Envelope:
    """Build an event, validating the payload against its contract before it is stored anywhere.

    ``echoes``: payload fields that pass a received event's payload on as it came (``{"submission": event}``
    with ``payload["submission"] is event.payload``). parse_message validated that payload against its own
    contract on receipt; where this contract nests that very contract, the field is not validated a second
    time (the rest of the payload is, and so are the contract's checks across fields). Anything else (another
    version's schema, a copy, an event not parsed) is validated as usual. Consumers still validate it all.
    An echoed field is not copied through JSON either: it is already the JSON form parse_message read (the
    two events share that dict; payloads are not changed once made).
    """
    from .registry import latest_version, spec_for

    version = version or latest_version(event_type)
    spec = spec_for(event_type, version)
    if spec.producer != source:
        raise ContractError("wrong_producer", f"{event_type} is produced by {spec.producer}, not {source}")
    validated = frozenset(name for name, received in (echoes or {}).items() if _is_echo(spec, name, payload, received))
    json_form = json.loads(json.dumps({k: v for k, v in payload.items() if k not in validated}, default=_json_default))
    json_form.update((name, payload[name]) for name in validated)
    errors = (_validator_trusting(spec, validated) if validated else spec.validator()).validate(json_form)
    if errors:
        raise ContractError("invalid_payload", {event_type: errors})
    return Envelope(
        id=str(uuid.uuid4()),
        type=event_type,
        version=version,
        occurred_at=occurred_at or datetime.now(UTC),
        source=source,
        correlation_id=str(correlation_id),
        causation_id=str(causation_id) if causation_id else None,
        payload=json_form,
    )


def _is_echo(spec: EventSpec, name: str, payload: dict[str, Any], received: Envelope) -> bool:
    """``payload[name]`` is ``received``'s payload as parse_message validated it, and the contract nests
    exactly the schema it was validated against."""
    from .registry import spec_for

    declared = spec.validator().fields.get(name)
    return (
        received.loaded is not None  # parse_message's: validated on receipt
        and payload.get(name) is received.payload
        and isinstance(declared, fields.Nested)
        and declared.nested is spec_for(received.type, received.version).schema
        and not (declared.many or declared.only or declared.exclude or declared.validators)  # the plain nesting
    )


_TRUSTING: dict[tuple[str, int, frozenset[str]], Schema] = {}


def _validator_trusting(spec: EventSpec, names: frozenset[str]) -> Schema:
    """The contract's schema with the ``names`` fields required but taken as they are (see new_event)."""
    key = (spec.type, spec.version, names)
    cached = _TRUSTING.get(key)
    if cached is None:
        as_given = {name: fields.Raw(required=True) for name in names}
        cached = _TRUSTING[key] = type(f"{spec.schema.__name__}Echoing", (spec.schema,), as_given)()
    return cached


def _json_default(value: object) -> str:
    # Payloads are stored and sent in their JSON form; dates and decimals become ISO/str.
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    if isinstance(value, uuid.UUID):
        return str(value)
    from decimal import Decimal

    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def parse_message(body: bytes | str | dict[str, Any]) -> Envelope:
    """Validate a received message against the envelope and its event's schema."""
    from .registry import spec_for

    if isinstance(body, (bytes, bytearray)):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ContractError("not_utf8", str(exc)) from exc
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except json.JSONDecodeError as exc:
            raise ContractError("not_json", str(exc)) from exc
    if not isinstance(body, dict):
        raise ContractError("not_an_object", type(body).__name__)
    try:
        env = _ENVELOPE.load(body)
    except ValidationError as exc:
        raise ContractError("invalid_envelope", exc.messages) from exc
    try:
        spec = spec_for(env["type"], env["version"])
    except KeyError as exc:
        raise ContractError("unknown_event", str(exc.args[0])) from exc
    try:
        loaded = spec.validator().load(env["payload"])
    except ValidationError as exc:
        raise ContractError("invalid_payload", {env["type"]: exc.messages}) from exc
    return Envelope(
        id=str(env["id"]),
        type=env["type"],
        version=env["version"],
        occurred_at=env["occurred_at"],
        source=env["source"],
        correlation_id=env["correlation_id"],
        causation_id=str(env["causation_id"]) if env["causation_id"] else None,
        payload=env["payload"],
        loaded=loaded,
    )

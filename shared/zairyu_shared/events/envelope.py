"""The envelope every event travels in, and strict parsing of incoming messages.

Parsing is strict on purpose: an unknown field or an unknown version is a contract breach that
must reach the dead-letter queue with its reason, never be guessed at or silently dropped.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate


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
) -> Envelope:
    """Build an event, validating the payload against its contract before it is stored anywhere."""
    from .registry import latest_version, spec_for

    version = version or latest_version(event_type)
    spec = spec_for(event_type, version)
    if spec.producer != source:
        raise ContractError("wrong_producer", f"{event_type} is produced by {spec.producer}, not {source}")
    json_form = json.loads(json.dumps(payload, default=_json_default))
    errors = spec.validator().validate(json_form)
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

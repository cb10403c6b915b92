"""The catalogue: every event type and version, its schema, its producer and its consumers.

The producer determines the exchange (``<producer>.events``); the routing key is the event type.
Consumers are listed for the catalogue and the topology tool; a service subscribes in its own code.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field

from marshmallow import Schema


@dataclass(frozen=True)
class EventSpec:
    type: str
    version: int
    schema: builtins.type[Schema]  # builtins: the field ``type`` shadows the name in the class body
    producer: str
    consumers: tuple[str, ...] = field(default_factory=tuple)
    description: str = ""
    # The payload holds personal data of the person it names (``applicant_id``) beyond that id: while it waits
    # in (and is kept by) the producer's outbox, its body is sealed under that person's data key (issue 20;
    # zairyu_shared.outbox.seal_body). False only for an event that must travel after the key is destroyed
    # (the account closing that destroys it) and that says nothing but the id and a moment.
    personal: bool = True

    def validator(self) -> Schema:
        """One schema instance per event type, reused: building one costs more than a load."""
        cached = _SCHEMAS.get((self.type, self.version))
        if cached is None:
            cached = _SCHEMAS[(self.type, self.version)] = self.schema()
        return cached

    @property
    def exchange(self) -> str:
        return exchange_for(self.producer)


def exchange_for(service: str) -> str:
    return f"{service}.events"


CATALOGUE: dict[tuple[str, int], EventSpec] = {}
_SCHEMAS: dict[tuple[str, int], Schema] = {}


def register(spec: EventSpec) -> EventSpec:
    key = (spec.type, spec.version)
    if key in CATALOGUE:
        raise ValueError(f"event {spec.type} v{spec.version} registered twice")
    CATALOGUE[key] = spec
    return spec


def spec_for(event_type: str, version: int) -> EventSpec:
    _load_catalogue()
    try:
        return CATALOGUE[(event_type, version)]
    except KeyError:
        known = sorted(v for (t, v) in CATALOGUE if t == event_type)
        if known:
            raise KeyError(f"{event_type} has no version {version} (known: {known})") from None
        raise KeyError(f"unknown event type {event_type!r}") from None


def latest_version(event_type: str) -> int:
    _load_catalogue()
    versions = [v for (t, v) in CATALOGUE if t == event_type]
    if not versions:
        raise KeyError(f"unknown event type {event_type!r}")
    return max(versions)


def all_specs() -> list[EventSpec]:
    _load_catalogue()
    return sorted(CATALOGUE.values(), key=lambda s: (s.producer, s.type, s.version))


def _load_catalogue() -> None:
    # The contract modules register themselves on import.
    from . import access_contracts, contracts, organisation_contracts  # noqa: F401

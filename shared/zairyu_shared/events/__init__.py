"""Event contracts: the versioned envelope, one marshmallow schema per event type, the catalogue."""

from .envelope import ContractError, Envelope, new_event, parse_message
from .registry import CATALOGUE, EventSpec, spec_for

__all__ = ["ContractError", "Envelope", "new_event", "parse_message", "CATALOGUE", "EventSpec", "spec_for"]

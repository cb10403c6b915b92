"""Card delivery's ports, built once per runtime (``ServiceDefinition.bootstrap``), reached through
``ports(runtime)``.

The database, the outbox and the PDF renderer are adapters the use cases call directly; what varies between
a run and a test is time and the card-number draw. Tests pass fakes by setting the fields or ``runtime.ports``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from card_delivery.domain.card_number import random_card_number

if TYPE_CHECKING:
    from zairyu_shared.runtime import Runtime


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class CardDeliveryPorts:
    # "Now" for every transition, reminder and printed list (UTC).
    clock: Callable[[], datetime] = utcnow
    # A candidate number for a new card; cards.allocate draws again while a drawn one already exists.
    draw_card_number: Callable[[], str] = random_card_number


def bootstrap(runtime: Runtime) -> CardDeliveryPorts:
    return CardDeliveryPorts()


def ports(runtime: Runtime) -> CardDeliveryPorts:
    built = runtime.ports
    assert isinstance(built, CardDeliveryPorts), built
    return built

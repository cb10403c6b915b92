"""People's requests about their data (APPI, public-body part): the export's plumbing every service shares.

Intake publishes ``personal_data.export_requested``; each service holding personal data answers with its
part (``personal_data.<service>_part``), records of what it holds under that applicant id and nothing else.
A record is ``{kind, at, data}``: ``kind`` a stable code the export labels in the person's language,
``data`` the values as the service keeps them, made JSON-safe here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from .events import Envelope, new_event

PART_EVENT = {
    "signing": "personal_data.signing_part",
    "review": "personal_data.review_part",
    "notify": "personal_data.notify_part",
    "card-delivery": "personal_data.card_delivery_part",
}


def plain(value: Any) -> Any:
    """A JSON-safe copy: instants and dates as ISO text, JSON text as what it encodes, mappings and lists inside."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def from_json(text: str | None) -> Any:
    """A column holding JSON text, decoded (left as text when it is not JSON)."""
    if text is None or text == "":
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def record(kind: str, at: datetime | date | str | None, /, **data: Any) -> dict[str, Any]:
    # positional-only: a row's own field may be called kind or at (intake's attachments have a kind)
    return {"kind": kind, "at": plain(at), "data": {k: plain(v) for k, v in data.items()}}


def answer(request: Envelope, service: str, records: Iterable[dict[str, Any]]) -> Envelope:
    """The part event answering ``request`` (stage it in the same transaction as nothing else: a read)."""
    payload = request.data
    return new_event(
        PART_EVENT[service],
        {
            "request_id": payload["request_id"],
            "applicant_id": payload["applicant_id"],
            "service": service,
            "records": list(records),
            "answered_at": datetime.now(UTC),
        },
        source=service,
        correlation_id=request.correlation_id,
        causation_id=request.id,
    )

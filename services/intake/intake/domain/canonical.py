"""The exact bytes an applicant signs: canonical JSON of the form plus attachment hashes.

Deterministic: sorted keys, no insignificant whitespace, UTF-8 (not \\u escapes), NFC text, dates
as ISO strings, attachments ordered by (kind, sha256). The same form always gives the same bytes,
so the review service can re-derive what was signed and any change breaks the signature.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

FORMAT = "zairyu-application/1"


def _plain(value: object) -> Any:  # JSON: whatever shape the value has
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    raise TypeError(f"{type(value).__name__} cannot be signed canonically")


def canonical_json(obj: object) -> bytes:
    return json.dumps(_plain(obj), sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def signed_document(
    *,
    kind: str = "application",
    application_id: str,
    applicant_id: str,
    procedure: str,
    bundled: Iterable[str],
    form: dict[str, Any],
    attachments: Iterable[dict[str, Any]],
    holder: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> bytes:
    """The document to sign. ``attachments``: iterable of dicts with sha256, kind, media_type, size."""
    doc = {
        "format": FORMAT,
        "kind": kind,
        "application_id": application_id,
        "applicant_id": applicant_id,
        "procedure": procedure,
        "bundled": sorted(bundled),
        "applicant": holder,
        "form": form,
        "attachments": sorted(
            (
                {"sha256": a["sha256"], "kind": a["kind"], "media_type": a["media_type"], "size": a["size"]}
                for a in attachments
            ),
            key=lambda a: (a["kind"], a["sha256"]),
        ),
    }
    if extra:
        doc.update(extra)
    return canonical_json(doc)


def statement(kind: str, **fields: Any) -> bytes:
    """A short signed statement (registration, card re-binding, correction, withdrawal)."""
    return canonical_json({"format": f"zairyu-{kind}/1", **fields})


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def digest_display(content: bytes) -> str:
    """The digest grouped in fours, as the page and the signer show it for comparison."""
    hexd = digest(content)
    return " ".join(hexd[i : i + 4] for i in range(0, len(hexd), 4))

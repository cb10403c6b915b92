"""What review reads from the signed submission: the form as the applicant signed it.

The signed bytes are intake's canonical JSON ("zairyu-application/1": ``form`` values, ``applicant``
= the account's registered name, date of birth, sex and address, attachment hashes). When someone
filed on the applicant's behalf, ``filer`` names them (role, organisation, and ``holder``: the
signer's registered identity) and ``applicant`` is the identity the filer typed for the applicant. We read only
the fields we must act on and keep the whole document for display; the Individual Number is never
there. A flat form (no ``form`` key) is read the same way.
"""

from __future__ import annotations

import base64
import json
from typing import Any


def decode_signed_content(signed_content_b64: str) -> dict[str, Any]:
    raw = base64.b64decode(signed_content_b64, validate=True)
    data = json.loads(raw.decode("utf-8"))
    if not isinstance(data, dict):
        raise ValueError("signed content is not a JSON object")
    return data


def form_of(content: dict[str, Any]) -> dict[str, Any]:
    form = content.get("form", content)
    return form if isinstance(form, dict) else {}


def _first(form: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        value = form.get(key)
        if value not in (None, ""):
            return value
    return None


def applicant_of(content: dict[str, Any]) -> dict[str, Any]:
    """The registered identity the applicant signed with the form (intake's account record)."""
    applicant = content.get("applicant")
    return applicant if isinstance(applicant, dict) else {}


def filer_of(content: dict[str, Any]) -> dict[str, Any] | None:
    """Who filed on the applicant's behalf and signed (None: the applicant filed themself)."""
    filer = content.get("filer")
    return filer if isinstance(filer, dict) else None


def applicant_name(form: dict[str, Any]) -> str | None:
    name = _first(form, "name", "full_name", "name_roman", "name_en")
    if isinstance(name, dict):
        name = " ".join(str(v) for v in name.values() if v)
    if not name:
        parts = [form.get("family_name"), form.get("given_name")]
        name = " ".join(p for p in parts if p) or None
    found: str | None = name  # JSON: a string as the applicant typed it
    return found


def mailing_address(form: dict[str, Any]) -> dict[str, Any] | None:
    address = _first(form, "mailing_address", "address_in_japan", "address")
    if isinstance(address, dict):
        text = address.get("text") or " ".join(str(v) for k, v in address.items() if k != "postal_code" and v)
        return {"postal_code": address.get("postal_code"), "text": text} if text else None
    if isinstance(address, str):
        return {"postal_code": form.get("postal_code"), "text": address}
    return None


def old_card_number(form: dict[str, Any]) -> str | None:
    number: str | None = _first(form, "residence_card_number", "card_number")
    return number


def reentry_kind(form: dict[str, Any]) -> str:
    return "multiple" if str(_first(form, "reentry_kind", "reentry_type") or "").lower() == "multiple" else "single"

"""Helpers for the signing service tests (test_service_*.py): settings for a test PKI, submissions."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid

from signing.adapters.inprocess_card import inprocess_signer
from signing.entrypoints.service import definition
from signing.testpki.card import card_for
from zairyu_shared.crypto import new_key
from zairyu_shared.events import new_event
from zairyu_shared.runtime import Runtime
from zairyu_shared.testing import service_runtime

DATA_KEY = new_key()


def pki_settings(pki) -> dict:
    """Settings overrides that make the verifier trust ``pki`` (what the embedded demo sets too)."""
    return dict(
        trust_pins=f"test:{pki.root / 'manifest.json'}",
        trust_dir=str(pki.root / "trust"),
        crl_dir=str(pki.crl_dir),
        sign_policy_oid="test",
        data_keys=(DATA_KEY,),
    )


def make_runtime(pki, database_url: str, amqp_url: str, **overrides) -> Runtime:
    values = {**pki_settings(pki), **overrides}
    return service_runtime(
        definition, migrate=False, database_url=database_url, amqp_url=amqp_url, handler_attempts=2, **values
    )


def expected_holder(holder) -> dict:
    attrs = holder.attributes
    return {
        "name": attrs["name"],
        "date_of_birth": attrs["date_of_birth"],
        "sex": attrs["sex"],
        "address": attrs["address"],
    }


def sign(pki, holder, content: bytes) -> bytes:
    """A real CAdES-BES signature made by the holder's simulated card (in-process)."""
    return inprocess_signer(card_for(pki, holder)).sign(content, holder.password)


def submission(
    pki,
    holder,
    *,
    content: bytes | None = None,
    signed_content: bytes | None = None,
    claimed_holder: dict | None = None,
    language: str = "en",
) -> dict:
    """An application.submitted payload. ``signed_content`` differs from ``content`` to tamper."""
    application_id = f"app-{uuid.uuid4().hex[:10]}"
    content = (
        content
        or json.dumps(
            {"application_id": application_id, "procedure": "extension", "form": {"period": "3 years"}}, sort_keys=True
        ).encode()
    )
    signature = sign(pki, holder, signed_content or content)
    return {
        "application_id": application_id,
        "applicant_id": f"apl-{uuid.uuid4().hex[:10]}",
        "provisional_number": "P-2026-000123",
        "procedure": "extension",
        "status_of_residence": "engineer_specialist_humanities_international",
        "nationality": "VN",
        "bureau": "tokyo",
        "language": language,
        "submitted_at": dt.datetime.now(dt.UTC).isoformat(),
        "signed_content_b64": base64.b64encode(content).decode(),
        "content_sha256": hashlib.sha256(content).hexdigest(),
        "signature_cms_b64": base64.b64encode(signature).decode(),
        "expected_holder": claimed_holder or expected_holder(holder),
    }


def submitted_event(payload: dict):
    return new_event("application.submitted", payload, source="intake", correlation_id=payload["application_id"])

"""The outcome of a signature or certificate verification: valid or not, why, and on what evidence."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from typing import Any


class Reason(str, enum.Enum):
    """Machine-readable reason codes; consumers branch on these, never on the detail text."""

    SIGNATURE_INVALID = "signature_invalid"
    CONTENT_MISMATCH = "content_mismatch"
    UNTRUSTED_ISSUER = "untrusted_issuer"
    ISSUER_GENERATION_UNKNOWN = "issuer_generation_unknown"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    REVOKED = "revoked"
    REVOCATION_STALE = "revocation_stale"
    REVOCATION_UNAVAILABLE = "revocation_unavailable"
    WRONG_KEY_USAGE = "wrong_key_usage"
    WRONG_POLICY = "wrong_policy"
    LEAF_IS_CA = "leaf_is_ca"
    WEAK_KEY = "weak_key"
    WEAK_ALGORITHM = "weak_algorithm"
    HOLDER_MISMATCH = "holder_mismatch"
    MALFORMED = "malformed"


class VerificationFailure(Exception):
    """Raised inside the verifier to stop at the first failed check; turned into a Verdict."""

    def __init__(self, reason: Reason, detail: str):
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclasses.dataclass(frozen=True)
class RevocationEvidence:
    """Where the revocation answer came from and how fresh it was at validation."""

    status: str  # good | revoked | stale | unavailable
    source_kind: str | None = None  # crl | ocsp
    source: str | None = None  # CRL file path or OCSP URL
    this_update: dt.datetime | None = None
    next_update: dt.datetime | None = None
    age_seconds: float | None = None
    revocation_time: dt.datetime | None = None
    revocation_reason: str | None = None
    soft_fail: bool = False
    note: str | None = None


@dataclasses.dataclass(frozen=True)
class Verdict:
    valid: bool
    reason: Reason | None = None
    detail: str = ""
    profile: str | None = None
    serial: str | None = None  # hex, as printed on certificate viewers
    subject: str | None = None
    issuer: str | None = None
    root_fingerprint: str | None = None  # SHA-256 of the trust anchor: which CA generation
    root_label: str | None = None
    holder: dict[str, Any] | None = None
    validation_time: dt.datetime | None = None
    signing_time: dt.datetime | None = None
    revocation: RevocationEvidence | None = None
    soft_fail: bool = False
    policies: list[str] | None = None  # rfc5280 profile: the user-constrained policy set

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (datetimes as ISO 8601 strings, enums as their values)."""
        safe: dict[str, Any] = _json_safe(dataclasses.asdict(self))
        return safe


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value

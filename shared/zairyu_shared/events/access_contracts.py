"""Contracts of the access log (issue 22): review publishes each officer's access with its inclusion proof and
the signed tree heads; intake keeps them per applicant. The formats hashed and signed are zairyu_shared.access_log.
"""

from __future__ import annotations

from marshmallow import fields, validate

from zairyu_shared.access_log import KINDS, PURPOSES

from .contracts import _id, _Strict
from .registry import EventSpec, register


class AccessEntry(_Strict):
    """One leaf of review's access log as published (zairyu_shared.access_log): hashed as canonical JSON, so every
    field is carried exactly as logged; no name, no IP: the officer is a stable pseudonym."""

    v = fields.Integer(required=True, validate=validate.OneOf([1]))
    at = fields.String(required=True, validate=validate.Length(min=10, max=40))  # ISO text, hashed as is
    application_id = _id()
    officer = fields.String(required=True, validate=validate.Regexp(r"^[A-Z2-9]{4}-[A-Z2-9]{4}$"))
    role = fields.String(required=True, validate=validate.Length(min=1, max=20))
    office = fields.String(required=True, validate=validate.Length(min=1, max=40))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    action = fields.String(required=True, validate=validate.Length(min=1, max=60))
    purpose = fields.String(required=True, validate=validate.OneOf(PURPOSES))


_HASH = validate.Regexp(r"^[0-9a-f]{64}$")


class ApplicationAccessed(_Strict):
    """An officer's access to the application, with its inclusion proof against a signed tree head (RFC 9162)."""

    application_id = _id()
    applicant_id = _id()
    leaf_index = fields.Integer(required=True, validate=validate.Range(min=0))
    entry = fields.Nested(AccessEntry, required=True)
    tree_size = fields.Integer(required=True, validate=validate.Range(min=1))
    root_hash = fields.String(required=True, validate=_HASH)
    inclusion_proof = fields.List(fields.String(validate=_HASH), required=True, validate=validate.Length(max=64))


class AccessTreeHeadPublished(_Strict):
    """A signed tree head of the access log (ES256 over {v, tree_size, timestamp, root_hash}) and its key."""

    tree_size = fields.Integer(required=True, validate=validate.Range(min=1))
    timestamp = fields.String(required=True, validate=validate.Length(min=10, max=40))
    root_hash = fields.String(required=True, validate=_HASH)
    kid = fields.String(required=True, validate=validate.Length(min=1, max=40))
    signature = fields.String(required=True, validate=validate.Length(min=8, max=120))
    public_key = fields.String(required=True, validate=validate.Length(min=8, max=400))  # base64 SPKI DER


for _spec in [
    EventSpec(
        "application.accessed",
        1,
        ApplicationAccessed,
        "review",
        ("intake",),
        "An officer read, decided, handed over or exported the case: the access log entry (officer pseudonym, role, office, purpose) with its inclusion proof against a signed tree head.",
    ),
    EventSpec(
        "access.tree_head_published",
        1,
        AccessTreeHeadPublished,
        "review",
        ("intake",),
        "A signed tree head of the access log (RFC 9162), with the public key that signed it.",
    ),
]:
    register(_spec)

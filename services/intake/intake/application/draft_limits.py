"""What a draft may hold: only its own form's fields, each of a bounded length, and a bounded number of
drafts per account. Drafts keep raw input as typed (nothing is lost on a timeout), so without these a
saved draft took any key of any length up to the request cap (a 27 MB row) and an account any number."""

from __future__ import annotations

import functools

import sqlalchemy as sa

from intake.adapters.tables import drafts
from intake.domain import form, procedures, statuses
from intake.domain.fields import Field

# Open (unsubmitted) drafts per account: a person, or an organisation filing for several people at once,
# stays far below it; deleting or submitting one frees a place.
MAX_OPEN_DRAFTS = 20
# Raw input is kept up to twice the field's own limit: validation then says "too long" on the page and the
# person shortens it (full-width text normalises shorter); anything longer is refused at saving.
RAW_LENGTH_FACTOR = 2


class DraftRefused(Exception):
    """A save that would put unknown fields or over-long values in a draft: ``errors`` field -> message key."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("draft.refused")
        self.key = "draft.refused"
        self.errors = errors


@functools.lru_cache(maxsize=256)
def allowed_fields(choice: form.Choice) -> dict[str, Field]:
    """Every field the form of this procedure and filer role can show, whatever status is chosen (and
    whichever permissions can be bundled with it: apps send those fields before the bundle is settled)."""
    if choice.procedure in procedures.BUNDLE_HOSTS:
        choice = form.Choice(choice.procedure, tuple(procedures.BUNDLED_ONLY), choice.filer_role)
    out: dict[str, Field] = {}
    for status in (None, *(s.code for s in statuses.STATUSES)):
        for section in form.sections_for(choice, status):
            out.update({f.name: f for f in form.fields_for(choice, section)})
    return out


def check_fields(choice: form.Choice, fields: dict[str, str]) -> None:
    allowed = allowed_fields(choice)
    errors: dict[str, str] = {}
    for name, value in fields.items():
        f = allowed.get(name)
        if f is None:
            errors[name[:80]] = "draft.unknown_field"
        elif len(value) > f.max_length * RAW_LENGTH_FACTOR:
            errors[name] = "error.too_long"
    if errors:
        raise DraftRefused(errors)


def room_for_another(session, applicant_id: str) -> bool:
    open_drafts = session.execute(
        sa.select(sa.func.count())
        .select_from(drafts)
        .where(
            drafts.c.applicant_id == applicant_id,
            drafts.c.submitted_application_id.is_(None),
            drafts.c.deleted_at.is_(None),
        )
    ).scalar()
    return int(open_drafts or 0) < MAX_OPEN_DRAFTS

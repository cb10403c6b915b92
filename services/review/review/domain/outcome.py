"""What an approval carries besides the decision itself, read from the form the applicant signed:
how the deliverable reaches them, the specified residence card, the activity-outside-status grant.

residence-procedures.md "What the applicant sees" item 7; zairyu_shared.deliverables has the table.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from zairyu_shared import deliverables

# The form field holding the signed choice, per deliverable (intake's form).
_CHOICE_FIELD = {
    deliverables.RESIDENCE_CARD: "card_receipt",
    deliverables.COE: "coe_delivery",
    deliverables.EMPLOYMENT_CERTIFICATE: "certificate_delivery",
}


# The form's values where they differ from the contract's: a COE or certificate "on paper" goes by post.
_FORM_VALUES = {"paper": "post"}


def delivery_method(procedure: str, form: dict[str, Any]) -> str:
    chosen = form.get(_CHOICE_FIELD[deliverables.deliverable(procedure)])
    chosen = _FORM_VALUES.get(chosen, chosen) if isinstance(chosen, str) else None
    return str(deliverables.method_for(procedure, chosen))


def specified_card(procedure: str, form: dict[str, Any]) -> bool:
    """Asked for in the signed form; intake offers it only from 2026-06-14 and for card procedures."""
    return deliverables.issues_card(procedure) and form.get("specified_card") == "yes"


def outside_activity(bundled: list[str], form: dict[str, Any]) -> dict[str, Any] | None:
    """The permission for activity outside the status granted with the approval, with its conditions:
    the hours asked for, capped at the comprehensive permission's 28 a week (Enforcement Regulation
    art. 19(5)(i)); the activity and the workplace as signed."""
    if "activity_outside_status" not in bundled:
        return None
    try:
        hours = int(form.get("outside_hours_per_week") or deliverables.OUTSIDE_ACTIVITY_MAX_HOURS)
    except (TypeError, ValueError):
        hours = deliverables.OUTSIDE_ACTIVITY_MAX_HOURS
    hours = max(1, min(hours, deliverables.OUTSIDE_ACTIVITY_MAX_HOURS))
    activity = str(form.get("outside_activity") or "").strip()[:2000] or "-"
    employer = str(form.get("outside_employer") or "").strip()[:200] or None
    return {"hours_per_week": hours, "activity": activity, "employer": employer}


def stay_facts(procedure: str, filed_on: date, expiry: date | None) -> dict[str, Any]:
    """For an extension or change: the expiry, and whether it was filed on or before it, so that the special
    period applied (Immigration Control Act art. 20(6), 21(4)): a refusal then tells what happens to the stay."""
    if procedure not in ("extension", "change") or expiry is None:
        return {}
    return {"period_of_stay_expiry": expiry, "special_period": filed_on <= expiry}

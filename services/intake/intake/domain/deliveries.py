"""What approving an application delivers, as the applicant's account shows it: before the decision
from the choices signed in the form, after it from the decision (application.decided v2).

Rules: residence-procedures.md "What the applicant sees" item 7 (zairyu_shared.deliverables).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zairyu_shared import deliverables

# The form's value for "on paper" (a COE or certificate) is the contract's "post".
_FORM_VALUES = {"paper": "post"}
_CHOICE_FIELD = {
    deliverables.RESIDENCE_CARD: "card_receipt",
    deliverables.COE: "coe_delivery",
    deliverables.EMPLOYMENT_CERTIFICATE: "certificate_delivery",
}


@dataclass(frozen=True)
class Delivery:
    deliverable: str  # residence_card | coe | employment_certificate
    method: str  # post | counter | email | pdf
    specified_card: bool = False
    outside_activity_hours: int | None = None  # a permission for activity outside the status granted

    @property
    def key(self) -> str:
        """The message key of the sentence that says it (labels.DELIVERS)."""
        return f"{self.deliverable}.{self.method}"


def of(procedure: str, form: dict[str, Any], decided: dict[str, Any] | None = None) -> Delivery:
    """``decided``: the approved decision's timeline detail, when there is one (its word is final)."""
    deliverable = deliverables.deliverable(procedure)
    chosen = form.get(_CHOICE_FIELD[deliverable])
    chosen = _FORM_VALUES.get(chosen, chosen) if isinstance(chosen, str) else None
    specified = deliverables.issues_card(procedure) and form.get("specified_card") == "yes"
    hours = None
    if decided:
        chosen = decided.get("delivery_method") or chosen
        specified = bool(decided.get("specified_card", specified)) and deliverables.issues_card(procedure)
        grant = decided.get("outside_activity")
        hours = int(grant["hours_per_week"]) if isinstance(grant, dict) and grant.get("hours_per_week") else None
    return Delivery(deliverable, deliverables.method_for(procedure, chosen), specified, hours)


def needs_online_payment(procedure: str, form: dict[str, Any]) -> bool:
    """An employment certificate chosen as a signed PDF is sealed and e-mailed once its fee is paid online (¥1,600,
    residence-procedures.md fees table; review's fee.paid): without online payment only paper by post can come."""
    return (
        of(procedure, form).method == "pdf"
        and deliverables.deliverable(procedure) == deliverables.EMPLOYMENT_CERTIFICATE
    )

"""What the new residence card carries besides the holder's details and the decision.

The card has a field for permission for activity outside the status (Immigration Control Act
art. 19-4(1)(vii); Enforcement Regulation form 29-7). A permission granted with the change or
extension is written there; the comprehensive permission reads 「許可：原則週28時間以内・風俗営業等の
従事を除く」 (ISA, 資格外活動許可について), its hours being the limit granted (at most 28 a week,
Enforcement Regulation art. 19(5)(i)).
"""

from __future__ import annotations

from typing import Any


def outside_activity_remark(grant: dict[str, Any] | None) -> str | None:
    """The card field's text for a granted permission (None: nothing granted, the field stays blank)."""
    if not grant:
        return None
    hours = int(grant["hours_per_week"])
    return f"許可：原則週{hours}時間以内・風俗営業等の従事を除く"

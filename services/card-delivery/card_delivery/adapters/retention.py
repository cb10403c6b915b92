"""What card-delivery's retention purge deletes (periods: zairyu_shared.retention.RULES, README "Retention").

A delivery case that ended (card delivered or collected) goes 5 years from the 特定日 after it ended,
with its history and any fee payment that came for it. The card number itself stays in ``cards``
(without the link to the case): a residence card number is never issued twice.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from card_delivery.domain.case import State
from zairyu_shared.retention import PurgeStep

from .tables import cards, case_history, delivery_cases, early_fee_payments


def purge_steps() -> list[PurgeStep]:
    def before(session: Session, ids: list[object]) -> None:
        session.execute(case_history.delete().where(case_history.c.delivery_id.in_(ids)))
        session.execute(cards.update().where(cards.c.delivery_id.in_(ids)).values(delivery_id=None))
        applications = sa.select(delivery_cases.c.application_id).where(delivery_cases.c.delivery_id.in_(ids))
        session.execute(early_fee_payments.delete().where(early_fee_payments.c.application_id.in_(applications)))

    return [
        PurgeStep(
            "card_delivery",
            delivery_cases,
            delivery_cases.c.delivery_id,
            lambda cutoff: sa.and_(
                delivery_cases.c.state.in_((State.DELIVERED.value, State.COLLECTED.value)),
                delivery_cases.c.state_since < cutoff,
            ),
            before=before,
        )
    ]

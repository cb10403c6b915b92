"""The personal data export names every code the services put in it (intake's data_export.CODED): a card's delivery
state and step, a notice's state and channel, a signature's verdict were printed as codes ("awaiting_envelope")."""

from __future__ import annotations

from card_delivery.domain.case import State
from card_delivery.entrypoints.mailroom import ACTION_LABELS
from intake.entrypoints import data_export, labels
from notify.domain import delivery


def test_every_card_delivery_state_and_step_and_every_notice_state_is_named():
    assert {s.value for s in State} <= set(data_export.CARD_DELIVERY_STATES)
    assert set(ACTION_LABELS) <= set(data_export.CARD_DELIVERY_STEPS)  # every step the mailroom records
    assert set(delivery.STATES) <= set(data_export.NOTICE_STATES)


def test_codes_that_share_a_key_never_collide():
    """'state' holds card-delivery's and notify's, 'step' intake's timeline's and card-delivery's: one code, one
    meaning."""
    assert not set(data_export.CARD_DELIVERY_STATES) & set(data_export.NOTICE_STATES)
    assert not set(labels.TIMELINE) & set(data_export.CARD_DELIVERY_STEPS)

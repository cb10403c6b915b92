"""organisation_webhook_events: what an organisation's webhook receives, per event type; an endpoint named before
gets what it received until now (the decisions, the document requests and the answer to its application for use)

Revision ID: 0014_webhook_events
Revises: 0013_consent_document
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_webhook_events"
down_revision = "0013_consent_document"
branch_labels = None
depends_on = None

DEFAULT_EVENTS = ("organisation.use_decided", "application.documents_requested", "application.decided")


def upgrade() -> None:
    op.create_table(
        "organisation_webhook_events",
        sa.Column("organisation_id", sa.String(36), sa.ForeignKey("organisations.id"), primary_key=True),
        sa.Column("event_type", sa.String(60), primary_key=True),
    )
    for event_type in DEFAULT_EVENTS:
        op.execute(
            sa.text(
                "INSERT INTO organisation_webhook_events (organisation_id, event_type) "
                "SELECT organisation_id, :event_type FROM organisation_webhooks"
            ).bindparams(event_type=event_type)
        )


def downgrade() -> None:
    op.drop_table("organisation_webhook_events")

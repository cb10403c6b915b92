"""organisation_drafts.updated_at: a draft's last change (made, or corrected on its page), from which an unsigned
draft's retention runs (draft_unsubmitted, as an applicant's own draft); NULL on drafts made before: their creation

Revision ID: 0015_org_draft_changed
Revises: 0014_webhook_events
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_org_draft_changed"
down_revision = "0014_webhook_events"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("organisation_drafts", sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("organisation_drafts", "updated_at")

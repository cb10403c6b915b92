"""drafts.deleted_at: deleting a draft can be undone for a while (issue 18)

Revision ID: 0007_draft_deleted_at
Revises: 0006_registrations
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_draft_deleted_at"
down_revision = "0006_registrations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("drafts") as batch:
        batch.drop_column("deleted_at")

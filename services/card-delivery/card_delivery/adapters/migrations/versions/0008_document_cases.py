"""delivery_cases.kind: a paper COE or employment certificate posted by the mailroom (issue 17)

Revision ID: 0008_document_cases
Revises: 0007_subject_keys
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_document_cases"
down_revision = "0007_subject_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_cases") as batch:
        batch.add_column(sa.Column("kind", sa.String(30), nullable=False, server_default="residence_card"))


def downgrade() -> None:
    with op.batch_alter_table("delivery_cases") as batch:
        batch.drop_column("kind")

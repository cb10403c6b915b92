"""delivery_cases.receipt_number: the bureau's receipt number (application.decided v4), to find a case by it (issue 18)

Revision ID: 0009_receipt_number
Revises: 0008_document_cases
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_receipt_number"
down_revision = "0008_document_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_cases") as batch:
        batch.add_column(sa.Column("receipt_number", sa.String(40), nullable=True))
        batch.create_index("ix_delivery_cases_receipt_number", ["receipt_number"])


def downgrade() -> None:
    with op.batch_alter_table("delivery_cases") as batch:
        batch.drop_index("ix_delivery_cases_receipt_number")
        batch.drop_column("receipt_number")

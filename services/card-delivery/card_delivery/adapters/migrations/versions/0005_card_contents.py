"""delivery_cases.specified_card, card_remarks: what the card carries (application.decided v2)

Revision ID: 0005_card_contents
Revises: 0004_payment
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_card_contents"
down_revision = "0004_payment"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_cases") as batch:
        batch.add_column(sa.Column("specified_card", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("card_remarks", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("delivery_cases") as batch:
        batch.drop_column("card_remarks")
        batch.drop_column("specified_card")

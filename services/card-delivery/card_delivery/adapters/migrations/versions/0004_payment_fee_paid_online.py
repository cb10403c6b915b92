"""delivery_cases.fee_paid_online_*, early_fee_payments: the fee paid online (intake's fee.paid)

Revision ID: 0004_payment
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_payment"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_cases") as batch:
        batch.add_column(sa.Column("fee_paid_online_yen", sa.Integer, nullable=True))
        batch.add_column(sa.Column("fee_payment_reference", sa.String(80), nullable=True))
        batch.add_column(sa.Column("fee_paid_online_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "early_fee_payments",
        sa.Column("application_id", sa.String(80), primary_key=True),
        sa.Column("applicant_id", sa.String(80), nullable=False),
        sa.Column("amount_yen", sa.Integer, nullable=False),
        sa.Column("payment_reference", sa.String(80), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("early_fee_payments")
    with op.batch_alter_table("delivery_cases") as batch:
        batch.drop_column("fee_paid_online_at")
        batch.drop_column("fee_payment_reference")
        batch.drop_column("fee_paid_online_yen")

"""payments, payment_notifications, demo_psp_sessions: paying the fee online

Revision ID: 0005_payment
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_payment"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ts = lambda: sa.DateTime(timezone=True)  # noqa: E731
    op.create_table(
        "payments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("application_id", sa.String(36), sa.ForeignKey("applications.id"), nullable=False, index=True),
        sa.Column("applicant_id", sa.String(36), nullable=False),
        sa.Column("idempotency_key", sa.String(80), nullable=False),
        sa.Column("amount_yen", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("provider", sa.String(20), nullable=False),
        sa.Column("provider_session", sa.String(80), nullable=True, unique=True),
        sa.Column("checkout_url", sa.String(400), nullable=True),
        sa.Column("provider_reference", sa.String(80), nullable=True),
        sa.Column("method", sa.String(20), nullable=True),
        sa.Column("failure", sa.String(200), nullable=True),
        sa.Column("paid_at", ts(), nullable=True),
        sa.Column("created_at", ts(), nullable=False),
        sa.Column("updated_at", ts(), nullable=False),
        sa.UniqueConstraint("application_id", "idempotency_key", name="uq_payments_attempt"),
    )
    op.create_index("uq_payments_one_paid", "payments", ["application_id"], unique=True,
                    postgresql_where=sa.text("state = 'paid'"), sqlite_where=sa.text("state = 'paid'"))
    op.create_table(
        "payment_notifications",
        sa.Column("event_id", sa.String(80), primary_key=True),
        sa.Column("payment_id", sa.String(36), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("effect", sa.String(40), nullable=False),
        sa.Column("received_at", ts(), nullable=False),
    )
    op.create_table(
        "demo_psp_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("merchant_reference", sa.String(36), nullable=False),
        sa.Column("amount_yen", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("return_url", sa.String(400), nullable=False),
        sa.Column("notify_url", sa.String(400), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("psp_reference", sa.String(40), nullable=True),
        sa.Column("created_at", ts(), nullable=False),
        sa.Column("completed_at", ts(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("demo_psp_sessions")
    op.drop_table("payment_notifications")
    op.drop_index("uq_payments_one_paid", table_name="payments")
    op.drop_table("payments")

"""registrations, registration_links: the e-mail address is proven before the card signs (issue 18)

Revision ID: 0006_registrations
Revises: 0005_payment
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_registrations"
down_revision = "0005_payment"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ts = lambda: sa.DateTime(timezone=True)  # noqa: E731
    op.create_table(
        "registrations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("email", sa.LargeBinary(), nullable=False),  # EncryptedText
        sa.Column("email_lookup", sa.String(64), nullable=False, index=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("created_at", ts(), nullable=False),
        sa.Column("completed_at", ts(), nullable=True),
    )
    op.create_table(
        "registration_links",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("registration_id", sa.String(36), sa.ForeignKey("registrations.id"), nullable=False, index=True),
        sa.Column("created_at", ts(), nullable=False),
        sa.Column("expires_at", ts(), nullable=False),
        sa.Column("used_at", ts(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("registration_links")
    op.drop_table("registrations")

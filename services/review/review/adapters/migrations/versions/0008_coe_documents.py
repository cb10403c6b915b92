"""document_keys, coe_documents: the e-COE and the keys that signed them (issue 17)

Revision ID: 0008_coe_documents
Revises: 0007_enrolment
"""
import sqlalchemy as sa
from alembic import op


revision = "0008_coe_documents"
down_revision = "0007_enrolment"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_keys",
        sa.Column("kid", sa.String(40), primary_key=True),
        sa.Column("public_key_der", sa.LargeBinary, nullable=False),
        sa.Column("demo", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("first_used_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "coe_documents",
        sa.Column("document_id", sa.String(40), primary_key=True),
        sa.Column("application_id", sa.String(80), nullable=False, unique=True),
        sa.Column("kid", sa.String(40), nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date, nullable=False),
        sa.Column("sealed", sa.LargeBinary, nullable=False),  # EncryptedText in the table model
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.Text, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("coe_documents")
    op.drop_table("document_keys")

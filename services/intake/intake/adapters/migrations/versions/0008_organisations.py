"""organisations and their staff, people (roster, consent), reminders, drafts, API tokens, webhooks (issue 21)

Revision ID: 0008_organisations
Revises: 0007_subject_keys
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_organisations"
down_revision = "0007_subject_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ts = lambda: sa.DateTime(timezone=True)  # noqa: E731
    op.create_table(
        "organisations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.LargeBinary(), nullable=False),  # EncryptedText
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("corporate_number", sa.String(13), nullable=True),
        sa.Column("agent_qualification", sa.String(20), nullable=True),
        sa.Column("agent_number", sa.String(30), nullable=True),
        sa.Column("address", sa.LargeBinary(), nullable=False),  # EncryptedText
        sa.Column("bureau", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("requested_at", ts(), nullable=False),
        sa.Column("decided_at", ts(), nullable=True),
        sa.Column("approved_from", sa.Date(), nullable=True),
        sa.Column("approved_until", sa.Date(), nullable=True),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
    )
    op.create_table(
        "organisation_staff",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("organisation_id", sa.String(36), sa.ForeignKey("organisations.id"), nullable=False, index=True),
        sa.Column("email", sa.LargeBinary(), nullable=False),  # EncryptedText
        sa.Column("email_lookup", sa.String(64), nullable=False, unique=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("password_hash", sa.String(200), nullable=True),
        sa.Column("totp_secret", sa.LargeBinary(), nullable=True),  # EncryptedText
        sa.Column("totp_last_step", sa.BigInteger(), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("locked_until", ts(), nullable=True),
        sa.Column("removed_at", ts(), nullable=True),
        sa.Column("created_at", ts(), nullable=False),
    )
    op.create_table(
        "organisation_staff_invitations",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("staff_id", sa.String(36), sa.ForeignKey("organisation_staff.id"), nullable=False, index=True),
        sa.Column("expires_at", ts(), nullable=False),
        sa.Column("used_at", ts(), nullable=True),
    )
    op.create_table(
        "organisation_people",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("organisation_id", sa.String(36), sa.ForeignKey("organisations.id"), nullable=False, index=True),
        sa.Column("name", sa.LargeBinary(), nullable=False),
        sa.Column("nationality", sa.LargeBinary(), nullable=True),
        sa.Column("date_of_birth", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("period_of_stay", sa.LargeBinary(), nullable=True),
        sa.Column("period_expiry", sa.LargeBinary(), nullable=False),
        sa.Column("card_number", sa.LargeBinary(), nullable=False),
        sa.Column("consent", sa.String(20), nullable=False, server_default="none"),
        sa.Column("consent_at", ts(), nullable=True),
        sa.Column("consent_applicant_id", sa.String(36), nullable=True),
        sa.Column("consent_document_sha256", sa.String(64), nullable=True),
        sa.Column("consent_code_hash", sa.String(64), nullable=True, unique=True),
        sa.Column("created_at", ts(), nullable=False),
        sa.Column("removed_at", ts(), nullable=True),
    )
    op.create_table(
        "organisation_reminders",
        sa.Column("person_id", sa.String(36), sa.ForeignKey("organisation_people.id"), primary_key=True),
        sa.Column("expiry", sa.Date(), primary_key=True),
        sa.Column("days_before", sa.Integer(), primary_key=True),
        sa.Column("sent_at", ts(), nullable=False),
    )
    op.create_table(
        "organisation_drafts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("organisation_id", sa.String(36), sa.ForeignKey("organisations.id"), nullable=False, index=True),
        sa.Column("person_id", sa.String(36), sa.ForeignKey("organisation_people.id"), nullable=True),
        sa.Column("procedure", sa.String(40), nullable=False),
        sa.Column("filer_role", sa.String(40), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("batch_id", sa.String(36), nullable=True, index=True),
        sa.Column("created_by", sa.String(36), nullable=False),
        sa.Column("created_at", ts(), nullable=False),
    )
    op.create_table(
        "organisation_api_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("organisation_id", sa.String(36), sa.ForeignKey("organisations.id"), nullable=False, index=True),
        sa.Column("staff_id", sa.String(36), sa.ForeignKey("organisation_staff.id"), nullable=False),
        sa.Column("scopes", sa.String(200), nullable=False),
        sa.Column("expires_at", ts(), nullable=False),
        sa.Column("created_at", ts(), nullable=False),
    )
    op.create_table(
        "organisation_webhooks",
        sa.Column("organisation_id", sa.String(36), sa.ForeignKey("organisations.id"), primary_key=True),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("secret", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", ts(), nullable=False),
    )
    op.create_table(
        "organisation_webhook_deliveries",
        sa.Column("event_id", sa.String(80), primary_key=True),
        sa.Column("organisation_id", sa.String(36), sa.ForeignKey("organisations.id"), primary_key=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", ts(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", ts(), nullable=False, index=True),
        sa.Column("delivered_at", ts(), nullable=True),
        sa.Column("given_up_at", ts(), nullable=True),
        sa.Column("last_error", sa.String(300), nullable=True),
    )


def downgrade() -> None:
    for table in ("organisation_webhook_deliveries", "organisation_webhooks", "organisation_api_tokens",
                  "organisation_drafts", "organisation_reminders", "organisation_people"):
        op.drop_table(table)
    op.drop_table("organisation_staff_invitations")
    op.drop_table("organisation_staff")
    op.drop_table("organisations")

"""officer accounts: a second administrator approves, the officer enrols themself, the person behind it

Revision ID: 0007_enrolment
Revises: 0006_office_filters

Issue 15 finding 4: one administrator could mint an examiner and a supervisor, read their passwords
and TOTP secrets and decide a case alone. An account created on the web is now ``pending_approval``
until another administrator approves it, then ``approved`` until the officer enrols (sets their own
password and TOTP with the creator's link and the approver's code), then ``enrolled``. ``staff_id``
names the natural person: at most one live account per person (the partial unique index), and the
four-eyes rule compares people, not accounts. Existing accounts keep working (``enrolled``, no staff id:
the account stands for its person).
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_enrolment"
down_revision = "0006_office_filters"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
LIVE = "active OR enrolment IN ('pending_approval', 'approved')"


def upgrade() -> None:
    op.add_column("officers", sa.Column("staff_id", sa.String(length=40), nullable=True))
    op.add_column("officers", sa.Column("enrolment", sa.String(length=20), nullable=False, server_default="enrolled"))
    op.add_column("officers", sa.Column("created_by", sa.String(length=80), nullable=True))
    op.add_column("officers", sa.Column("approved_by", sa.String(length=80), nullable=True))
    op.add_column("officers", sa.Column("approved_at", TS, nullable=True))
    op.add_column("officers", sa.Column("enrolled_at", TS, nullable=True))
    op.add_column("officers", sa.Column("enrolment_token_sha256", sa.String(length=64), nullable=True))
    op.add_column("officers", sa.Column("enrolment_expires_at", TS, nullable=True))
    op.add_column("officers", sa.Column("approval_code_sha256", sa.String(length=64), nullable=True))
    op.add_column("officers", sa.Column("approval_code_expires_at", TS, nullable=True))
    op.add_column("officers", sa.Column("enrolment_failures", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ux_officers_enrolment_token", "officers", ["enrolment_token_sha256"], unique=True)
    op.create_index("ux_officers_live_staff_id", "officers", ["staff_id"], unique=True,
                    postgresql_where=sa.text(LIVE), sqlite_where=sa.text(LIVE))


def downgrade() -> None:
    op.drop_index("ux_officers_live_staff_id", table_name="officers")
    op.drop_index("ux_officers_enrolment_token", table_name="officers")
    for column in ("enrolment_failures", "approval_code_expires_at", "approval_code_sha256", "enrolment_expires_at",
                   "enrolment_token_sha256", "enrolled_at", "approved_at", "approved_by", "created_by", "enrolment",
                   "staff_id"):
        op.drop_column("officers", column)

"""district and branch offices: the office holding a case, the office an officer is scoped to

Revision ID: 0004_offices
Revises: 0003

Both columns are nullable: NULL means the regional bureau itself (for a case) and bureau-wide (for an
officer), so every existing row keeps its meaning. The office queue indexes are partial (only cases
held by an office), so the bureau's own queue pays nothing for them.
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_offices"
down_revision = "0003"
branch_labels = None
depends_on = None

_INDEXES = {
    "ix_cases_office_age": ["office", "is_open", "received_at", "application_id"],
    "ix_cases_office_deadline": ["office", "is_open", "period_of_stay_expiry", "application_id"],
    "ix_cases_office_status": ["office", "status", "received_at", "application_id"],
}


def upgrade() -> None:
    op.add_column("cases", sa.Column("office", sa.String(length=40), nullable=True))
    op.add_column("officers", sa.Column("office", sa.String(length=40), nullable=True))
    where = sa.text("office IS NOT NULL")
    for name, columns in _INDEXES.items():
        op.create_index(name, "cases", columns, unique=False, postgresql_where=where, sqlite_where=where)


def downgrade() -> None:
    for name in _INDEXES:
        op.drop_index(name, table_name="cases")
    with op.batch_alter_table("officers") as batch:
        batch.drop_column("office")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("office")

"""office queues filtered by procedure, nationality or status of residence get their own partial indexes

Revision ID: 0006_office_filters
Revises: 0004_proxy

Measured at 1,000,000 cases: an office's queue filtered by nationality walked the office's whole
age index (p95 9.6 ms against 1.5 ms for the same filter on a bureau). Partial like the other office
indexes: only cases held by an office are in them.
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_office_filters"
down_revision = "0004_proxy"
branch_labels = None
depends_on = None

_INDEXES = {
    "ix_cases_office_procedure": ["office", "procedure", "is_open", "received_at", "application_id"],
    "ix_cases_office_nationality": ["office", "nationality", "is_open", "received_at", "application_id"],
    "ix_cases_office_sor": ["office", "status_of_residence", "is_open", "received_at", "application_id"],
}


def upgrade() -> None:
    where = sa.text("office IS NOT NULL")
    for name, columns in _INDEXES.items():
        op.create_index(name, "cases", columns, unique=False, postgresql_where=where, sqlite_where=where)


def downgrade() -> None:
    for name in _INDEXES:
        op.drop_index(name, table_name="cases")

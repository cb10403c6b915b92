"""cases.filer_lookup: a keyed hash of the filing organisation's number, indexed, so the bureau lists every
application an organisation filed (the filer itself stays encrypted under the applicant's key). Existing cases are
indexed by `zairyu-review index-filers` (the keys to read their filer are the service's, not the migration's).

Revision ID: 0014_filer_lookup
Revises: 0013_audit_trim
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_filer_lookup"
down_revision = "0013_audit_trim"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("filer_lookup", sa.String(64), nullable=True))
    op.create_index("ix_cases_filer_lookup", "cases", ["filer_lookup", "bureau", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_cases_filer_lookup", "cases")
    op.drop_column("cases", "filer_lookup")

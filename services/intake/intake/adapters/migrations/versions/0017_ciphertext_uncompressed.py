"""Ciphertext stored out of line without a compression attempt (PostgreSQL STORAGE EXTERNAL): it never compresses

Revision ID: 0017_ciphertext_uncompressed
Revises: 0016_staff_name
"""

from zairyu_shared.migrations import store_compressible, store_uncompressed

revision = "0017_ciphertext_uncompressed"
down_revision = "0016_staff_name"
branch_labels = None
depends_on = None

# Every column holding ciphertext when this revision was written (zairyu_shared.migrations.ciphertext_columns);
# tests/contracts/test_ciphertext_storage.py fails for one added later without it.
CIPHERTEXT = (
    ("applicants", ("email", "name", "date_of_birth", "sex", "address", "totp_secret")),
    ("document_requests", ("message",)),
    ("notices", ("subject", "body")),
    ("organisations", ("name", "address")),
    ("outbox", ("body",)),
    ("registrations", ("email",)),
    ("signing_requests", ("content", "description", "extra")),
    ("applications", ("form", "signed_content")),
    ("attachments", ("filename",)),
    ("drafts", ("data",)),
    ("email_changes", ("email",)),
    ("organisation_people", ("name", "nationality", "date_of_birth", "period_of_stay", "period_expiry", "card_number")),
    ("organisation_staff", ("email", "name", "totp_secret")),
    ("organisation_webhooks", ("secret",)),
    ("data_export_parts", ("content",)),
    ("organisation_drafts", ("data",)),
)


def upgrade() -> None:
    store_uncompressed(CIPHERTEXT)


def downgrade() -> None:
    store_compressible(CIPHERTEXT)

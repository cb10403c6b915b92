"""applicants, drafts, attachments, applications, signing requests, timeline, notices

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# EncryptedText columns are LargeBinary in the database (Fernet tokens).


def upgrade() -> None:
    op.create_table(
        'applicants',
        sa.Column('id', sa.String(36), primary_key=True, nullable=False),
        sa.Column('email', sa.LargeBinary(), nullable=False),
        sa.Column('email_lookup', sa.String(64), nullable=False, unique=True),
        sa.Column('email_verified_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('language', sa.String(8), nullable=False),
        sa.Column('name', sa.LargeBinary(), nullable=False),
        sa.Column('date_of_birth', sa.LargeBinary(), nullable=False),
        sa.Column('sex', sa.LargeBinary(), nullable=False),
        sa.Column('address', sa.LargeBinary(), nullable=False),
        sa.Column('cert_serial', sa.String(80), nullable=False),
        sa.Column('cert_issuer', sa.String(400), nullable=False),
        sa.Column('holder_lookup', sa.String(64), nullable=False),
        sa.Column('auth_subject', sa.String(200), nullable=True, unique=True),
        sa.Column('password_hash', sa.String(200), nullable=True),
        sa.Column('totp_secret', sa.LargeBinary(), nullable=True),
        sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_applicants_holder_lookup', 'applicants', ['holder_lookup'])
    op.create_table(
        'challenges',
        sa.Column('nonce', sa.String(64), primary_key=True, nullable=False),
        sa.Column('purpose', sa.String(20), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        'document_requests',
        sa.Column('request_id', sa.String(80), primary_key=True, nullable=False),
        sa.Column('application_id', sa.String(36), nullable=False),
        sa.Column('applicant_id', sa.String(36), nullable=False),
        sa.Column('items', sa.String(None), nullable=False),
        sa.Column('message', sa.LargeBinary(), nullable=True),
        sa.Column('deadline', sa.Date(), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_document_requests_application_id', 'document_requests', ['application_id'])
    op.create_table(
        'notices',
        sa.Column('id', sa.String(80), primary_key=True, nullable=False),
        sa.Column('applicant_id', sa.String(36), nullable=False),
        sa.Column('application_id', sa.String(36), nullable=True),
        sa.Column('notice_type', sa.String(60), nullable=False),
        sa.Column('subject', sa.LargeBinary(), nullable=False),
        sa.Column('body', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_notices_applicant_id', 'notices', ['applicant_id'])
    op.create_table(
        'signing_requests',
        sa.Column('code', sa.String(20), primary_key=True, nullable=False),
        sa.Column('applicant_id', sa.String(36), nullable=True),
        sa.Column('idempotency_key', sa.String(80), nullable=True, unique=True),
        sa.Column('purpose', sa.String(20), nullable=False),
        sa.Column('subject_id', sa.String(36), nullable=True),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('content_sha256', sa.String(64), nullable=False),
        sa.Column('description', sa.LargeBinary(), nullable=False),
        sa.Column('extra', sa.LargeBinary(), nullable=True),
        sa.Column('signature_cms', sa.String(None), nullable=True),
        sa.Column('status', sa.String(20), nullable=False),
        sa.Column('result', sa.String(None), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_signing_requests_applicant_id', 'signing_requests', ['applicant_id'])
    op.create_table(
        'timeline_entries',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True, nullable=False),
        sa.Column('application_id', sa.String(36), nullable=False),
        sa.Column('applicant_id', sa.String(36), nullable=False),
        sa.Column('kind', sa.String(40), nullable=False),
        sa.Column('detail', sa.String(None), nullable=False, server_default='{}'),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('event_id', sa.String(36), nullable=True, unique=True),
    )
    op.create_index('ix_timeline_entries_application_id', 'timeline_entries', ['application_id'])
    op.create_table(
        'applications',
        sa.Column('id', sa.String(36), primary_key=True, nullable=False),
        sa.Column('applicant_id', sa.String(36), sa.ForeignKey('applicants.id'), nullable=False),
        sa.Column('idempotency_key', sa.String(80), nullable=False),
        sa.Column('provisional_number', sa.String(40), nullable=False, unique=True),
        sa.Column('receipt_number', sa.String(40), nullable=True, unique=True),
        sa.Column('procedure', sa.String(40), nullable=False),
        sa.Column('bundled', sa.String(80), nullable=False, server_default=''),
        sa.Column('status', sa.String(40), nullable=False),
        sa.Column('bureau', sa.String(20), nullable=False),
        sa.Column('language', sa.String(8), nullable=False),
        sa.Column('fee_yen', sa.Integer(), nullable=False),
        sa.Column('form', sa.LargeBinary(), nullable=False),
        sa.Column('signed_content', sa.LargeBinary(), nullable=False),
        sa.Column('content_sha256', sa.String(64), nullable=False),
        sa.Column('signature_cms', sa.String(None), nullable=False),
        sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('applicant_id', 'idempotency_key', name='uq_applications_idempotency'),
    )
    op.create_index('ix_applications_applicant_id', 'applications', ['applicant_id'])
    op.create_table(
        'attachments',
        sa.Column('id', sa.String(36), primary_key=True, nullable=False),
        sa.Column('applicant_id', sa.String(36), sa.ForeignKey('applicants.id'), nullable=False),
        sa.Column('draft_id', sa.String(36), nullable=True),
        sa.Column('application_id', sa.String(36), nullable=True),
        sa.Column('request_id', sa.String(80), nullable=True),
        sa.Column('sha256', sa.String(64), nullable=False),
        sa.Column('media_type', sa.String(40), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(40), nullable=False),
        sa.Column('filename', sa.LargeBinary(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_attachments_applicant_id', 'attachments', ['applicant_id'])
    op.create_index('ix_attachments_draft_id', 'attachments', ['draft_id'])
    op.create_index('ix_attachments_application_id', 'attachments', ['application_id'])
    op.create_index('ix_attachments_sha256', 'attachments', ['sha256'])
    op.create_table(
        'drafts',
        sa.Column('id', sa.String(36), primary_key=True, nullable=False),
        sa.Column('applicant_id', sa.String(36), sa.ForeignKey('applicants.id'), nullable=False),
        sa.Column('procedure', sa.String(40), nullable=False),
        sa.Column('bundled', sa.String(80), nullable=False, server_default=''),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('step', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('submitted_application_id', sa.String(36), nullable=True),
    )
    op.create_index('ix_drafts_applicant_id', 'drafts', ['applicant_id'])
    op.create_table(
        'tokens',
        sa.Column('token_hash', sa.String(64), primary_key=True, nullable=False),
        sa.Column('applicant_id', sa.String(36), sa.ForeignKey('applicants.id'), nullable=False),
        sa.Column('purpose', sa.String(20), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    for name in ("tokens", "signing_requests", "drafts", "attachments", "applications", "timeline_entries",
                 "notices", "document_requests", "challenges", "applicants"):
        op.drop_table(name)

"""cases, officers, sessions, audit log

Revision ID: 0002
Revises: 0001

Written out explicitly (frozen): later schema changes get their own revisions. Encrypted columns
are stored as binary (zairyu_shared.crypto.EncryptedText encrypts before they reach the database).
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('at', sa.String(length=40), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('bureau', sa.String(length=20), nullable=True),
    sa.Column('application_id', sa.String(length=80), nullable=True),
    sa.Column('target', sa.String(length=200), nullable=True),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.Text(), server_default='{}', nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    op.create_index(op.f('ix_audit_log_application_id'), 'audit_log', ['application_id'], unique=False)
    op.create_table('cases',
    sa.Column('application_id', sa.String(length=80), nullable=False),
    sa.Column('applicant_id', sa.String(length=80), nullable=False),
    sa.Column('receipt_number', sa.String(length=40), nullable=False),
    sa.Column('bureau', sa.String(length=20), nullable=False),
    sa.Column('procedure', sa.String(length=40), nullable=False),
    sa.Column('bundled', sa.String(length=200), server_default='', nullable=False),
    sa.Column('status_of_residence', sa.String(length=80), nullable=False),
    sa.Column('desired_status', sa.String(length=80), nullable=True),
    sa.Column('nationality', sa.String(length=80), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('is_open', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('assignee', sa.String(length=80), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('period_of_stay_expiry', sa.Date(), nullable=True),
    sa.Column('card_by_mail', sa.Boolean(), nullable=False),
    sa.Column('provisional_number', sa.String(length=40), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('attachments', sa.Text(), server_default='[]', nullable=False),
    sa.Column('form', sa.LargeBinary(), nullable=False),
    sa.Column('evidence', sa.LargeBinary(), nullable=False),
    sa.Column('withdrawal_requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawal_reason', sa.LargeBinary(), nullable=True),
    sa.Column('withdrawal_signature', sa.Text(), nullable=True),
    sa.Column('address_mismatch', sa.LargeBinary(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fee_yen', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('application_id'),
    sa.UniqueConstraint('receipt_number')
    )
    op.create_index(op.f('ix_cases_applicant_id'), 'cases', ['applicant_id'], unique=False)
    op.create_index('ix_cases_assignee', 'cases', ['bureau', 'assignee', 'is_open'], unique=False)
    op.create_index('ix_cases_decided', 'cases', ['decided_at'], unique=False)
    op.create_index('ix_cases_queue_age', 'cases', ['bureau', 'is_open', 'received_at', 'application_id'], unique=False)
    op.create_index('ix_cases_queue_deadline', 'cases', ['bureau', 'is_open', 'period_of_stay_expiry', 'application_id'], unique=False)
    op.create_index('ix_cases_queue_nationality', 'cases', ['bureau', 'nationality', 'is_open', 'received_at', 'application_id'], unique=False)
    op.create_index('ix_cases_queue_procedure', 'cases', ['bureau', 'procedure', 'is_open', 'received_at', 'application_id'], unique=False)
    op.create_index('ix_cases_queue_sor', 'cases', ['bureau', 'status_of_residence', 'is_open', 'received_at', 'application_id'], unique=False)
    op.create_index('ix_cases_queue_status', 'cases', ['bureau', 'status', 'received_at', 'application_id'], unique=False)
    op.create_table('officers',
    sa.Column('id', sa.String(length=80), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('bureau', sa.String(length=20), nullable=True),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('totp_secret', sa.LargeBinary(), nullable=False),
    sa.Column('last_totp_step', sa.BigInteger(), nullable=True),
    sa.Column('failed_attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('receipt_serials',
    sa.Column('bureau', sa.String(length=20), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_serial', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('bureau', 'year')
    )
    op.create_table('signature_rejections',
    sa.Column('application_id', sa.String(length=80), nullable=False),
    sa.Column('reason', sa.String(length=60), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('application_id')
    )
    op.create_table('case_history',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('application_id', sa.String(length=80), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('from_status', sa.String(length=30), nullable=True),
    sa.Column('to_status', sa.String(length=30), nullable=True),
    sa.Column('detail', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['cases.application_id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_case_history_application_id'), 'case_history', ['application_id'], unique=False)
    op.create_table('corrections',
    sa.Column('correction_id', sa.String(length=80), nullable=False),
    sa.Column('application_id', sa.String(length=80), nullable=False),
    sa.Column('message', sa.LargeBinary(), nullable=False),
    sa.Column('signed_content_b64', sa.LargeBinary(), nullable=False),
    sa.Column('signature', sa.Text(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('handled_by', sa.String(length=80), nullable=True),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['cases.application_id'], ),
    sa.PrimaryKeyConstraint('correction_id')
    )
    op.create_index(op.f('ix_corrections_application_id'), 'corrections', ['application_id'], unique=False)
    op.create_table('document_requests',
    sa.Column('request_id', sa.String(length=80), nullable=False),
    sa.Column('application_id', sa.String(length=80), nullable=False),
    sa.Column('items', sa.LargeBinary(), nullable=False),
    sa.Column('message', sa.LargeBinary(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('requested_by', sa.String(length=80), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answer_message', sa.LargeBinary(), nullable=True),
    sa.Column('answer_attachments', sa.Text(), nullable=True),
    sa.Column('reminder_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['cases.application_id'], ),
    sa.PrimaryKeyConstraint('request_id')
    )
    op.create_index(op.f('ix_document_requests_application_id'), 'document_requests', ['application_id'], unique=False)
    op.create_table('notes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('application_id', sa.String(length=80), nullable=False),
    sa.Column('author', sa.String(length=80), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['cases.application_id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_notes_application_id'), 'notes', ['application_id'], unique=False)
    op.create_table('officer_sessions',
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('officer_id', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], ),
    sa.PrimaryKeyConstraint('token_sha256')
    )
    op.create_index(op.f('ix_officer_sessions_officer_id'), 'officer_sessions', ['officer_id'], unique=False)
    op.create_table('proposals',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('application_id', sa.String(length=80), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('granted_status', sa.String(length=80), nullable=True),
    sa.Column('period_of_stay', sa.String(length=40), nullable=True),
    sa.Column('reason_codes', sa.String(length=400), server_default='', nullable=False),
    sa.Column('explanation', sa.LargeBinary(), nullable=True),
    sa.Column('proposed_by', sa.String(length=80), nullable=False),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolution', sa.String(length=20), nullable=True),
    sa.Column('resolved_by', sa.String(length=80), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['cases.application_id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_proposals_application_id'), 'proposals', ['application_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_proposals_application_id'), table_name='proposals')
    op.drop_table('proposals')
    op.drop_index(op.f('ix_officer_sessions_officer_id'), table_name='officer_sessions')
    op.drop_table('officer_sessions')
    op.drop_index(op.f('ix_notes_application_id'), table_name='notes')
    op.drop_table('notes')
    op.drop_index(op.f('ix_document_requests_application_id'), table_name='document_requests')
    op.drop_table('document_requests')
    op.drop_index(op.f('ix_corrections_application_id'), table_name='corrections')
    op.drop_table('corrections')
    op.drop_index(op.f('ix_case_history_application_id'), table_name='case_history')
    op.drop_table('case_history')
    op.drop_table('signature_rejections')
    op.drop_table('receipt_serials')
    op.drop_table('officers')
    op.drop_index('ix_cases_queue_status', table_name='cases')
    op.drop_index('ix_cases_queue_sor', table_name='cases')
    op.drop_index('ix_cases_queue_procedure', table_name='cases')
    op.drop_index('ix_cases_queue_nationality', table_name='cases')
    op.drop_index('ix_cases_queue_deadline', table_name='cases')
    op.drop_index('ix_cases_queue_age', table_name='cases')
    op.drop_index('ix_cases_decided', table_name='cases')
    op.drop_index('ix_cases_assignee', table_name='cases')
    op.drop_index(op.f('ix_cases_applicant_id'), table_name='cases')
    op.drop_table('cases')
    op.drop_index(op.f('ix_audit_log_application_id'), table_name='audit_log')
    op.drop_table('audit_log')

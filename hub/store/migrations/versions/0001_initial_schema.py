"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.store.schema


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    
    op.create_table('contact',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('created_at', hub.store.schema.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact'))
    )
    op.create_table('organization',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', hub.store.schema.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organization')),
    sa.UniqueConstraint('name', name=op.f('uq_organization_name'))
    )
    op.create_table('contact_identity',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('contact_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('created_at', hub.store.schema.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_contact_identity_contact_id_contact'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_identity')),
    sa.UniqueConstraint('channel', 'external_id', name=op.f('uq_contact_identity_channel_external_id'))
    )
    with op.batch_alter_table('contact_identity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_identity_contact_id'), ['contact_id'], unique=False)

    op.create_table('opd',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('organization_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('slug', sa.String(length=63), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', hub.store.schema.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_opd_organization_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opd')),
    sa.UniqueConstraint('slug', name=op.f('uq_opd_slug'))
    )
    op.create_table('agent',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('organization_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('opd_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=hub.store.schema.TRUE, nullable=False),
    sa.Column('created_at', hub.store.schema.UtcDateTime(), nullable=False),
    sa.CheckConstraint("role IN ('admin', 'supervisor', 'agent')", name=op.f('ck_agent_role')),
    sa.ForeignKeyConstraint(['opd_id'], ['opd.id'], name=op.f('fk_agent_opd_id_opd')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_agent_organization_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agent')),
    sa.UniqueConstraint('email', name=op.f('uq_agent_email'))
    )
    op.create_table('inbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('key', sa.String(length=63), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('opd_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=hub.store.schema.TRUE, nullable=False),
    sa.Column('created_at', hub.store.schema.UtcDateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('widget', 'telegram', 'whatsapp', 'manual', 'api')", name=op.f('ck_inbox_kind')),
    sa.ForeignKeyConstraint(['opd_id'], ['opd.id'], name=op.f('fk_inbox_opd_id_opd')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox')),
    sa.UniqueConstraint('key', name=op.f('uq_inbox_key'))
    )
    op.create_table('agent_session',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('agent_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', hub.store.schema.UtcDateTime(), nullable=False),
    sa.Column('expires_at', hub.store.schema.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], name=op.f('fk_agent_session_agent_id_agent'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agent_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_agent_session_token_hash'))
    )
    with op.batch_alter_table('agent_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agent_session_agent_id'), ['agent_id'], unique=False)

    op.create_table('api_token',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('agent_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=True),
    sa.Column('created_at', hub.store.schema.UtcDateTime(), nullable=False),
    sa.Column('revoked_at', hub.store.schema.UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], name=op.f('fk_api_token_agent_id_agent'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_agent_id'), ['agent_id'], unique=False)

    op.create_table('channel_state',
    sa.Column('inbox_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=63), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['inbox_id'], ['inbox.id'], name=op.f('fk_channel_state_inbox_id_inbox'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('inbox_id', 'name', name=op.f('pk_channel_state'))
    )
    op.create_table('conversation',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tracking_code', sa.String(length=16), nullable=False),
    sa.Column('inbox_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('contact_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reply_to', sa.String(length=200), nullable=False),
    sa.Column('opd_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('assignee_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('category', sa.String(length=100), nullable=True),
    sa.Column('kelurahan', sa.String(length=100), nullable=True),
    sa.Column('priority', sa.String(length=10), server_default='normal', nullable=False),
    sa.Column('rahasia', sa.Boolean(), server_default=hub.store.schema.FALSE, nullable=False),
    sa.Column('anonim', sa.Boolean(), server_default=hub.store.schema.FALSE, nullable=False),
    sa.Column('last_seq', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('unread_count', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('last_message_preview', sa.String(length=120), nullable=True),
    sa.Column('created_at', hub.store.schema.UtcDateTime(), nullable=False),
    sa.Column('updated_at', hub.store.schema.UtcDateTime(), nullable=False),
    sa.Column('last_message_at', hub.store.schema.UtcDateTime(), nullable=False),
    sa.Column('last_inbound_at', hub.store.schema.UtcDateTime(), nullable=True),
    sa.Column('first_response_at', hub.store.schema.UtcDateTime(), nullable=True),
    sa.Column('resolved_at', hub.store.schema.UtcDateTime(), nullable=True),
    sa.Column('due_at', hub.store.schema.UtcDateTime(), nullable=True),
    sa.Column('csat', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'pending', 'resolved', 'closed')", name=op.f('ck_conversation_status')),
    sa.CheckConstraint('last_seq >= 0', name=op.f('ck_conversation_last_seq')),
    sa.ForeignKeyConstraint(['assignee_id'], ['agent.id'], name=op.f('fk_conversation_assignee_id_agent')),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_conversation_contact_id_contact')),
    sa.ForeignKeyConstraint(['inbox_id'], ['inbox.id'], name=op.f('fk_conversation_inbox_id_inbox')),
    sa.ForeignKeyConstraint(['opd_id'], ['opd.id'], name=op.f('fk_conversation_opd_id_opd')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation')),
    sa.UniqueConstraint('tracking_code', name=op.f('uq_conversation_tracking_code'))
    )
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.create_index('ix_conversation_activity', ['last_message_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conversation_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conversation_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index('ix_conversation_opd_activity', ['opd_id', 'status', 'last_message_at', 'id'], unique=False)
        batch_op.create_index('uq_conversation_open_contact_inbox', ['contact_id', 'inbox_id'], unique=True, sqlite_where=sa.text("status IN ('open', 'pending')"), postgresql_where=sa.text("status IN ('open', 'pending')"))

    op.create_table('event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('conversation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('agent_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.Column('created_at', hub.store.schema.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], name=op.f('fk_event_agent_id_agent')),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], name=op.f('fk_event_conversation_id_conversation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event'))
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index('ix_event_conversation', ['conversation_id', 'id'], unique=False)

    op.create_table('message',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('conversation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('sender_type', sa.String(length=10), nullable=False),
    sa.Column('sender_agent_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('private', sa.Boolean(), server_default=hub.store.schema.FALSE, nullable=False),
    sa.Column('text', sa.Text(), server_default='', nullable=False),
    sa.Column('attachments', sa.JSON(), nullable=True),
    sa.Column('external_id', sa.String(length=200), nullable=True),
    sa.Column('client_id', sa.String(length=64), nullable=True),
    sa.Column('delivery_status', sa.String(length=10), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.Column('created_at', hub.store.schema.UtcDateTime(), nullable=False),
    sa.CheckConstraint("delivery_status IN ('pending', 'sent', 'delivered', 'read', 'failed')", name=op.f('ck_message_delivery_status')),
    sa.CheckConstraint("direction IN ('in', 'out')", name=op.f('ck_message_direction')),
    sa.CheckConstraint('seq > 0', name=op.f('ck_message_seq')),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], name=op.f('fk_message_conversation_id_conversation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sender_agent_id'], ['agent.id'], name=op.f('fk_message_sender_agent_id_agent')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message')),
    sa.UniqueConstraint('client_id', 'conversation_id', name=op.f('uq_message_client_id_conversation_id')),
    sa.UniqueConstraint('conversation_id', 'seq', name=op.f('uq_message_conversation_id_seq'))
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index('ix_message_external', ['external_id'], unique=False)

    op.create_table('inbound_receipt',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('inbox_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', hub.store.schema.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['inbox_id'], ['inbox.id'], name=op.f('fk_inbound_receipt_inbox_id_inbox')),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], name=op.f('fk_inbound_receipt_message_id_message'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_receipt')),
    sa.UniqueConstraint('inbox_id', 'external_id', name=op.f('uq_inbound_receipt_inbox_id_external_id'))
    )
    op.create_table('outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('inbox_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('conversation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('next_attempt_at', hub.store.schema.UtcDateTime(), nullable=False),
    sa.Column('lease_until', hub.store.schema.UtcDateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('state', sa.String(length=10), server_default='queued', nullable=False),
    sa.Column('created_at', hub.store.schema.UtcDateTime(), nullable=False),
    sa.CheckConstraint("state IN ('queued', 'done', 'dead')", name=op.f('ck_outbox_state')),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], name=op.f('fk_outbox_conversation_id_conversation')),
    sa.ForeignKeyConstraint(['inbox_id'], ['inbox.id'], name=op.f('fk_outbox_inbox_id_inbox')),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], name=op.f('fk_outbox_message_id_message'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('message_id', name=op.f('uq_outbox_message_id'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_due', ['state', 'next_attempt_at'], unique=False)

    


def downgrade() -> None:
    
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_due')

    op.drop_table('outbox')
    op.drop_table('inbound_receipt')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_external')

    op.drop_table('message')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index('ix_event_conversation')

    op.drop_table('event')
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.drop_index('uq_conversation_open_contact_inbox', sqlite_where=sa.text("status IN ('open', 'pending')"), postgresql_where=sa.text("status IN ('open', 'pending')"))
        batch_op.drop_index('ix_conversation_opd_activity')
        batch_op.drop_index(batch_op.f('ix_conversation_contact_id'))
        batch_op.drop_index(batch_op.f('ix_conversation_assignee_id'))
        batch_op.drop_index('ix_conversation_activity')

    op.drop_table('conversation')
    op.drop_table('channel_state')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_agent_id'))

    op.drop_table('api_token')
    with op.batch_alter_table('agent_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agent_session_agent_id'))

    op.drop_table('agent_session')
    op.drop_table('inbox')
    op.drop_table('agent')
    op.drop_table('opd')
    with op.batch_alter_table('contact_identity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_identity_contact_id'))

    op.drop_table('contact_identity')
    op.drop_table('organization')
    op.drop_table('contact')
    

"""The outbox: messages written with the change that causes them; e-mail settings; last visits

Revision ID: 0007
Revises: 0005

"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('last_visit',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('requests_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id')
    )
    op.create_table('notification_choice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.Enum('requests', 'decisions', 'closures', 'reminders', name='notification_topic', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('choice', sa.Enum('immediately', 'digest', 'off', name='notification_choice_value', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'topic', name='uq_notification_choice_user_topic')
    )
    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('submitted', 'series_submitted', 'approved', 'rejected', 'withdrawn', 'cancelled', 'changed', 'closure', 'reminder', 'digest', 'invitation', 'reset', name='outbox_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('state', sa.Enum('pending', 'held', 'digested', 'sent', 'failed', 'skipped', name='outbox_state', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=120), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claim', sa.String(length=32), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('digest_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('attempts >= 0', name='outbox_attempts_positive'),
    sa.ForeignKeyConstraint(['digest_id'], ['outbox_message.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recipient_id'], ['user_account.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedupe_key')
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_message_due', ['state', 'due_at'], unique=False)
        batch_op.create_index('ix_outbox_message_recipient', ['recipient_id', 'state'], unique=False)



def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_message_recipient')
        batch_op.drop_index('ix_outbox_message_due')

    op.drop_table('outbox_message')
    op.drop_table('notification_choice')
    op.drop_table('last_visit')

"""Counter-offers for pending requests; messages for an offer and for a changed booking

Revision ID: 0013
Revises: 0012

"""
import warnings

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

KINDS = ['submitted', 'series_submitted', 'approved', 'rejected', 'withdrawn', 'cancelled', 'changed', 'closure',
         'reminder', 'digest', 'invitation', 'reset']
NEW_KINDS = ['offered', 'moved']


def _kinds(kinds):
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def _allow_kinds(kinds):
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', 'Skipped unsupported reflection of expression-based index')
        with op.batch_alter_table('outbox_message', schema=None) as batch_op:
            batch_op.drop_constraint('outbox_kind', type_='check')
        with op.batch_alter_table('outbox_message', schema=None) as batch_op:
            batch_op.create_check_constraint('outbox_kind', _kinds(kinds))


def upgrade():
    op.create_table('offer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('state', sa.Enum('open', 'accepted', 'declined', 'expired', 'withdrawn', name='offer_state', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('made_by_id', sa.Integer(), nullable=True),
    sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('ends_at > starts_at', name='offer_ends_after_start'),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], ),
    sa.ForeignKeyConstraint(['made_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['resource_id'], ['resource.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.create_index('ix_offer_booking_state', ['booking_id', 'state'], unique=False)
        batch_op.create_index('ix_offer_organisation_id', ['organisation_id'], unique=False)
        batch_op.create_index('ix_offer_state_expires', ['state', 'expires_at'], unique=False)
    _allow_kinds(KINDS + NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM outbox_message WHERE kind IN ('offered', 'moved')")
    _allow_kinds(KINDS)
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.drop_index('ix_offer_state_expires')
        batch_op.drop_index('ix_offer_organisation_id')
        batch_op.drop_index('ix_offer_booking_state')
    op.drop_table('offer')

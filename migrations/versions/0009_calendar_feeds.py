"""Calendar feeds: secret feed addresses, and a revision for every booking

Revision ID: 0009
Revises: 0008

"""
import warnings

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', 'Skipped unsupported reflection of expression-based index')
        with op.batch_alter_table('booking', schema=None) as batch_op:
            batch_op.add_column(sa.Column('revision', sa.Integer(), server_default='0', nullable=False))
    op.create_table('feed_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('organisation', 'resource', 'pending', name='feed_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('resource_id', sa.Integer(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(kind = 'organisation' AND organisation_id IS NOT NULL AND resource_id IS NULL) OR (kind = 'resource' AND resource_id IS NOT NULL AND organisation_id IS NULL) OR (kind = 'pending' AND organisation_id IS NULL AND resource_id IS NULL)", name='feed_target_fits_kind'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['resource_id'], ['resource.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index('ix_feed_token_user_id', 'feed_token', ['user_id'], unique=False)


def downgrade():
    op.drop_index('ix_feed_token_user_id', table_name='feed_token')
    op.drop_table('feed_token')
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', 'Skipped unsupported reflection of expression-based index')
        with op.batch_alter_table('booking', schema=None) as batch_op:
            batch_op.drop_column('revision')

"""A fast board: long bookings by their end, the house's change counter, the lobby display

Revision ID: 0008
Revises: 0007

"""
import warnings

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', 'Skipped unsupported reflection of expression-based index')
        with op.batch_alter_table('booking', schema=None) as batch_op:
            batch_op.add_column(sa.Column('multi_day', sa.Boolean(), server_default=sa.false(), nullable=False))
            batch_op.create_index('ix_booking_long_end', ['status', 'ends_at'], unique=False,
                                  sqlite_where=sa.text('multi_day = 1'), postgresql_where=sa.text('multi_day'))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("UPDATE booking SET multi_day = true WHERE ends_at - starts_at > interval '25 hours'")
    else:
        op.execute("UPDATE booking SET multi_day = 1 WHERE julianday(ends_at) - julianday(starts_at) > 25.0 / 24")
    op.create_table('house_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('counter', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.execute("INSERT INTO house_version (id, counter) VALUES (1, 0)")
    op.create_table('lobby_screen',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('renewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_table('lobby_name',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('shown', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organisation_id')
    )


def downgrade():
    op.drop_table('lobby_name')
    op.drop_table('lobby_screen')
    op.drop_table('house_version')
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', 'Skipped unsupported reflection of expression-based index')
        with op.batch_alter_table('booking', schema=None) as batch_op:
            batch_op.drop_index('ix_booking_long_end')
            batch_op.drop_column('multi_day')

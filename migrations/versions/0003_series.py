"""Series: repeating requests, each date a booking of its own

Revision ID: 0003
Revises: 0002

"""
import warnings

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('weekdays', sa.String(length=13), nullable=False),
    sa.Column('every', sa.Integer(), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=True),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('count', sa.Integer(), nullable=True),
    sa.Column('start', sa.Time(), nullable=False),
    sa.Column('end', sa.Time(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('every BETWEEN 1 AND 4', name='every_in_range'),
    sa.CheckConstraint('ordinal IS NULL OR ordinal IN (-1, 1, 2, 3, 4)', name='ordinal_in_range'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['resource_id'], ['resource.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with warnings.catch_warnings():
        # SQLite rebuilds the table to add the foreign key and cannot reflect lower(email).
        warnings.filterwarnings('ignore', 'Skipped unsupported reflection of expression-based index')
        with op.batch_alter_table('booking', schema=None) as batch_op:
            batch_op.add_column(sa.Column('series_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key('fk_booking_series_id_series', 'series', ['series_id'], ['id'])
            batch_op.create_index('ix_booking_series_time', ['series_id', 'starts_at'], unique=False)


def downgrade():
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', 'Skipped unsupported reflection of expression-based index')
        with op.batch_alter_table('booking', schema=None) as batch_op:
            batch_op.drop_index('ix_booking_series_time')
            batch_op.drop_constraint('fk_booking_series_id_series', type_='foreignkey')
            batch_op.drop_column('series_id')
    op.drop_table('series')

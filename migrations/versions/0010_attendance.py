"""Attendance: the front desk's check-in, no-show or release of a booking

Revision ID: 0010
Revises: 0009

"""
import warnings

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', 'Skipped unsupported reflection of expression-based index')
        with op.batch_alter_table('booking', schema=None) as batch_op:
            batch_op.add_column(sa.Column('attendance', sa.String(length=32), nullable=True))
            batch_op.add_column(sa.Column('arrived_at', sa.DateTime(timezone=True), nullable=True))
        with op.batch_alter_table('booking', schema=None) as batch_op:
            batch_op.create_check_constraint('attendance', "attendance IN ('arrived', 'no_show', 'released')")


def downgrade():
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', 'Skipped unsupported reflection of expression-based index')
        with op.batch_alter_table('booking', schema=None) as batch_op:
            batch_op.drop_constraint('attendance', type_='check')
            batch_op.drop_column('arrived_at')
            batch_op.drop_column('attendance')

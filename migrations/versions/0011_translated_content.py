"""Translated content: resource names, descriptions and locations, closure reasons per language

Revision ID: 0011
Revises: 0010

"""
import warnings

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('resource', sa.Column('translations', sa.JSON(), server_default='{}', nullable=False))
    op.add_column('closure', sa.Column('translations', sa.JSON(), server_default='{}', nullable=False))


def downgrade():
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', 'Skipped unsupported reflection of expression-based index')
        with op.batch_alter_table('closure', schema=None) as batch_op:
            batch_op.drop_column('translations')
        with op.batch_alter_table('resource', schema=None) as batch_op:
            batch_op.drop_column('translations')

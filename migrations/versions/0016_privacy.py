"""Data protection: the latest login of each account, for the retention rule

Revision ID: 0016
Revises: 0015

"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('last_login',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id')
    )
    # What is known already: the live sessions' latest start per account.
    op.execute("INSERT INTO last_login (user_id, at) SELECT user_id, max(started_at) FROM login_session "
               "GROUP BY user_id")


def downgrade():
    op.drop_table('last_login')

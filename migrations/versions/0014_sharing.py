"""Sharing decisions and the house: approvers per resource, quotas per group, findable records

Revision ID: 0014
Revises: 0010

"""
import warnings

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('resource_approver',
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['resource_id'], ['resource.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('resource_id', 'user_id')
    )
    op.create_index('ix_resource_approver_user', 'resource_approver', ['user_id'], unique=False)
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', 'Skipped unsupported reflection of expression-based index')
        with op.batch_alter_table('organisation', schema=None) as batch_op:
            batch_op.add_column(sa.Column('quota_room_hours', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column('quota_plot_hours', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column('quota_equipment_hours', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column('quota_open_requests', sa.Integer(), nullable=True))
    op.create_index('ix_change_record_actor_at', 'change_record', ['actor_id', 'at'], unique=False)
    op.create_index('ix_change_record_subject_at', 'change_record', ['subject', 'at'], unique=False)


def downgrade():
    op.drop_index('ix_change_record_subject_at', table_name='change_record')
    op.drop_index('ix_change_record_actor_at', table_name='change_record')
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', 'Skipped unsupported reflection of expression-based index')
        with op.batch_alter_table('organisation', schema=None) as batch_op:
            batch_op.drop_column('quota_open_requests')
            batch_op.drop_column('quota_equipment_hours')
            batch_op.drop_column('quota_plot_hours')
            batch_op.drop_column('quota_room_hours')
    op.drop_index('ix_resource_approver_user', table_name='resource_approver')
    op.drop_table('resource_approver')

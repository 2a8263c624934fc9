"""Sharing decisions and the house: approvers per resource, quotas per group, findable records, the garden season round

Revision ID: 0014
Revises: 0013

"""
import warnings

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
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
    op.create_table('garden_season',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('apply_from', sa.Date(), nullable=False),
    sa.Column('apply_until', sa.Date(), nullable=False),
    sa.Column('offer_days', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('ends_on >= starts_on', name='season_in_order'),
    sa.CheckConstraint('apply_until >= apply_from', name='window_in_order'),
    sa.CheckConstraint('offer_days BETWEEN 1 AND 60', name='offer_days_in_range'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('garden_application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('season_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('applied_by_id', sa.Integer(), nullable=False),
    sa.Column('wish_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('waiting', 'offered', 'allocated', 'declined', 'lapsed', 'given_back', name='application_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('plot_id', sa.Integer(), nullable=True),
    sa.Column('offer_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['applied_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['plot_id'], ['resource.id'], ),
    sa.ForeignKeyConstraint(['season_id'], ['garden_season.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['wish_id'], ['resource.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('season_id', 'organisation_id', name='one_application_per_group')
    )
    op.create_index('ix_garden_application_order', 'garden_application', ['season_id', 'created_at', 'id'], unique=False)
    op.create_index('ix_garden_application_organisation_id', 'garden_application', ['organisation_id'], unique=False)
    op.create_index('ix_garden_application_applied_by_id', 'garden_application', ['applied_by_id'], unique=False)


def downgrade():
    op.drop_index('ix_garden_application_applied_by_id', table_name='garden_application')
    op.drop_index('ix_garden_application_organisation_id', table_name='garden_application')
    op.drop_index('ix_garden_application_order', table_name='garden_application')
    op.drop_table('garden_application')
    op.drop_table('garden_season')
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

"""The front desk: walk-ins, keys and their loans, lent equipment, units out of service, release time

Revision ID: 0012
Revises: 0011

"""
import warnings

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', 'Skipped unsupported reflection of expression-based index')
        with op.batch_alter_table('resource', schema=None) as batch_op:
            batch_op.add_column(sa.Column('release_after_minutes', sa.Integer(), nullable=True))
            batch_op.create_check_constraint('release_after_positive',
                                             'release_after_minutes IS NULL OR release_after_minutes > 0')
    op.create_table('desk_walk_in',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('guest_name', sa.String(length=120), nullable=False),
    sa.Column('guest_phone', sa.String(length=40), nullable=False),
    sa.Column('made_by_id', sa.Integer(), nullable=True),
    sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['made_by_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('booking_id')
    )
    op.create_table('desk_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('copies', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint('copies > 0', name='key_copies_positive'),
    sa.ForeignKeyConstraint(['resource_id'], ['resource.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_desk_key_resource_id', 'desk_key', ['resource_id'], unique=False)
    op.create_table('key_loan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('holder_name', sa.String(length=120), nullable=False),
    sa.Column('copies', sa.Integer(), nullable=False),
    sa.Column('out_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('out_by_id', sa.Integer(), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('back_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('back_by_id', sa.Integer(), nullable=True),
    sa.Column('lost_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('copies > 0', name='key_loan_copies_positive'),
    sa.ForeignKeyConstraint(['key_id'], ['desk_key.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['out_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['back_by_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_key_loan_open', 'key_loan', ['key_id', 'back_at'], unique=False)
    op.create_index('ix_key_loan_organisation_id', 'key_loan', ['organisation_id'], unique=False)
    op.create_table('equipment_loan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('taken_by', sa.String(length=120), nullable=False),
    sa.Column('out_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('out_by_id', sa.Integer(), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('back_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('back_by_id', sa.Integer(), nullable=True),
    sa.Column('condition', sa.Enum('good', 'damaged', 'lost', name='loan_condition', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.CheckConstraint('units > 0', name='equipment_loan_units_positive'),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_id'], ['resource.id'], ),
    sa.ForeignKeyConstraint(['out_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['back_by_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_equipment_loan_booking_id', 'equipment_loan', ['booking_id'], unique=False)
    op.create_index('ix_equipment_loan_open', 'equipment_loan', ['resource_id', 'back_at'], unique=False)
    op.create_table('out_of_service',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('units > 0', name='out_of_service_units_positive'),
    sa.CheckConstraint('ends_at > starts_at', name='out_of_service_ends_after_start'),
    sa.ForeignKeyConstraint(['resource_id'], ['resource.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['loan_id'], ['equipment_loan.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_out_of_service_time', 'out_of_service', ['resource_id', 'starts_at', 'ends_at'], unique=False)


def downgrade():
    op.drop_index('ix_out_of_service_time', table_name='out_of_service')
    op.drop_table('out_of_service')
    op.drop_index('ix_equipment_loan_open', table_name='equipment_loan')
    op.drop_index('ix_equipment_loan_booking_id', table_name='equipment_loan')
    op.drop_table('equipment_loan')
    op.drop_index('ix_key_loan_organisation_id', table_name='key_loan')
    op.drop_index('ix_key_loan_open', table_name='key_loan')
    op.drop_table('key_loan')
    op.drop_index('ix_desk_key_resource_id', table_name='desk_key')
    op.drop_table('desk_key')
    op.drop_table('desk_walk_in')
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', 'Skipped unsupported reflection of expression-based index')
        with op.batch_alter_table('resource', schema=None) as batch_op:
            batch_op.drop_constraint('release_after_positive', type_='check')
            batch_op.drop_column('release_after_minutes')

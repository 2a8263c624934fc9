"""House rules: buffers, opening hours, closures, bundles, and no overlap on PostgreSQL

Revision ID: 0002
Revises: 0001

"""
import warnings

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# The house's default opening hours: Monday to Friday 08:00-22:00, Saturday 10:00-18:00.
HOUSE_HOURS = [(day, 8 * 60, 22 * 60) for day in range(5)] + [(5, 10 * 60, 18 * 60)]


def upgrade():
    with warnings.catch_warnings():
        # SQLite rebuilds the tables to alter them and cannot reflect the lower(email) index
        # of the accounts they refer to; that index is not touched.
        warnings.filterwarnings('ignore', 'Skipped unsupported reflection of expression-based index')
        _upgrade()


def _upgrade():
    with op.batch_alter_table('resource', schema=None) as batch_op:
        batch_op.add_column(sa.Column('setup_minutes', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('cleanup_minutes', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('max_hours', sa.Integer(), nullable=True))
        batch_op.create_check_constraint('setup_in_range', 'setup_minutes BETWEEN 0 AND 240')
        batch_op.create_check_constraint('cleanup_in_range', 'cleanup_minutes BETWEEN 0 AND 240')
        batch_op.create_check_constraint('max_hours_positive', 'max_hours IS NULL OR max_hours > 0')

    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('busy_from', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('busy_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('exclusive', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('bundle_of_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('override_reason', sa.Text(), server_default='', nullable=False))
    op.execute(
        "UPDATE booking SET busy_from = starts_at, busy_until = ends_at, exclusive = "
        "(SELECT resource.kind <> 'equipment' FROM resource WHERE resource.id = booking.resource_id)"
    )
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.alter_column('busy_from', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.alter_column('busy_until', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.alter_column('exclusive', existing_type=sa.Boolean(), nullable=False)
        batch_op.create_foreign_key('fk_booking_bundle_of_id_booking', 'booking', ['bundle_of_id'], ['id'])
        batch_op.create_check_constraint(
            'busy_covers_booking', 'busy_from <= starts_at AND busy_until >= ends_at'
        )
        batch_op.drop_index('ix_booking_resource_time')
        batch_op.create_index('ix_booking_resource_busy', ['resource_id', 'busy_from', 'busy_until'], unique=False)
        batch_op.create_index('ix_booking_bundle', ['bundle_of_id'], unique=False)

    opening_hours = op.create_table('opening_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=True),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('opens', sa.Integer(), nullable=True),
    sa.Column('closes', sa.Integer(), nullable=True),
    sa.CheckConstraint('(opens IS NULL AND closes IS NULL) OR (opens >= 0 AND opens < closes AND closes <= 1440)', name='opens_before_closes'),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name='weekday_in_range'),
    sa.ForeignKeyConstraint(['resource_id'], ['resource.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_opening_hours_unique', 'opening_hours', [sa.text('coalesce(resource_id, 0)'), 'weekday'], unique=True)
    op.bulk_insert(opening_hours, [
        {'resource_id': None, 'weekday': day, 'opens': opens, 'closes': closes}
        for day, opens, closes in HOUSE_HOURS
    ])

    op.create_table('closure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name='closure_ends_after_start'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['resource_id'], ['resource.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_closure_time', 'closure', ['starts_at', 'ends_at'], unique=False)

    if op.get_bind().dialect.name == 'postgresql':
        # The house's promise, held by the database itself: no two approved bookings of a room
        # or plot keep it busy at the same instant. Equipment is counted under a row lock.
        op.execute('CREATE EXTENSION IF NOT EXISTS btree_gist')
        op.execute(
            "ALTER TABLE booking ADD CONSTRAINT booking_approved_no_overlap EXCLUDE USING gist "
            "(resource_id WITH =, tstzrange(busy_from, busy_until, '[)') WITH &&) "
            "WHERE (status = 'approved' AND exclusive)"
        )


def downgrade():
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', 'Skipped unsupported reflection of expression-based index')
        _downgrade()


def _downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE booking DROP CONSTRAINT booking_approved_no_overlap')
    op.drop_index('ix_closure_time', table_name='closure')
    op.drop_table('closure')
    op.drop_index('ix_opening_hours_unique', table_name='opening_hours')
    op.drop_table('opening_hours')
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_index('ix_booking_bundle')
        batch_op.drop_index('ix_booking_resource_busy')
        batch_op.create_index('ix_booking_resource_time', ['resource_id', 'starts_at', 'ends_at'], unique=False)
        batch_op.drop_constraint('busy_covers_booking', type_='check')
        batch_op.drop_constraint('fk_booking_bundle_of_id_booking', type_='foreignkey')
        batch_op.drop_column('override_reason')
        batch_op.drop_column('bundle_of_id')
        batch_op.drop_column('exclusive')
        batch_op.drop_column('busy_until')
        batch_op.drop_column('busy_from')
    with op.batch_alter_table('resource', schema=None) as batch_op:
        batch_op.drop_constraint('max_hours_positive', type_='check')
        batch_op.drop_constraint('cleanup_in_range', type_='check')
        batch_op.drop_constraint('setup_in_range', type_='check')
        batch_op.drop_column('max_hours')
        batch_op.drop_column('cleanup_minutes')
        batch_op.drop_column('setup_minutes')

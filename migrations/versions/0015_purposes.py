"""Purposes: what each booking is for (German course, counselling, ...), for the reports

Revision ID: 0015
Revises: 0014

"""
import warnings

from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

# The built-ins: a stable key and the English name the catalogue translates.
BUILT_IN = [
    ('german_course', 'German course'),
    ('counselling', 'Counselling'),
    ('culture', 'Culture'),
    ('meeting', 'Meeting'),
    ('garden', 'Garden'),
    ('celebration', 'Celebration'),
    ('other', 'Other'),
]


def upgrade():
    purpose = op.create_table('purpose',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=True),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), server_default='100', nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key'),
    sa.UniqueConstraint('name')
    )
    # "Other" stays last, after whatever the manager adds (their positions start at 61).
    op.bulk_insert(purpose, [
        {'id': n, 'key': key, 'name': name, 'active': True, 'position': 10 * n if key != 'other' else 1000}
        for n, (key, name) in enumerate(BUILT_IN, start=1)
    ])
    if op.get_bind().dialect.name == 'postgresql':  # the ids were given: move the sequence past them
        op.execute("SELECT setval(pg_get_serial_sequence('purpose', 'id'), (SELECT max(id) FROM purpose))")
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', 'Skipped unsupported reflection of expression-based index')
        with op.batch_alter_table('booking', schema=None) as batch_op:
            batch_op.add_column(sa.Column('purpose_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key('fk_booking_purpose_id_purpose', 'purpose', ['purpose_id'], ['id'])


def downgrade():
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', 'Skipped unsupported reflection of expression-based index')
        with op.batch_alter_table('booking', schema=None) as batch_op:
            batch_op.drop_constraint('fk_booking_purpose_id_purpose', type_='foreignkey')
            batch_op.drop_column('purpose_id')
    op.drop_table('purpose')

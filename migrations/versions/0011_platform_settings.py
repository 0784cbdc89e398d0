"""platform settings: signature, logo, default place and hours; a version for the settings form

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 10:50:28.730076

Added and dropped one column at a time, without copying the table (SQLite's ALTER TABLE ADD and
DROP COLUMN): the table every other one refers to cannot be copied and dropped while foreign keys
are enforced.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

COLUMNS = (
    sa.Column('mail_signature', sa.Text(), server_default='', nullable=False),
    sa.Column('logo', sa.LargeBinary(), nullable=True),
    sa.Column('logo_mimetype', sa.String(length=20), server_default='', nullable=False),
    sa.Column('default_location', sa.String(length=300), server_default='', nullable=False),
    sa.Column('default_start_time', sa.Time(), nullable=True),
    sa.Column('default_end_time', sa.Time(), nullable=True),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
)


def upgrade():
    for column in COLUMNS:
        op.add_column('platform', column)


def downgrade():
    for column in reversed(COLUMNS):
        op.drop_column('platform', column.name)

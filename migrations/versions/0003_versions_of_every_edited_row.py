"""Versions of every edited row (optimistic locking: no lost updates)

Every table an edit form writes gets a `version` column, SQLAlchemy's version counter
(overleg/models/versioning.py). Existing rows start at version 1.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 08:42:26.870999

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

TABLES = (
    'agenda_item',
    'contact',
    'invitation',
    'meeting',
    'municipality',
    'organisation',
    'standing_invitee',
    'theme',
)


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False)
            )


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')

"""A version for every user (the coordinators' accounts page edits role and municipalities)

The user row gets SQLAlchemy's version counter (overleg/models/versioning.py), like every other
row an edit form writes: a coordinator's change from a stale form is a conflict, not a lost
update. Existing users start at version 1.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 10:18:22.987056

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('version')

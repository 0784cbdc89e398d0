"""the database's revision: one number every transaction that changes data raises

Caches (the dashboard's, per worker) keep what they computed under the revision they read, so a
change committed by any worker is seen at the next visit (overleg/models/revision.py). The one
row is made with the table.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 17:05:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "data_revision",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_revision")),
    )
    op.bulk_insert(table, [{"id": 1, "number": 0}])


def downgrade():
    op.drop_table("data_revision")

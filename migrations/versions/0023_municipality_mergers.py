"""municipality mergers: the municipality a former one became part of, and from when

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 13:33:46.582996

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("municipality", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("merged_on", sa.Date(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_municipality_merged_into_id"), ["merged_into_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_municipality_merged_into_id_municipality"),
            "municipality",
            ["merged_into_id"],
            ["id"],
        )
        batch_op.create_check_constraint(
            op.f("ck_municipality_merger_complete"),
            "(merged_into_id IS NULL) = (merged_on IS NULL)",
        )
        batch_op.create_check_constraint(
            op.f("ck_municipality_not_merged_into_itself"), "merged_into_id <> id"
        )


def downgrade():
    with op.batch_alter_table("municipality", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_municipality_not_merged_into_itself"), type_="check")
        batch_op.drop_constraint(op.f("ck_municipality_merger_complete"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_municipality_merged_into_id_municipality"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_municipality_merged_into_id"))
        batch_op.drop_column("merged_on")
        batch_op.drop_column("merged_into_id")

"""joint meetings: the other municipalities of a meeting, and those an agenda item is for

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 13:54:05.880068

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def _link_table(name: str, owner: str, owner_table: str) -> None:
    op.create_table(
        name,
        sa.Column(owner, sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            [owner],
            [f"{owner_table}.id"],
            name=op.f(f"fk_{name}_{owner}_{owner_table}"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f(f"fk_{name}_municipality_id_municipality"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(owner, "municipality_id", name=op.f(f"pk_{name}")),
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f(f"ix_{name}_municipality_id"), ["municipality_id"], unique=False
        )


def upgrade():
    _link_table("meeting_municipality", "meeting_id", "meeting")
    _link_table("agenda_item_municipality", "agenda_item_id", "agenda_item")


def downgrade():
    for name in ("agenda_item_municipality", "meeting_municipality"):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{name}_municipality_id"))
        op.drop_table(name)

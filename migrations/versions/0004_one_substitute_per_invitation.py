"""one substitute per invitation, and the substitutes named through each personal link

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 08:49:27.430423

Before this revision one answer link could name any number of substitutes. The upgrade keeps the
latest one of each invitation as its substitute; the earlier ones stay invited, as what they
were in effect (invitees of their own), so that the unique index can be made.
"""

from alembic import op
import sqlalchemy as sa

import overleg.models.types


# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ONE_SUBSTITUTE_WHERE = "substitute_for_id IS NOT NULL AND NOT is_guest"


def _keep_the_latest_substitute_only():
    invitation = sa.table(
        "invitation",
        sa.column("id", sa.Integer),
        sa.column("substitute_for_id", sa.Integer),
        sa.column("is_guest", sa.Boolean),
    )
    later = invitation.alias("later")
    has_a_later_one = (
        sa.select(later.c.id)
        .where(
            later.c.substitute_for_id == invitation.c.substitute_for_id,
            later.c.is_guest.is_(False),
            later.c.id > invitation.c.id,
        )
        .exists()
    )
    op.execute(
        invitation.update()
        .where(
            invitation.c.substitute_for_id.is_not(None),
            invitation.c.is_guest.is_(False),
            has_a_later_one,
        )
        .values(substitute_for_id=None)
    )


def upgrade():
    op.create_table(
        "substitute_naming",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("at", overleg.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitation.id"],
            name=op.f("fk_substitute_naming_invitation_id_invitation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_substitute_naming")),
    )
    with op.batch_alter_table("substitute_naming", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_substitute_naming_invitation_id"), ["invitation_id"], unique=False
        )

    _keep_the_latest_substitute_only()
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.create_index(
            "uq_invitation_one_substitute",
            ["substitute_for_id"],
            unique=True,
            sqlite_where=sa.text(ONE_SUBSTITUTE_WHERE),
            postgresql_where=sa.text(ONE_SUBSTITUTE_WHERE),
        )


def downgrade():
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_index("uq_invitation_one_substitute")

    with op.batch_alter_table("substitute_naming", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_substitute_naming_invitation_id"))

    op.drop_table("substitute_naming")

"""remarks on circulated draft minutes: the round, each member's personal link, the remarks

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 13:54:02.267893

"""

from alembic import op
import sqlalchemy as sa

import overleg.models.types


# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "remarks_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("minutes_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("remarks_until", sa.Date(), nullable=False),
        sa.Column("created_at", overleg.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("replaced_at", overleg.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_remarks_round_created_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["minutes_id"],
            ["minutes.id"],
            name=op.f("fk_remarks_round_minutes_id_minutes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["minutes_version.id"],
            name=op.f("fk_remarks_round_version_id_minutes_version"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remarks_round")),
    )
    with op.batch_alter_table("remarks_round", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_remarks_round_minutes_id"), ["minutes_id"], unique=False
        )

    op.create_table(
        "remark_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", overleg.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", overleg.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_remark_link_contact_id_contact"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitation.id"],
            name=op.f("fk_remark_link_invitation_id_invitation"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["remarks_round.id"],
            name=op.f("fk_remark_link_round_id_remarks_round"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remark_link")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_remark_link_token_hash")),
    )
    with op.batch_alter_table("remark_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_remark_link_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_remark_link_round_id"), ["round_id"], unique=False)

    op.create_table(
        "minutes_remark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("minutes_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", overleg.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["remark_link.id"],
            name=op.f("fk_minutes_remark_link_id_remark_link"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["minutes_id"],
            ["minutes.id"],
            name=op.f("fk_minutes_remark_minutes_id_minutes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_minutes_remark")),
    )
    with op.batch_alter_table("minutes_remark", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_minutes_remark_link_id"), ["link_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_minutes_remark_minutes_id"), ["minutes_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("minutes_remark", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_minutes_remark_minutes_id"))
        batch_op.drop_index(batch_op.f("ix_minutes_remark_link_id"))

    op.drop_table("minutes_remark")
    with op.batch_alter_table("remark_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_remark_link_round_id"))
        batch_op.drop_index(batch_op.f("ix_remark_link_contact_id"))

    op.drop_table("remark_link")
    with op.batch_alter_table("remarks_round", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_remarks_round_minutes_id"))

    op.drop_table("remarks_round")

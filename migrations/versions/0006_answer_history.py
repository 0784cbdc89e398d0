"""the history of every answer an invitee gives, and the meeting's significant sequence

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 10:18:49.654132

Every answer (through the personal link or, later, from a calendar) becomes a row of
`invitation_answer`; `meeting.significant_sequence` is the SEQUENCE of the last change of date,
time or place, so an answer given for an older one no longer counts. The upgrade takes the
answers already given as given for the meeting's current SEQUENCE, through the link (the only
way there was), at their `responded_at`.
"""

from alembic import op
import sqlalchemy as sa

import overleg.models.types


# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ANSWER_STATUSES = ("needs-action", "accepted", "declined", "tentative", "delegated")


def _answers_so_far():
    """One history row for each answer already given, as given for the current SEQUENCE."""
    meeting = sa.table(
        "meeting",
        sa.column("id", sa.Integer),
        sa.column("ical_sequence", sa.Integer),
        sa.column("significant_sequence", sa.Integer),
    )
    op.execute(meeting.update().values(significant_sequence=meeting.c.ical_sequence))
    invitation = sa.table(
        "invitation",
        sa.column("id", sa.Integer),
        sa.column("meeting_id", sa.Integer),
        sa.column("rsvp_status", sa.String),
        sa.column("rsvp_comment", sa.Text),
        sa.column("responded_at", overleg.models.types.UTCDateTime(timezone=True)),
    )
    answer = sa.table(
        "invitation_answer",
        sa.column("invitation_id", sa.Integer),
        sa.column("status", sa.String),
        sa.column("comment", sa.Text),
        sa.column("sequence", sa.Integer),
        sa.column("source", sa.String),
        sa.column("received_at", overleg.models.types.UTCDateTime(timezone=True)),
        sa.column("counted", sa.Boolean),
        sa.column("delegated_to_name", sa.String),
    )
    given = (
        sa.select(
            invitation.c.id,
            invitation.c.rsvp_status,
            invitation.c.rsvp_comment,
            meeting.c.ical_sequence,
            sa.literal("link"),
            invitation.c.responded_at,
            sa.true(),
            sa.literal(""),
        )
        .join(meeting, meeting.c.id == invitation.c.meeting_id)
        .where(
            invitation.c.rsvp_status != "needs-action",
            invitation.c.responded_at.is_not(None),
        )
    )
    op.execute(
        answer.insert().from_select(
            [
                "invitation_id",
                "status",
                "comment",
                "sequence",
                "source",
                "received_at",
                "counted",
                "delegated_to_name",
            ],
            given,
        )
    )


def upgrade():
    op.create_table(
        "invitation_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                *ANSWER_STATUSES,
                name="answer_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "link",
                "calendar",
                name="answer_source",
                native_enum=False,
                create_constraint=True,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("received_at", overleg.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("counted", sa.Boolean(), nullable=False),
        sa.Column("delegated_to_id", sa.Integer(), nullable=True),
        sa.Column("delegated_to_name", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["delegated_to_id"],
            ["invitation.id"],
            name=op.f("fk_invitation_answer_delegated_to_id_invitation"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitation.id"],
            name=op.f("fk_invitation_answer_invitation_id_invitation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation_answer")),
    )
    with op.batch_alter_table("invitation_answer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invitation_answer_delegated_to_id"), ["delegated_to_id"], unique=False
        )
        batch_op.create_index(
            "ix_invitation_answer_invitation_received",
            ["invitation_id", "received_at"],
            unique=False,
        )

    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("significant_sequence", sa.Integer(), server_default="0", nullable=False)
        )

    _answers_so_far()


def downgrade():
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_column("significant_sequence")

    with op.batch_alter_table("invitation_answer", schema=None) as batch_op:
        batch_op.drop_index("ix_invitation_answer_invitation_received")
        batch_op.drop_index(batch_op.f("ix_invitation_answer_delegated_to_id"))

    op.drop_table("invitation_answer")

"""indexes for the dashboard: meetings by status and start, minutes by status

The dashboard asks "meetings in this status between these dates" (invitations to send, the year's
held meetings) and "minutes in this status" on every visit; with only an index on the status the
database visited every meeting with that status in ten years. Numbered 0020, after the numbers
reserved for other work of this session (0013-0019); it follows main's newest migration.

Revision ID: 0020
Revises: 0017
Create Date: 2026-12-06 13:40:54.397550

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_meeting_status", table_name="meeting")
    op.create_index("ix_meeting_status_start", "meeting", ["status", "start_at"], unique=False)
    op.create_index("ix_minutes_status", "minutes", ["status"], unique=False)


def downgrade():
    op.drop_index("ix_minutes_status", table_name="minutes")
    op.drop_index("ix_meeting_status_start", table_name="meeting")
    op.create_index("ix_meeting_status", "meeting", ["status"], unique=False)

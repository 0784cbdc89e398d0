"""the reply mailbox's read messages and the worker's job leases

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 10:19:03.873271

inbound_message: each message the worker read from the reply mailbox (by Message-ID, or by folder,
UIDVALIDITY and UID), so that none is handled twice. worker_job: one row per job of
`flask worker`, with the lease of the worker that runs it and when it last ran.
"""

from alembic import op
import sqlalchemy as sa

import overleg.models.types


# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "inbound_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=998), nullable=True),
        sa.Column("folder", sa.String(length=200), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("uid", sa.BigInteger(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "processed",
                "rejected",
                name="inbound_outcome",
                native_enum=False,
                create_constraint=True,
                length=13,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("read_at", overleg.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_message")),
        sa.UniqueConstraint(
            "folder", "uidvalidity", "uid", name=op.f("uq_inbound_message_folder_uidvalidity_uid")
        ),
        sa.UniqueConstraint("message_id", name=op.f("uq_inbound_message_message_id")),
    )
    op.create_table(
        "worker_job",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("lease_until", overleg.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "last_started_at", overleg.models.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "last_finished_at", overleg.models.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("last_result", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_worker_job")),
    )


def downgrade():
    op.drop_table("worker_job")
    op.drop_table("inbound_message")

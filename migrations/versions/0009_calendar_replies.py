"""counter proposals and rejected calendar replies

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 10:22:45.329358

New times proposed from the invitees' calendars (iTIP COUNTER) wait in counter_proposal for the
coordinator; calendar answers that changed nothing are kept in rejected_reply with the reason.
"""
from alembic import op
import sqlalchemy as sa

import overleg.models.types


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rejected_reply',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('received_at', overleg.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=True),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('message_id', sa.String(length=300), nullable=False),
    sa.Column('sender', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('uid', sa.String(length=255), nullable=False),
    sa.Column('attendee', sa.String(length=254), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_rejected_reply_meeting_id_meeting'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['platform_id'], ['platform.id'], name=op.f('fk_rejected_reply_platform_id_platform'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rejected_reply'))
    )
    with op.batch_alter_table('rejected_reply', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rejected_reply_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rejected_reply_platform_id'), ['platform_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rejected_reply_received_at'), ['received_at'], unique=False)

    op.create_table('counter_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=False),
    sa.Column('start_at', overleg.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('end_at', overleg.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('received_at', overleg.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('pending', 'accepted', 'declined', name='proposal_status', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('decided_at', overleg.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('end_at > start_at', name=op.f('ck_counter_proposal_end_after_start')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_counter_proposal_decided_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitation.id'], name=op.f('fk_counter_proposal_invitation_id_invitation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_counter_proposal_meeting_id_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counter_proposal'))
    )
    with op.batch_alter_table('counter_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_counter_proposal_invitation_id'), ['invitation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_counter_proposal_meeting_id'), ['meeting_id'], unique=False)


def downgrade():
    with op.batch_alter_table('counter_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_counter_proposal_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_counter_proposal_invitation_id'))

    op.drop_table('counter_proposal')
    with op.batch_alter_table('rejected_reply', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rejected_reply_received_at'))
        batch_op.drop_index(batch_op.f('ix_rejected_reply_platform_id'))
        batch_op.drop_index(batch_op.f('ix_rejected_reply_meeting_id'))

    op.drop_table('rejected_reply')

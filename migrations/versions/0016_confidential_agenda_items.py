"""confidential agenda items: the flag and reason on agenda_item, the notes kept apart
(confidential_note) and the people named on the item (confidential_reader)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 13:45:35.834751

Existing items are not confidential. The downgrade drops the confidential notes with the tables.
"""
from alembic import op
import sqlalchemy as sa

import overleg.models.types


# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('confidential_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=False),
    sa.Column('discussion', sa.Text(), nullable=False),
    sa.Column('decisions', sa.Text(), nullable=False),
    sa.Column('updated_at', overleg.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_item.id'], name=op.f('fk_confidential_note_agenda_item_id_agenda_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_confidential_note')),
    sa.UniqueConstraint('agenda_item_id', name=op.f('uq_confidential_note_agenda_item_id'))
    )
    op.create_table('confidential_reader',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(user_id IS NULL) <> (contact_id IS NULL)', name=op.f('ck_confidential_reader_user_or_contact')),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_item.id'], name=op.f('fk_confidential_reader_agenda_item_id_agenda_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_confidential_reader_contact_id_contact'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_confidential_reader_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_confidential_reader')),
    sa.UniqueConstraint('agenda_item_id', 'contact_id', name=op.f('uq_confidential_reader_agenda_item_id_contact_id')),
    sa.UniqueConstraint('agenda_item_id', 'user_id', name=op.f('uq_confidential_reader_agenda_item_id_user_id'))
    )
    with op.batch_alter_table('confidential_reader', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_confidential_reader_agenda_item_id'), ['agenda_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_confidential_reader_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_confidential_reader_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confidential', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('confidential_reason', sa.Text(), server_default='', nullable=False))



def downgrade():
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.drop_column('confidential_reason')
        batch_op.drop_column('confidential')

    with op.batch_alter_table('confidential_reader', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_confidential_reader_user_id'))
        batch_op.drop_index(batch_op.f('ix_confidential_reader_contact_id'))
        batch_op.drop_index(batch_op.f('ix_confidential_reader_agenda_item_id'))

    op.drop_table('confidential_reader')
    op.drop_table('confidential_note')

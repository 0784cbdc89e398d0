"""invitees by theme: whom a theme brings to the meetings that have it on the agenda
(theme_invitee) and which invitation a theme brought (theme_invitation)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 13:58:56.190290

"""
from alembic import op
import sqlalchemy as sa

import overleg.models.types


# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('theme_invitee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('municipality_id', sa.Integer(), nullable=True),
    sa.Column('role', sa.Enum('required', 'optional', 'chair', 'secretary', name='theme_invitee_role', native_enum=False, create_constraint=True, length=13), nullable=False),
    sa.CheckConstraint('(contact_id IS NULL) <> (organisation_id IS NULL)', name=op.f('ck_theme_invitee_contact_or_organisation')),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_theme_invitee_contact_id_contact'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_theme_invitee_municipality_id_municipality'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_theme_invitee_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_theme_invitee_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_theme_invitee'))
    )
    with op.batch_alter_table('theme_invitee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_theme_invitee_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_theme_invitee_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_theme_invitee_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_theme_invitee_theme_id'), ['theme_id'], unique=False)

    op.create_table('theme_invitation',
    sa.Column('invitation_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitation.id'], name=op.f('fk_theme_invitation_invitation_id_invitation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_theme_invitation_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('invitation_id', name=op.f('pk_theme_invitation'))
    )
    with op.batch_alter_table('theme_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_theme_invitation_theme_id'), ['theme_id'], unique=False)



def downgrade():
    with op.batch_alter_table('theme_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_theme_invitation_theme_id'))

    op.drop_table('theme_invitation')
    with op.batch_alter_table('theme_invitee', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_theme_invitee_theme_id'))
        batch_op.drop_index(batch_op.f('ix_theme_invitee_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_theme_invitee_municipality_id'))
        batch_op.drop_index(batch_op.f('ix_theme_invitee_contact_id'))

    op.drop_table('theme_invitee')

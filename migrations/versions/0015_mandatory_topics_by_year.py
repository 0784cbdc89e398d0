"""mandatory topics by year: the years a theme is on the list of mandatory topics

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-06 13:45:00.000000

The list of mandatory topics changes with the law. Every theme gets the years it is mandatory
(from, until; empty: no bound). The upgrade gives each platform's local allocation rules
(lokale_toewijzingsreglementen) the year before ALLOCATION_RULES_OPTIONAL_FROM (2024 unless the
setting says otherwise) as their last mandatory year, as `flask seed` does for a new catalogue.
The downgrade drops the years: every theme flagged mandatory is then mandatory in every year.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = "0012"
branch_labels = None
depends_on = None

ALLOCATION_RULES = 'lokale_toewijzingsreglementen'

theme = sa.table(
    'theme',
    sa.column('code', sa.String),
    sa.column('is_mandatory', sa.Boolean),
    sa.column('mandatory_until_year', sa.Integer),
)


def _optional_from():
    """The setting of the app running the migration, else its default."""
    from flask import current_app, has_app_context

    if has_app_context():
        return int(current_app.config.get('ALLOCATION_RULES_OPTIONAL_FROM', 2024))
    return 2024


def upgrade():
    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mandatory_from_year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('mandatory_until_year', sa.Integer(), nullable=True))
    op.get_bind().execute(
        theme.update()
        .where(theme.c.code == ALLOCATION_RULES, theme.c.is_mandatory.is_(True))
        .values(mandatory_until_year=_optional_from() - 1)
    )


def downgrade():
    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.drop_column('mandatory_until_year')
        batch_op.drop_column('mandatory_from_year')

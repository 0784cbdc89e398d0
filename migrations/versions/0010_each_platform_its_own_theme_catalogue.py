"""each platform its own theme catalogue

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 10:18:28.221471

Before this revision every platform shared one theme catalogue. The upgrade gives the existing
themes to the oldest platform and every other platform a copy of them, and points the agenda
items of each platform's meetings at its own copy (compliance counts agenda items by theme, so it
follows). Themes with no platform to belong to (reference data seeded before any platform) are
deleted: `flask seed` and `flask platform create` give each platform its catalogue.

The downgrade merges the copies back: per code the oldest theme stays, agenda items of the others
point at it; a name that is then used twice gets its code appended, so the old unique names hold.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

THEME_COLUMNS = ('code', 'name', 'description', 'is_mandatory', 'active', 'sort_order', 'version')

platform = sa.table('platform', sa.column('id', sa.Integer))
municipality = sa.table(
    'municipality', sa.column('id', sa.Integer), sa.column('platform_id', sa.Integer)
)
meeting = sa.table(
    'meeting', sa.column('id', sa.Integer), sa.column('municipality_id', sa.Integer)
)
agenda_item = sa.table(
    'agenda_item',
    sa.column('id', sa.Integer),
    sa.column('meeting_id', sa.Integer),
    sa.column('theme_id', sa.Integer),
)
theme = sa.table(
    'theme',
    sa.column('id', sa.Integer),
    sa.column('platform_id', sa.Integer),
    sa.column('code', sa.String),
    sa.column('name', sa.String),
    sa.column('description', sa.Text),
    sa.column('is_mandatory', sa.Boolean),
    sa.column('active', sa.Boolean),
    sa.column('sort_order', sa.Integer),
    sa.column('version', sa.Integer),
)


def _item_themes(connection):
    """{agenda item id: (its platform id, its theme id)} of the items with a theme."""
    return {
        item_id: (platform_id, theme_id)
        for item_id, platform_id, theme_id in connection.execute(
            sa.select(agenda_item.c.id, municipality.c.platform_id, agenda_item.c.theme_id)
            .join(meeting, agenda_item.c.meeting_id == meeting.c.id)
            .join(municipality, meeting.c.municipality_id == municipality.c.id)
            .where(agenda_item.c.theme_id.is_not(None))
        )
    }


def _let_go_of_the_themes(connection):
    """Agenda items lose their theme for a moment: on SQLite changing the theme table's
    constraints copies and drops the table, which foreign keys to it would refuse."""
    items = _item_themes(connection)
    connection.execute(
        agenda_item.update().where(agenda_item.c.theme_id.is_not(None)).values(theme_id=None)
    )
    return items


def _point_items_at(connection, new_theme_of):
    """Give each agenda item its theme back: `new_theme_of[item id]`."""
    by_theme = {}
    for item_id, theme_id in new_theme_of.items():
        by_theme.setdefault(theme_id, []).append(item_id)
    for theme_id, item_ids in by_theme.items():
        for start in range(0, len(item_ids), 500):
            connection.execute(
                agenda_item.update()
                .where(agenda_item.c.id.in_(item_ids[start : start + 500]))
                .values(theme_id=theme_id)
            )


def _give_every_platform_its_catalogue(connection):
    """{(platform id, original theme id): that platform's theme}; the oldest platform keeps the
    existing rows, every other one gets a copy."""
    platform_ids = list(connection.scalars(sa.select(platform.c.id).order_by(platform.c.id)))
    if not platform_ids:
        connection.execute(theme.delete())
        return {}
    originals = list(connection.execute(sa.select(theme).order_by(theme.c.id)).mappings())
    connection.execute(theme.update().values(platform_id=platform_ids[0]))
    copies = {(platform_ids[0], original['id']): original['id'] for original in originals}
    for platform_id in platform_ids[1:]:
        for original in originals:
            values = {column: original[column] for column in THEME_COLUMNS}
            copies[platform_id, original['id']] = connection.execute(
                theme.insert().values(platform_id=platform_id, **values).returning(theme.c.id)
            ).scalar_one()
    return copies


def upgrade():
    connection = op.get_bind()
    items = _let_go_of_the_themes(connection)
    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.add_column(sa.Column('platform_id', sa.Integer(), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_theme_code'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_theme_name'), type_='unique')

    copies = _give_every_platform_its_catalogue(connection)

    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.alter_column('platform_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_theme_platform_id'), ['platform_id'], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f('uq_theme_platform_id_code'), ['platform_id', 'code']
        )
        batch_op.create_unique_constraint(
            batch_op.f('uq_theme_platform_id_name'), ['platform_id', 'name']
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_theme_platform_id_platform'), 'platform', ['platform_id'], ['id']
        )
    _point_items_at(
        connection,
        {item_id: copies[platform_id, theme_id] for item_id, (platform_id, theme_id) in items.items()},
    )


def _merge_the_copies(connection):
    """{theme id: the theme it merges into}: per code the oldest stays, the copies go; a name
    then used twice gets its code appended."""
    rows = list(connection.execute(sa.select(theme.c.id, theme.c.code).order_by(theme.c.id)))
    kept = {}
    merged = {}
    for theme_id, code in rows:
        kept.setdefault(code, theme_id)
        merged[theme_id] = kept[code]
    doomed = [theme_id for theme_id, target in merged.items() if theme_id != target]
    if doomed:
        connection.execute(theme.delete().where(theme.c.id.in_(doomed)))
    seen_names = set()
    for theme_id, code, name in connection.execute(
        sa.select(theme.c.id, theme.c.code, theme.c.name).order_by(theme.c.id)
    ).all():
        if name in seen_names:
            name = f'{name} ({code})'[:200]
            connection.execute(theme.update().where(theme.c.id == theme_id).values(name=name))
        seen_names.add(name)
    return merged


def downgrade():
    connection = op.get_bind()
    items = _let_go_of_the_themes(connection)
    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_theme_platform_id_platform'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_theme_platform_id_name'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_theme_platform_id_code'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_theme_platform_id'))

    merged = _merge_the_copies(connection)

    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_theme_name'), ['name'])
        batch_op.create_unique_constraint(batch_op.f('uq_theme_code'), ['code'])
        batch_op.drop_column('platform_id')
    _point_items_at(
        connection, {item_id: merged[theme_id] for item_id, (_p, theme_id) in items.items()}
    )

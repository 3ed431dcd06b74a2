"""Languages as rows, not a CHECK; region names by language in one JSON column.

A new language then needs no migration (issue 14, item 3):

- `languages` (code) holds the codes people may choose; `users.locale` points at it
  instead of the CHECK `locale IN ('fi', 'sv', 'en')`. This migration writes those three;
  `escalation init-db` adds any further code of `escalation.languages.LANGUAGES` after
  every upgrade (escalation/migrate.py). Going down, a code the CHECK does not know
  becomes 'fi' (the default) before the CHECK returns. On SQLite the change copies
  `users` (batch mode), which env.py lets through by migrating with foreign keys off and
  checking them all afterwards.
- `regions.names` {language: name} replaces name_fi/name_sv: a third language's region
  names are a new key, not a new column. The rows keep exactly what they had:
  {"fi": name_fi, "sv": name_sv}; going down gives name_fi from "fi" and name_sv from
  "sv" (else the Finnish name, as add_region filled it before). Changed in place on both
  databases: SQLite (3.35+) adds and drops such plain columns without copying; a new NOT
  NULL column needs a default there, hence the server default '{}' (the model has it
  too; the application always writes the names).

Revision ID: f014
Revises: b013
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f014'
down_revision: str | None = 'b013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = sa.table('regions', sa.column('id', sa.Integer()), sa.column('name_fi', sa.String()),
                sa.column('name_sv', sa.String()))
_NEW = sa.table('regions', sa.column('id', sa.Integer()), sa.column('names', sa.JSON()))


_LANGUAGES = ('fi', 'sv', 'en')  # those the CHECK allowed; later ones come from init-db
_CHECK = "locale IN ('fi', 'sv', 'en')"


def upgrade() -> None:
    op.create_table('languages',
    sa.Column('code', sa.String(length=5), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_languages'))
    )
    op.bulk_insert(sa.table('languages', sa.column('code', sa.String())),
                   [{'code': code} for code in _LANGUAGES])
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_users_locale_known'), type_='check')
        batch_op.create_foreign_key(batch_op.f('fk_users_locale_languages'), 'languages',
                                    ['locale'], ['code'])
    _upgrade_regions()


def _upgrade_regions() -> None:
    op.add_column('regions', sa.Column('names', sa.JSON(), nullable=False,
                                       server_default=sa.text("'{}'")))
    conn = op.get_bind()
    rows = conn.execute(sa.select(_OLD.c.id, _OLD.c.name_fi, _OLD.c.name_sv)).all()
    for region_id, name_fi, name_sv in rows:
        conn.execute(_NEW.update().where(_NEW.c.id == region_id)
                     .values(names={"fi": name_fi, "sv": name_sv}))
    op.execute('ALTER TABLE regions DROP COLUMN name_fi')
    op.execute('ALTER TABLE regions DROP COLUMN name_sv')


def downgrade() -> None:
    _downgrade_regions()
    users = sa.table('users', sa.column('locale', sa.String()))
    op.execute(users.update().where(users.c.locale.not_in(_LANGUAGES)).values(locale='fi'))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_locale_languages'), type_='foreignkey')
        batch_op.create_check_constraint(batch_op.f('ck_users_locale_known'), _CHECK)
    op.drop_table('languages')


def _downgrade_regions() -> None:
    for column in ('name_fi', 'name_sv'):
        op.add_column('regions', sa.Column(column, sa.String(length=200), nullable=False,
                                           server_default=sa.text("''")))
    conn = op.get_bind()
    rows = conn.execute(sa.select(_NEW.c.id, _NEW.c.names)).all()
    for region_id, names in rows:
        name_fi = names.get('fi') or ''
        conn.execute(_OLD.update().where(_OLD.c.id == region_id)
                     .values(name_fi=name_fi, name_sv=names.get('sv') or name_fi))
    if conn.dialect.name != 'sqlite':  # SQLite cannot drop a default without copying
        for column in ('name_fi', 'name_sv'):
            op.alter_column('regions', column, server_default=None)
    op.execute('ALTER TABLE regions DROP COLUMN names')

"""Search (issue 18, item 1): `search_documents`, each issue's texts as analysed terms.

On PostgreSQL its two columns are tsvectors, GIN-indexed (`doc`, and `doc || statements`
for readers who may see the statements); on SQLite they are text, indexed by the FTS5
table `search_fts` (external content: triggers keep it in step with the rows). Filled
here from every live issue, analysed in Python (escalation/analyser.py, Voikko when it
loads); `escalation search reindex` rebuilds it after installing Voikko.

Revision ID: s118
Revises: r118
Create Date: 2026-12-06 17:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 's118'
down_revision: str | None = 'r118'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(doc, statements, "
    "content='search_documents', content_rowid='issue_id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN "
    "INSERT INTO search_fts(rowid, doc, statements) "
    "VALUES (new.issue_id, new.doc, new.statements); END",
    "CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, doc, statements) "
    "VALUES ('delete', old.issue_id, old.doc, old.statements); END",
    "CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, doc, statements) "
    "VALUES ('delete', old.issue_id, old.doc, old.statements); "
    "INSERT INTO search_fts(rowid, doc, statements) "
    "VALUES (new.issue_id, new.doc, new.statements); END",
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    terms = postgresql.TSVECTOR() if postgres else sa.Text()
    op.create_table(
        'search_documents',
        sa.Column('issue_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('doc', terms, nullable=False),
        sa.Column('statements', terms, nullable=False),
        sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], ondelete='CASCADE',
                                name=op.f('fk_search_documents_issue_id_issues')),
        sa.PrimaryKeyConstraint('issue_id', name=op.f('pk_search_documents')),
    )
    if postgres:
        op.execute("CREATE INDEX ix_search_documents_doc ON search_documents USING gin (doc)")
        op.execute("CREATE INDEX ix_search_documents_full ON search_documents "
                   "USING gin ((doc || statements))")
    else:
        for statement in _SQLITE:
            op.execute(statement)
    # The analysis is Python's (Voikko or Snowball), as for every later change.
    from escalation import search_index
    search_index.reindex_all(op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("search_documents_ai", "search_documents_ad", "search_documents_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table('search_documents')

"""Least privilege on PostgreSQL: the schema's owner grants the app's role what it needs.

Whoever owns a table may alter it, switch its triggers off and truncate it, so the role
the web app and the worker use (`DATABASE_URL`) must not own the schema: `init-db` runs
the migrations as the owner (`DATABASE_OWNER_URL`) and then grants the app's role
reading and writing on the tables, but on `audit_events` only SELECT and INSERT. The
append-only trigger stays on, and the app's role cannot turn it off.

Default privileges make tables, sequences and functions the owner creates later (a
migration run by hand) usable by the app's role as well; the grants themselves are
made again after every upgrade, so they are complete whatever the history.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from escalation.db import make_engine

# Tables the app's role may read but not change (the languages are init-db's to write),
# and the one it may only add to.
READ_ONLY_TABLES = ("alembic_version", "audit_key_fingerprint", "languages")
APPEND_ONLY_TABLES = ("audit_events", "meeting_events")


@dataclass(frozen=True)
class Login:
    """Who a URL signs in as, and where."""

    role: str
    database: str
    superuser: bool


def login_of(url: str) -> Login:
    """Connect with `url` and ask the server who that is (peer or default users too)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            role, database, superuser = conn.execute(text(
                "SELECT current_user, current_database(), "
                "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user)")).one()
    finally:
        engine.dispose()
    return Login(str(role), str(database), bool(superuser))


class RoleError(ValueError):
    """The two roles cannot be set up as the service needs; the message says why."""


def grant_app_role(owner: Connection, app: Login) -> None:
    """As the owner, give the app's role exactly what the service needs (PostgreSQL)."""
    prep = owner.dialect.identifier_preparer
    role = prep.quote(app.role)
    schema = prep.quote(str(owner.execute(text("SELECT current_schema()")).scalar_one()))
    if app.superuser:
        raise RoleError(f"the DATABASE_URL role {app.role} is a superuser: it could do "
                        "anything the owner can; give the app a role of its own")
    owned = owner.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
        "AND tableowner = :role ORDER BY tablename"), {"role": app.role}).scalars().all()
    if owned:
        raise RoleError(
            f"the DATABASE_URL role {app.role} owns {', '.join(owned)}; as a superuser run "
            f"`REASSIGN OWNED BY {role} TO <owner>` in this database, then init-db again")
    statements = [
        f"GRANT USAGE ON SCHEMA {schema} TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
        *(f"REVOKE ALL ON {prep.quote(t)} FROM {role}"
          for t in (*READ_ONLY_TABLES, *APPEND_ONLY_TABLES)),
        *(f"GRANT SELECT ON {prep.quote(t)} TO {role}" for t in READ_ONLY_TABLES),
        *(f"GRANT SELECT, INSERT ON {prep.quote(t)} TO {role}" for t in APPEND_ONLY_TABLES),
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        # Functions the app calls, e.g. SECURITY DEFINER ones that do a privileged,
        # audited step (such as a redaction) on the owner's behalf.
        f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
        f"GRANT USAGE, SELECT ON SEQUENCES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT EXECUTE ON FUNCTIONS TO {role}",
    ]
    for statement in statements:
        owner.exec_driver_sql(statement)


def set_up(owner_url: str, app_url: str) -> str | None:
    """Grant the app's role its privileges when it is not the owner; what was done.

    Both URLs must reach the same database. Nothing is granted on SQLite (one file, no
    roles) or when both URLs sign in as the same role.
    """
    if owner_url.startswith("sqlite") or owner_url == app_url:
        return None
    owner_login, app_login = login_of(owner_url), login_of(app_url)
    if owner_login.database != app_login.database:
        raise RoleError(f"DATABASE_OWNER_URL reaches database {owner_login.database}, "
                        f"DATABASE_URL {app_login.database}: they must be the same")
    if owner_login.role == app_login.role:
        return None
    engine = make_engine(owner_url)
    try:
        with engine.begin() as conn:
            grant_app_role(conn, app_login)
    finally:
        engine.dispose()
    return (f"granted {app_login.role} the app's privileges "
            f"(audit_events: SELECT and INSERT only)")

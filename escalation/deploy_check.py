"""`escalation check [--deploy]`: what an operator should fix before (and after) going live.

Each check gives one finding: an error (the installation is unsafe or broken: the command
exits non-zero) or a warning (it works, less well than it should), or ok. The database
checks run always; `--deploy` adds the settings a production installation needs. Which
is which, and why, is in README's "Production notes".

The findings only read: nothing is migrated, written or generated here (the settings may
generate the embedded default's key files when they are read, as every command does).
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import inspect, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from escalation import audit_key, audit_verify, checkpoint, migrate
from escalation.config import Settings
from escalation.db import make_engine
from escalation.models import AuditEvent, Issue
from escalation.notify.models import WebhookEndpoint
from escalation.notify.webhooks import is_loopback

ERROR = "error"
WARNING = "warning"
OK = "ok"
DEFAULT_BASE_URL = "http://127.0.0.1:5000"


@dataclass(frozen=True)
class Finding:
    level: str  # ERROR, WARNING or OK
    subject: str  # the setting or thing checked, e.g. BASE_URL, migration
    text: str

    def line(self) -> str:
        return f"{self.level:<7} {self.subject}: {self.text}"


def deploy_findings(settings: Settings, env: Mapping[str, str]) -> list[Finding]:
    """The settings a production installation needs; `env` is what the process was given."""
    found: list[Finding] = []
    if settings.embedded:
        found.append(Finding(ERROR, "DATABASE_URL", "SQLite (one file on one host, one "
                             "writer at a time): use PostgreSQL in production"))
    else:
        found.append(Finding(OK, "DATABASE_URL", "a database server"))
    for name in ("SECRET_KEY", "AUDIT_KEY"):
        if env.get(name):
            found.append(Finding(OK, name, "given by the environment"))
        elif settings.embedded:
            found.append(Finding(ERROR, name, "generated into the instance folder "
                                 f"({settings.instance_path}): give it from your secret "
                                 "store, the same on every host, and back it up"))
        else:
            found.append(Finding(ERROR, name, "not set: give it from your secret store, "
                                 "the same on every host"))
    base = env.get("BASE_URL", "").rstrip("/")
    if not base or base == DEFAULT_BASE_URL:
        found.append(Finding(ERROR, "BASE_URL", f"the default {DEFAULT_BASE_URL}: the "
                             "links in e-mails would lead nowhere; set the service's "
                             "https:// address"))
    elif urlsplit(base).scheme != "https":
        found.append(Finding(ERROR, "BASE_URL", f"{base} is not https: sessions would "
                             "travel unencrypted (no Secure cookie, no HSTS)"))
    else:
        found.append(Finding(OK, "BASE_URL", base))
    if settings.redis_url:
        found.append(Finding(OK, "REDIS_URL", "set"))
    else:
        found.append(Finding(WARNING, "REDIS_URL", "not set: mails are sent inside the "
                             "requests and the periodic sweeps (reminders, report rollup, "
                             "checkpoints) run only under `escalation serve`"))
    if settings.smtp_url:
        found.append(Finding(OK, "SMTP_URL", "set"))
    else:
        found.append(Finding(WARNING, "SMTP_URL", "not set: mails are written to "
                             f"{settings.instance_path / 'mail'} and reach nobody"))
    return found


def database_findings(settings: Settings) -> list[Finding]:
    """Whether the database is reachable, at the newest migration, and the audit key its."""
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return [Finding(ERROR, "migration", "the database has no schema; run "
                                "`escalation db upgrade`")]
            at, newest = migrate.current(conn), migrate.newest()
            if at != newest:
                known = {rev.revision for rev in migrate.script().walk_revisions()}
                why = ("is newer than this code knows (a downgrade of the code?)"
                       if set(at) - known else "is old")
                return [Finding(ERROR, "migration",
                                f"the database at {', '.join(at) or 'none'} {why}; the "
                                f"newest is {', '.join(newest)}: run `escalation db "
                                "upgrade`"),
                        Finding(WARNING, "audit log", "the key is not checked against the log "
                                "(the database is not at the newest migration)")]
            found = [Finding(OK, "migration", f"at the newest, {', '.join(at)}")]
            with Session(conn) as session:
                found.append(_audit_key(session, settings.audit_key, settings.checkpoints))
            return found
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return [Finding(ERROR, "database", f"cannot be used: {reason}")]
    finally:
        engine.dispose()


def webhook_findings(settings: Settings) -> list[Finding]:
    """A warning per active webhook whose URL is plain http to another host: its events
    and signatures travel unencrypted (docs/webhooks.md). Nothing when none is registered
    (or the database cannot say: `database_findings` reports that)."""
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("webhook_endpoints"):
                return []
            with Session(conn) as session:
                rows = session.execute(select(WebhookEndpoint.id, WebhookEndpoint.url)
                                       .where(WebhookEndpoint.active)
                                       .order_by(WebhookEndpoint.id)).all()
    except SQLAlchemyError:
        return []
    finally:
        engine.dispose()
    plain = [(i, url) for i, url in rows if urlsplit(url).scheme == "http"
             and not is_loopback(urlsplit(url).hostname or "")]
    if not rows:
        return []
    if not plain:
        return [Finding(OK, "webhooks", f"{len(rows)} active, all https")]
    return [Finding(WARNING, "webhooks", f"webhook {i} posts to {url} over plain http: "
                    "events and signatures travel unencrypted; use https "
                    "(`escalation webhook add`, then `remove` this one)")
            for i, url in plain]


def _audit_key(session: Session, key: bytes, folder: Path) -> Finding:
    """The key against the recorded fingerprint, the newest event's chain and the newest
    checkpoint's signature: a wrong key would write events that never verify."""
    if not key:
        return Finding(ERROR, "audit log", "AUDIT_KEY is not set")
    if audit_key.matches(session, key) is False:
        return Finding(ERROR, "audit log", "wrong audit key: not the key the log was "
                       "written with (its fingerprint differs)")
    newest = session.scalar(select(AuditEvent.issue_id).order_by(AuditEvent.id.desc())
                            .limit(1))
    if newest is not None:
        reference = session.scalar(select(Issue.reference).where(Issue.id == newest))
        events = session.scalars(select(AuditEvent).where(AuditEvent.issue_id == newest)
                                 .order_by(AuditEvent.seq))
        bad = audit_verify.verify_chain(key, str(reference), events)
        if bad is not None:
            return Finding(ERROR, "audit log", f"wrong audit key: the newest events "
                           f"({bad.issue} event {bad.seq}) do not verify")
    path = checkpoint.newest(folder)
    if path is not None:
        why = _checkpoint_signature(key, path)
        if why is not None:
            return Finding(ERROR, "audit log", f"checkpoint {path.name}: {why}")
    if audit_key.stored(session) is None:
        return Finding(WARNING, "audit log", "the key verifies the newest events, but no "
                       "fingerprint is recorded: run `escalation db upgrade`")
    return Finding(OK, "audit log", ("the key verifies the newest events" if newest is not None
                                     else "no events yet")
                   + (f" and checkpoint {path.name}" if path is not None else ""))


def _checkpoint_signature(key: bytes, path: Path) -> str | None:
    """Why the checkpoint's signature does not verify under `key`, or None if it does.

    Only the signature: what the log lost since is `verify-audit`'s (it reads every head).
    """
    try:
        doc = json.loads(path.read_bytes())
        recorded = str(doc["signature"])
    except (OSError, ValueError, KeyError, TypeError):
        return "not a readable checkpoint"
    if hmac.compare_digest(recorded, checkpoint.signature(key, doc)):
        return None
    if doc.get("key_fingerprint") != audit_key.fingerprint(key):
        return "wrong audit key: the checkpoint was signed with another key"
    return "its signature does not verify: the file was altered"


def errors(found: list[Finding]) -> int:
    return sum(1 for f in found if f.level == ERROR)

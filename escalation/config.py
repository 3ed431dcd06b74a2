"""Settings from the environment, the same for the web app, the worker and the CLI."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import workflows as _workflows_pkg

DEFAULT_WORKFLOWS = Path(_workflows_pkg.__file__).parent


def _secret_file(path: Path, nbytes: int = 32) -> str:
    """Read a secret kept in the instance folder, making it (0600) on first use."""
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(nbytes)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(value + "\n")
    return value


def _seconds_list(value: str | None, default: tuple[int, ...]) -> tuple[int, ...]:
    """Read "10,60,300" as (10, 60, 300); unset keeps the default, empty means none."""
    if value is None:
        return default
    return tuple(int(part) for part in value.split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    """Everything configurable. Secrets default to files in the instance folder."""

    instance_path: Path
    database_url: str
    redis_url: str | None
    smtp_url: str | None
    secret_key: str
    audit_key: bytes
    workflows_dir: Path
    timezone: str = "Europe/Helsinki"
    base_url: str = "http://127.0.0.1:5000"
    mail_from: str = "Eskalointipalvelu <escalation@localhost>"
    # Notifications: seconds between delivery attempts (one more attempt than intervals),
    # how long a handed-over message may stay undelivered before a sweep hands it over
    # again (longer than the longest interval), and how often the periodic sweeps run.
    retry_intervals: tuple[int, ...] = (10, 60, 300, 600)
    stale_after: int = 900
    sweep_every: int = 60
    # Reports: a summary with no date filter over at least `rollup_from` issues is read
    # from the rollup that the periodic job refreshes every `rollup_every` seconds; a
    # smaller one is counted live, so small installations never see figures "as of".
    rollup_every: int = 300
    rollup_from: int = 100_000

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        instance = Path(env.get("ESCALATION_INSTANCE") or "instance").resolve()
        database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'escalation.sqlite3'}"
        # The audit key must live outside the database, or a tamperer could re-sign the
        # chain: the environment in production, a file in the instance folder otherwise.
        audit_key = env.get("AUDIT_KEY") or _secret_file(instance / "audit.key")
        secret_key = env.get("SECRET_KEY") or _secret_file(instance / "secret.key")
        return cls(
            instance_path=instance,
            database_url=database_url,
            redis_url=env.get("REDIS_URL") or None,
            smtp_url=env.get("SMTP_URL") or None,
            secret_key=secret_key,
            audit_key=audit_key.encode(),
            workflows_dir=Path(env.get("ESCALATION_WORKFLOWS") or DEFAULT_WORKFLOWS),
            timezone=env.get("ESCALATION_TIMEZONE") or "Europe/Helsinki",
            base_url=(env.get("BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
            mail_from=env.get("MAIL_FROM") or cls.mail_from,
            retry_intervals=_seconds_list(env.get("NOTIFY_RETRY_INTERVALS"), cls.retry_intervals),
            stale_after=int(env.get("NOTIFY_STALE_AFTER") or cls.stale_after),
            sweep_every=int(env.get("NOTIFY_SWEEP_EVERY") or cls.sweep_every),
            rollup_every=int(env.get("REPORT_ROLLUP_EVERY") or cls.rollup_every),
            rollup_from=int(env.get("REPORT_ROLLUP_FROM") or cls.rollup_from),
        )

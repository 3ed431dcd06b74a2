"""Settings from the environment, the same for the web app, the worker and the CLI."""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from urllib.parse import urlsplit

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


class SettingError(ValueError):
    """A variable of the environment that cannot be used; the message names it."""


_DOMAIN = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                     r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")


def _domain(env: dict[str, str], name: str) -> str | None:
    value = (env.get(name) or "").strip()
    if not value:
        return None
    if not _DOMAIN.match(value):
        raise SettingError(f"{name} must be a domain name such as escalation.example.fi, "
                           f"not {value!r}")
    return value.lower()


def _whole(env: dict[str, str], name: str, default: int, *, minimum: int = 0) -> int:
    """A whole-number variable; unset or empty keeps the default."""
    value = env.get(name) or ""
    if not value.strip():
        return default
    try:
        number = int(value)
    except ValueError:
        number = minimum - 1
    if number < minimum:
        raise SettingError(f"{name} must be a whole number of at least {minimum}, "
                           f"not {value!r}")
    return number


def _seconds_list(env: dict[str, str], name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    """Read "10,60,300" as (10, 60, 300); unset keeps the default, empty means none."""
    value = env.get(name)
    if value is None:
        return default
    parts = [part.strip() for part in value.split(",") if part.strip()]
    if not all(part.isdigit() for part in parts):
        raise SettingError(f"{name} must be whole seconds separated by commas, not {value!r}")
    return tuple(int(part) for part in parts)


def _flag(env: dict[str, str], name: str) -> bool:
    """A yes/no variable: 1, true or yes is yes; unset, empty, 0, false or no is no."""
    value = (env.get(name) or "").strip().lower()
    if value in ("", "0", "false", "no"):
        return False
    if value in ("1", "true", "yes"):
        return True
    raise SettingError(f"{name} must be 1 or 0 (true or false), not {env.get(name)!r}")


def _networks(env: dict[str, str], name: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """Read "127.0.0.1/32, 10.1.0.0/16" as networks; unset or empty means none."""
    parts = [part.strip() for part in (env.get(name) or "").split(",") if part.strip()]
    try:
        return tuple(ip_network(part, strict=False) for part in parts)
    except ValueError:
        raise SettingError(f"{name} must be addresses or networks (CIDR) separated by "
                           f"commas, not {env.get(name)!r}") from None


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
    # The domain of the mails' Message-IDs (`MAIL_DOMAIN`); unset: BASE_URL's host.
    mail_domain_setting: str | None = None
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
    # Meetings: an agenda not yet published is published (and mailed to the body's
    # members) by the sweep this many days before its meeting (`AGENDA_DAYS_BEFORE`).
    agenda_days_before: int = 7
    # The largest request body accepted, in bytes (413 beyond it): an issue's longest
    # text is 20 000 characters, so 1 MiB leaves room and stops a flood early.
    max_content_length: int = 1024 * 1024
    # Least privilege: migrations run as the schema's owner (this URL); the app's own
    # `database_url` role may then not alter, truncate, update or delete audit events.
    database_owner_url: str | None = None
    # Signed checkpoints of every audit chain's head, kept outside the database: where
    # they are written, how often the sweep writes one, and who is mailed a copy.
    checkpoint_dir: Path | None = None
    checkpoint_every: int = 3600
    checkpoint_mail: str | None = None
    # The secrets the environment did not give, on a database server (where generated
    # files are refused: see `require_keys`); empty on SQLite, which makes its own.
    missing_keys: tuple[str, ...] = ()

    @property
    def checkpoints(self) -> Path:
        """The checkpoint folder (`AUDIT_CHECKPOINT_DIR`, default `<instance>/checkpoints`)."""
        return self.checkpoint_dir or self.instance_path / "checkpoints"

    @property
    def mail_domain(self) -> str:
        """The domain of every Message-ID: the service's own, so ids never collide with
        another sender's, and mail clients thread an issue's mails under it."""
        return (self.mail_domain_setting or urlsplit(self.base_url).hostname
                or "escalation.invalid")

    @property
    def embedded(self) -> bool:
        """Whether the database is the embedded SQLite file (one process, one host)."""
        return self.database_url.startswith("sqlite")

    def require_keys(self) -> None:
        """Refuse to run against a database server without both keys from the environment.

        A key generated into one host's instance folder is a trap in production: the next
        host (or a rebuilt one) makes another, sessions stop working across hosts, and
        audit events written with it no longer verify with the real key.
        """
        if self.missing_keys:
            name = self.missing_keys[0]
            raise SettingError(
                f"{name} is not set: with a database server (DATABASE_URL) the service "
                f"needs {name} from the environment, the same on every host"
            )
    # Sign-in: how many proxies in front of the app may be believed about the client's
    # address (X-Forwarded-For); 0 trusts none, so a forged header changes nothing.
    proxy_hops: int = 0
    # A web session ends after this long without a request, and this long after sign-in
    # whatever happens; sign-out and a password change end it at once (server-side).
    session_idle_minutes: int = 480
    session_max_days: int = 7
    # The working group's chair may correct a decision's follow-up date and responsible
    # party for this many days after the decision (0: never).
    decision_correction_days: int = 14
    # How long a set-password link works; who answers accessibility feedback (the
    # accessibility statement names it; empty: the sender address of the mails).
    set_password_link_hours: int = 72
    accessibility_contact: str = ""
    # Where a mail client may send an unsubscribe request of the public subscriptions
    # (List-Unsubscribe's mailto; empty: the one-click link only). Someone must read it.
    list_unsubscribe_mailto: str = ""
    # Readiness (/readyz, escalation/health.py): the oldest outbox message still to be
    # delivered may be this many seconds old (longer than the retry schedule, so a mail
    # server's short outage does not take the service out), and the report rollup's
    # newest snapshot this old (None: 3 x `rollup_every`, when the summaries stop reading
    # it). 0 turns that check off.
    ready_outbox_age: int = 3600
    ready_rollup_age: int | None = None
    # Metrics (/metrics): a bearer token and/or the client networks allowed to scrape;
    # with neither set, /metrics refuses every request rather than expose them.
    metrics_token: str = ""
    metrics_allow: tuple[IPv4Network | IPv6Network, ...] = ()
    # Webhooks (docs/webhooks.md): plain http to a host other than this one's loopback
    # only when allowed (a test bench; never in production), and how long a receiver may
    # take to answer one POST before the attempt counts as failed.
    webhook_allow_http: bool = False
    webhook_timeout: int = 5
    # The public register's rendered answers each web process keeps for anonymous
    # readers (api/web/page_cache.py), in MiB; 0 keeps none.
    public_page_cache_mb: int = 32

    @property
    def delivery_attempts(self) -> int:
        """How often a mail or a webhook is tried: once, and once per retry interval."""
        return len(self.retry_intervals) + 1

    @property
    def rollup_age_limit(self) -> int:
        """How old the rollup's newest snapshot may be for readiness (0: not checked)."""
        if self.ready_rollup_age is None:
            return 3 * self.rollup_every
        return self.ready_rollup_age

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        instance = Path(env.get("ESCALATION_INSTANCE") or "instance").resolve()
        database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'escalation.sqlite3'}"
        # The audit key must live outside the database, or a tamperer could re-sign the
        # chain: the environment in production, a file in the instance folder for the
        # embedded SQLite default. With a database server nothing is generated: what is
        # missing is noted, and every command but `init-db` refuses (`require_keys`).
        embedded = database_url.startswith("sqlite")
        missing = tuple(name for name in ("AUDIT_KEY", "SECRET_KEY")
                        if not embedded and not env.get(name))
        audit_key = env.get("AUDIT_KEY") or (
            _secret_file(instance / "audit.key") if embedded else "")
        secret_key = env.get("SECRET_KEY") or (
            _secret_file(instance / "secret.key") if embedded else "")
        checkpoint_dir = env.get("AUDIT_CHECKPOINT_DIR")
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
            mail_domain_setting=_domain(env, "MAIL_DOMAIN"),
            retry_intervals=_seconds_list(env, "NOTIFY_RETRY_INTERVALS", cls.retry_intervals),
            stale_after=_whole(env, "NOTIFY_STALE_AFTER", cls.stale_after, minimum=1),
            sweep_every=_whole(env, "NOTIFY_SWEEP_EVERY", cls.sweep_every, minimum=1),
            rollup_every=_whole(env, "REPORT_ROLLUP_EVERY", cls.rollup_every, minimum=1),
            rollup_from=_whole(env, "REPORT_ROLLUP_FROM", cls.rollup_from),
            agenda_days_before=_whole(env, "AGENDA_DAYS_BEFORE", cls.agenda_days_before),
            max_content_length=_whole(env, "MAX_CONTENT_LENGTH", cls.max_content_length,
                                      minimum=1024),
            database_owner_url=env.get("DATABASE_OWNER_URL") or None,
            checkpoint_dir=Path(checkpoint_dir).resolve() if checkpoint_dir else None,
            checkpoint_every=_whole(env, "AUDIT_CHECKPOINT_EVERY", cls.checkpoint_every,
                                    minimum=1),
            checkpoint_mail=env.get("AUDIT_CHECKPOINT_MAIL") or None,
            missing_keys=missing,
            proxy_hops=_whole(env, "PROXY_HOPS", cls.proxy_hops),
            session_idle_minutes=_whole(env, "SESSION_IDLE_MINUTES", cls.session_idle_minutes,
                                        minimum=1),
            session_max_days=_whole(env, "SESSION_MAX_DAYS", cls.session_max_days, minimum=1),
            decision_correction_days=_whole(env, "DECISION_CORRECTION_DAYS",
                                            cls.decision_correction_days),
            set_password_link_hours=_whole(env, "SET_PASSWORD_LINK_HOURS",
                                           cls.set_password_link_hours, minimum=1),
            accessibility_contact=env.get("ACCESSIBILITY_CONTACT") or "",
            list_unsubscribe_mailto=env.get("LIST_UNSUBSCRIBE_MAILTO") or "",
            ready_outbox_age=_whole(env, "READY_OUTBOX_AGE", cls.ready_outbox_age),
            ready_rollup_age=(_whole(env, "READY_ROLLUP_AGE", 0)
                              if (env.get("READY_ROLLUP_AGE") or "").strip() else None),
            metrics_token=env.get("METRICS_TOKEN") or "",
            metrics_allow=_networks(env, "METRICS_ALLOW"),
            webhook_allow_http=_flag(env, "WEBHOOK_ALLOW_HTTP"),
            webhook_timeout=_whole(env, "WEBHOOK_TIMEOUT", cls.webhook_timeout, minimum=1),
            public_page_cache_mb=_whole(env, "PUBLIC_PAGE_CACHE_MB", cls.public_page_cache_mb),
        )

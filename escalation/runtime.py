"""The process's configured pieces: settings and loaded workflows, made once and shared."""

from __future__ import annotations

from functools import cache

from escalation import db
from escalation.config import Settings
from escalation.workflow.registry import Registry


@cache
def settings() -> Settings:
    return Settings.from_env()


@cache
def registry() -> Registry:
    return Registry.from_dir(settings().workflows_dir)


def reset() -> None:
    """Forget cached settings and workflows (tests and the CLI change the environment)."""
    settings.cache_clear()
    registry.cache_clear()


def start() -> Settings:
    """Configure the database from the settings; the app, worker and CLI call this first.

    With a database server it refuses (SettingError, naming the variable) to start
    without AUDIT_KEY and SECRET_KEY from the environment.
    """
    s = settings()
    s.require_keys()
    registry()  # a broken definition fails here, at start, not mid-request
    db.configure(s.database_url)
    return s

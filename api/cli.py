"""The `escalation` command line (DESIGN §6b): a face of the core, like HTTP.

Every refusal ends with one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import click
from alembic import command
from alembic.util.exc import CommandError as AlembicError
from redis.exceptions import RedisError
from sqlalchemy import inspect
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from escalation import (
    analyser,
    audit_key,
    audit_verify,
    checkpoint,
    db,
    demo,
    deploy_check,
    jobs,
    migrate,
    privileges,
    progress,
    runtime,
    search_index,
)
from escalation.config import SettingError, Settings
from escalation.errors import DomainError, InvalidInput
from escalation.languages import DEFAULT, LANGUAGES
from escalation.migrate import upgrade
from escalation.models import Role
from escalation.notify import failures, relay, webhooks
from escalation.notify import worker as notify_worker
from escalation.services import people
from escalation.workflow.loader import DefinitionError


class Refusal(click.ClickException):
    """A one-line, non-zero-exit answer to bad input or a missing prerequisite."""

    exit_code = 1

    def show(self, file: Any = None) -> None:
        click.echo(f"escalation: {self.format_message()}", err=True)


def _say_input(exc: InvalidInput) -> str:
    parts = [f"{field}: {msgs[0]}" if not field.startswith("_") else msgs[0]
             for field, msgs in exc.errors.items()]
    return "; ".join(parts) or exc.detail


def _database_label(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def _sqlite_path(url: str) -> Path | None:
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///"))
    return None


def _start(*, create: bool, keys: bool = True) -> str:
    """Configure settings and the database; refuse clearly when they cannot be used.

    `create` is for the commands that make the schema (init-db, demo, serve); the
    others need an existing, migrated database and say so instead of creating one.
    With a database server every command but init-db (`keys=False`) needs AUDIT_KEY
    and SECRET_KEY from the environment, and no command runs with an audit key other
    than the one the log was written with.
    """
    try:
        settings = runtime.settings()
        if keys:
            settings.require_keys()
        runtime.registry()
    except SettingError as exc:
        raise Refusal(str(exc)) from None
    except DefinitionError as exc:
        raise Refusal(f"workflow definition: {exc}") from None
    url = settings.database_url
    path = _sqlite_path(url)
    if path is not None:
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        elif not path.exists():
            raise Refusal(
                f"no database at {path}; run `escalation init-db` (or `escalation demo`) first"
            )
    engine = db.configure(url)
    relay.install()  # outbox rows committed by any command are handed over right away
    try:
        if create:
            _prepare(settings)
        else:
            with engine.connect() as conn:
                schema = inspect(conn)
                if not schema.has_table("alembic_version"):
                    raise Refusal(
                        f"the database {_database_label(url)} has no schema; "
                        "run `escalation init-db` first"
                    )
                if settings.audit_key and schema.has_table("audit_key_fingerprint"):
                    with Session(conn) as session:
                        if audit_key.matches(session, settings.audit_key) is False:
                            raise Refusal(WRONG_KEY)
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise Refusal(f"cannot use the database {_database_label(url)}: {reason}") from None
    return url


WRONG_KEY = ("wrong audit key: AUDIT_KEY is not the key this database's audit log was "
             "written with (its fingerprint differs); nothing was checked or written")


def _prepare(settings: Settings) -> None:
    """Upgrade the schema as its owner, grant the app's role, record the key's fingerprint.

    The owner is DATABASE_OWNER_URL's role when it is set, else DATABASE_URL's (one role,
    as the embedded SQLite default has). Said on stderr, so stdout stays each command's.
    """
    owner_url = settings.database_owner_url or settings.database_url
    upgrade(owner_url)
    try:
        granted = privileges.set_up(owner_url, settings.database_url)
    except privileges.RoleError as exc:
        raise Refusal(str(exc)) from None
    if granted:
        click.echo(f"Privileges: {granted}.", err=True)
    if not settings.audit_key:
        click.echo("Audit key fingerprint: not recorded (AUDIT_KEY is not set).", err=True)
        return
    engine = db.make_engine(owner_url)
    try:
        with Session(engine) as session, session.begin():
            done = audit_key.record(session, settings.audit_key, now=db.utcnow())
    finally:
        engine.dispose()
    if done == "differs":
        raise Refusal(WRONG_KEY)
    if done != "matches":
        click.echo(f"Audit key fingerprint: {done}.", err=True)


@contextmanager
def _unit_of_work() -> Iterator[Session]:
    """One transaction, with domain and database refusals turned into one-line messages."""
    try:
        with db.transaction() as session:
            yield session
    except InvalidInput as exc:
        raise Refusal(_say_input(exc)) from None
    except DomainError as exc:
        raise Refusal(exc.detail) from None
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise Refusal(f"database error: {reason}") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """The escalation service: questions from the regions to the national bodies and back."""


@cli.command("init-db")
@click.option("--as-owner", is_flag=True,
              help="Insist on DATABASE_OWNER_URL (refuse without it).")
def init_db(as_owner: bool) -> None:
    """Create or upgrade the database schema.

    As the owner's role (DATABASE_OWNER_URL) when it is set, which then grants the app's
    role (DATABASE_URL) what it needs, and no more.
    """
    if as_owner:
        try:
            owner_url = runtime.settings().database_owner_url
        except SettingError as exc:
            raise Refusal(str(exc)) from None
        if not owner_url:
            raise Refusal("--as-owner needs DATABASE_OWNER_URL (the role that owns the "
                          "schema and runs the migrations)")
    url = _start(create=True, keys=False)
    click.echo(f"Database ready: {_database_label(url)}")


@cli.group("db")
def db_group() -> None:
    """The database schema's migrations (Alembic): where it is, what exists, up and down."""


@db_group.command("current")
def db_current() -> None:
    """Print the revision the database is at and whether it is the newest (exit 1 if not)."""
    settings = _settings()
    engine = db.make_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            at = migrate.current(conn)
    except OperationalError as exc:
        raise Refusal(f"cannot use the database {_database_label(settings.database_url)}: "
                      f"{_first_line(exc)}") from None
    finally:
        engine.dispose()
    newest = migrate.newest()
    if not at:
        raise Refusal("the database has no schema; run `escalation db upgrade`")
    click.echo(f"{', '.join(at)}{' (newest)' if at == newest else ''}")
    if at != newest:
        raise Refusal(f"the newest is {', '.join(newest)}: run `escalation db upgrade`")


@db_group.command("history")
def db_history() -> None:
    """List the migrations, newest first: revision, date and what each does."""
    for rev in migrate.script().walk_revisions():
        doc = (rev.doc or "").strip().splitlines()
        click.echo(f"{rev.revision:<12} {doc[0] if doc else ''}")


@db_group.command("upgrade")
@click.option("--as-owner", is_flag=True,
              help="Insist on DATABASE_OWNER_URL (refuse without it).")
@click.pass_context
def db_upgrade(ctx: click.Context, as_owner: bool) -> None:
    """Create or upgrade the schema to the newest migration (the same as `init-db`)."""
    ctx.invoke(init_db, as_owner=as_owner)


@db_group.command("downgrade", context_settings={"ignore_unknown_options": True})
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Take the schema down to REVISION (an id from `db history`, or -1 for one step), as
    the owner's role: before running an older release. What a step drops is lost."""
    settings = _settings()
    url = settings.database_owner_url or settings.database_url
    try:
        command.downgrade(migrate.alembic_config(url), revision)
    except (AlembicError, OperationalError) as exc:
        raise Refusal(f"cannot downgrade to {revision}: {_first_line(exc)}") from None
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            click.echo(f"Database at {', '.join(migrate.current(conn)) or 'base'}.")
    finally:
        engine.dispose()


@cli.command("check")
@click.option("--deploy", is_flag=True,
              help="Also the settings production needs (PostgreSQL, keys, https, Redis, "
                   "SMTP).")
def check(deploy: bool) -> None:
    """Say what needs fixing, one line per check: the database at the newest migration and
    the audit key its (and with --deploy the production settings). Exit 1 on any error;
    warnings do not fail."""
    settings = _settings()
    found = deploy_check.deploy_findings(settings, os.environ) if deploy else []
    found += deploy_check.database_findings(settings)
    if deploy:
        found += deploy_check.webhook_findings(settings)
    for finding in found:
        click.echo(finding.line())
    failed = deploy_check.errors(found)
    warned = sum(1 for f in found if f.level == deploy_check.WARNING)
    if failed:
        raise Refusal(f"{failed} error(s), {warned} warning(s)")
    click.echo(f"No errors, {warned} warning(s).")


def _settings() -> Settings:
    try:
        return runtime.settings()
    except SettingError as exc:
        raise Refusal(str(exc)) from None


def _first_line(exc: BaseException) -> str:
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]


@cli.command("demo")
def load_demo() -> None:
    """Load demo data (regions, one user per role, issues in every state); print the logins."""
    _start(create=True)
    with _unit_of_work() as session:
        if demo.is_loaded(session):
            click.echo("Demo data is already loaded.")
            logins = demo.logins()
        else:
            logins = demo.load(session)
            click.echo("Demo data loaded.")
    click.echo(f"Logins (password for all: {demo.DEMO_PASSWORD}):")
    for login in logins:
        where = f" ({login.region})" if login.region else ""
        click.echo(f"  {login.email:<40} {', '.join(login.roles)}{where}")


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
def serve(host: str, port: int) -> None:
    """Run the web app on the embedded defaults (SQLite, in-process jobs)."""
    _start(create=True)
    from api import create_app

    def _exit(signum: int, frame: Any) -> NoReturn:
        raise SystemExit(0)

    # Turn SIGTERM into SystemExit so `finally` blocks (and later the worker) clean up.
    signal.signal(signal.SIGTERM, _exit)
    if not runtime.settings().redis_url:
        # No Redis, so no worker: this process runs the periodic sweeps itself.
        notify_worker.start_inline_sweeps(runtime.settings(), jobs.PERIODIC)
    app = create_app()
    click.echo(analyser.describe())
    click.echo(f"Serving on http://{host}:{port}/  (Ctrl+C stops)")
    app.run(host=host, port=port, use_reloader=False, threaded=True)


@cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Run a job worker with its scheduler and the periodic sweeps (needs REDIS_URL)."""
    _start(create=False)
    settings = runtime.settings()
    if not settings.redis_url:
        raise Refusal("REDIS_URL is not set; the worker needs a Redis server "
                      "(without one, `escalation serve` runs the jobs itself)")
    try:
        notify_worker.run(settings, jobs.PERIODIC, burst=burst)
    except RedisError as exc:
        raise Refusal(f"cannot reach Redis at {settings.redis_url}: {exc}") from None


@cli.command("sweep")
def sweep() -> None:
    """Hand over waiting notifications, write due reminders, refresh the report rollup and
    write an audit checkpoint if one is due, once (for cron or by hand)."""
    _start(create=False)
    try:
        click.echo(f"Outbox: {jobs.relay_sweep()}.")
        click.echo(f"Deadlines: {jobs.deadline_sweep()}.")
        with progress.bar("report rollup", "part") as advance:
            rolled = jobs.report_rollup(force=True, progress=advance)
        click.echo(f"Reports: {rolled}.")
        click.echo(f"Audit checkpoint: {jobs.audit_checkpoint()}.")
        click.echo(f"Subscriptions: {jobs.subscription_sweep()}.")
        click.echo(f"Webhooks: {jobs.webhook_sweep()}.")
    except RedisError as exc:
        raise Refusal(f"cannot reach Redis: {exc}") from None


@cli.group("deliveries")
def deliveries() -> None:
    """Notification e-mails that could not be delivered."""


@deliveries.command("failed")
def deliveries_failed() -> None:
    """List the deliveries that ran out of attempts (exit 0 either way)."""
    _start(create=False)
    with _unit_of_work() as session:
        rows = failures.failed(session)
    if not rows:
        click.echo("No failed deliveries.")
        return
    for row in rows:
        when = row.failed_at.isoformat(timespec="seconds") if row.failed_at else "-"
        click.echo(f"{row.id}\t{row.reference or '-'}\t{row.kind}\t{row.email}\t"
                   f"{row.attempts} attempts\t{when}\t{row.last_error or ''}")


@deliveries.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "all_failed", is_flag=True, help="Retry every failed delivery.")
def deliveries_retry(ids: tuple[int, ...], all_failed: bool) -> None:
    """Send failed deliveries again, with a fresh set of attempts: IDS, or --all."""
    if not ids and not all_failed:
        raise Refusal("name the deliveries to retry (see `escalation deliveries failed`) "
                      "or give --all")
    _start(create=False)
    with _unit_of_work() as session:
        messages = failures.retry(session, ids)
    handed = relay.hand_off(messages) if messages else 0
    click.echo(f"Retrying {len(messages)} message(s); handed over {handed}.")


@cli.group("webhook")
def webhook_group() -> None:
    """Signed webhooks: URLs told of chosen issue events (docs/webhooks.md)."""


@webhook_group.command("add")
@click.argument("url")
@click.option("--event", "events", multiple=True, required=True, metavar="EVENT",
              help=f"An event to send (repeatable): {webhooks.ALL}, or "
                   f"{', '.join(webhooks.EVENTS)}.")
@click.option("--region", "regions", multiple=True, metavar="CODE",
              help="Only the issues of this region, raised or co-raised there (repeatable; "
                   "default every region).")
def webhook_add(url: str, events: tuple[str, ...], regions: tuple[str, ...]) -> None:
    """Register URL for the events given; print its signing secret, shown this once."""
    _start(create=False)
    with _unit_of_work() as session:
        endpoint = webhooks.add(session, url, events, settings=runtime.settings(),
                                now=db.utcnow(), regions=regions)
        said = (endpoint.id, endpoint.url, ",".join(endpoint.events), endpoint.secret,
                ",".join(endpoint.regions) or "every region")
    click.echo(f"Webhook {said[0]}: {said[1]} for {said[2]}, {said[4]}.")
    click.echo(f"Secret (shown only now; keep it in the receiver's secret store): {said[3]}")


@webhook_group.command("list")
def webhook_list() -> None:
    """The endpoints: id, state, URL, events (never the secrets)."""
    _start(create=False)
    with _unit_of_work() as session:
        rows = [(e.id, e.active, e.url, ",".join(e.events),
                 ",".join(e.regions) or "every region", e.created_at)
                for e in webhooks.endpoints(session)]
    if not rows:
        click.echo("No webhooks.")
        return
    for endpoint_id, active, url, events, regions, created in rows:
        click.echo(f"{endpoint_id}\t{'active' if active else 'disabled'}\t{url}\t{events}\t"
                   f"{regions}\tadded {created.isoformat(timespec='seconds')}")


@webhook_group.command("remove")
@click.argument("endpoint_id", metavar="ID", type=int)
def webhook_remove(endpoint_id: int) -> None:
    """Delete a webhook and its delivery records (`disable` keeps them)."""
    _start(create=False)
    with _unit_of_work() as session:
        webhooks.remove(session, endpoint_id)
    click.echo(f"Removed webhook {endpoint_id}.")


@webhook_group.command("disable")
@click.argument("endpoint_id", metavar="ID", type=int)
def webhook_disable(endpoint_id: int) -> None:
    """Stop sending to a webhook; what is pending for it fails instead of going."""
    _start(create=False)
    with _unit_of_work() as session:
        webhooks.set_active(session, endpoint_id, False)
    click.echo(f"Disabled webhook {endpoint_id}.")


@webhook_group.command("enable")
@click.argument("endpoint_id", metavar="ID", type=int)
def webhook_enable(endpoint_id: int) -> None:
    """Send to a disabled webhook again, from the next event on."""
    _start(create=False)
    with _unit_of_work() as session:
        webhooks.set_active(session, endpoint_id, True)
    click.echo(f"Enabled webhook {endpoint_id}.")


@webhook_group.command("rotate-secret")
@click.argument("endpoint_id", metavar="ID", type=int)
def webhook_rotate(endpoint_id: int) -> None:
    """Give a webhook a new secret, used from the next attempt on; print it once."""
    _start(create=False)
    with _unit_of_work() as session:
        secret = webhooks.rotate(session, endpoint_id, now=db.utcnow())
    click.echo(f"New secret of webhook {endpoint_id} (shown only now): {secret}")


@webhook_group.command("deliveries")
@click.option("--failed", "failed_only", is_flag=True, help="Only those failed for good.")
@click.option("--endpoint", "endpoint_id", type=int, metavar="ID", help="Only this webhook's.")
def webhook_deliveries(failed_only: bool, endpoint_id: int | None) -> None:
    """The newest delivery records: id, webhook, event, status, attempts, last answer."""
    _start(create=False)
    with _unit_of_work() as session:
        rows = webhooks.deliveries(session, failed_only=failed_only, endpoint_id=endpoint_id)
    if not rows:
        click.echo("No failed webhook deliveries." if failed_only else "No webhook deliveries.")
        return
    for row in rows:
        done = row.delivered_at.isoformat(timespec="seconds") if row.delivered_at else "-"
        code = row.last_status_code if row.last_status_code is not None else "-"
        click.echo(f"{row.id}\twebhook {row.endpoint_id}\t{row.event_type}\t{row.event_key}\t"
                   f"{row.status}\t{row.attempts} attempts\tHTTP {code}\t{done}\t"
                   f"{row.last_error or ''}")


@webhook_group.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "all_failed", is_flag=True, help="Every failed delivery.")
@click.option("--endpoint", "endpoint_id", type=int, metavar="ID",
              help="Only this webhook's (with --all).")
def webhook_retry(ids: tuple[int, ...], all_failed: bool, endpoint_id: int | None) -> None:
    """Send failed deliveries again, with a fresh set of attempts: IDS, or --all."""
    if not ids and not all_failed:
        raise Refusal("name the deliveries to retry (see `escalation webhook deliveries "
                      "--failed`) or give --all")
    _start(create=False)
    with _unit_of_work() as session:
        again = webhooks.retry(session, ids, endpoint_id=endpoint_id)
    webhooks.hand_over(again)  # never raises: what is not handed over waits for the sweep
    click.echo(f"Retrying {len(again)} webhook delivery(ies).")


@cli.command("add-region")
@click.argument("code")
@click.argument("name")
@click.option("--name-sv", help="The Swedish name (defaults to NAME).")
@click.option("--name-in", "names_in", multiple=True, metavar="LANGUAGE NAME",
              type=(click.Choice(LANGUAGES), str),
              help="The name in another language (repeat for several), e.g. --name-in sv "
                   "Birkaland; a language without one shows NAME.")
def add_region(code: str, name: str, name_sv: str | None,
               names_in: tuple[tuple[str, str], ...]) -> None:
    """Add a region: CODE is a lower-case slug (e.g. pirkanmaa), NAME its Finnish name."""
    _start(create=False)
    names = {**dict(names_in), DEFAULT: name}
    if name_sv:
        names["sv"] = name_sv
    with _unit_of_work() as session:
        region = people.add_region(session, code=code, names=names)
        click.echo(f"Region {region.code} added: {region.name_in(DEFAULT)}")


@cli.command("add-user")
@click.argument("email")
@click.option("--name", required=True, help="The person's full name.")
@click.option("--role", "roles", multiple=True, required=True,
              help=f"A role (repeat for several): {', '.join(r.value for r in Role)}.")
@click.option("--region", help="Region code, for a regional_lead.")
@click.option("--organisation", help="The organisation they speak for (created if new).")
@click.option("--password", help="Sign-in password (at least 12 characters).")
@click.option("--locale", default=DEFAULT, show_default=True, type=click.Choice(LANGUAGES))
def add_user(email: str, name: str, roles: tuple[str, ...], region: str | None,
             organisation: str | None, password: str | None, locale: str) -> None:
    """Add a person with roles."""
    _start(create=False)
    with _unit_of_work() as session:
        user = people.add_user(session, email=email, name=name, roles=list(roles),
                               region=region, organisation=organisation, password=password,
                               locale=locale)
        click.echo(f"User {user.email} added: {', '.join(roles)}")
    if password is None:
        click.echo("No password set: this person can use API tokens but cannot sign in yet.",
                   err=True)


@cli.command("set-password")
@click.argument("email")
@click.password_option(help="The new sign-in password (at least 12 characters); asked for "
                       "twice when not given.")
def set_password(email: str, password: str) -> None:
    """Set the sign-in password of EMAIL; every web session they have ends."""
    _start(create=False)
    with _unit_of_work() as session:
        user = people.set_password(session, email=email, password=password)
        click.echo(f"Password set for {user.email}; their web sessions have ended.")


@cli.command("create-token")
@click.argument("email")
@click.option("--name", default="command line", show_default=True, help="What the token is for.")
def create_token(email: str, name: str) -> None:
    """Print a new API token for EMAIL, alone on stdout (it is shown only once)."""
    _start(create=False)
    with _unit_of_work() as session:
        token, row = people.create_token(session, email=email, name=name)
        expires = row.expires_at
    click.echo(token)
    if expires is not None:
        click.echo(f"Expires {expires.date().isoformat()}.", err=True)


@cli.command("verify-audit")
@click.option("--jobs", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Processes to verify with (each walks its own ranges of issues).")
def verify_audit(jobs: int) -> None:
    """Walk every audit chain and hold the log against the newest checkpoint: exit 0 if
    intact, 1 naming the first bad event or what is missing if not."""
    url = _start(create=False)
    settings = runtime.settings()
    key = settings.audit_key
    with progress.bar("verifying", "issue") as advance, _unit_of_work() as session:
        walk = (partial(audit_verify.verify_parallel, url, key, jobs=jobs, progress=advance)
                if jobs > 1 else None)
        result = checkpoint.report(session, key, settings.checkpoints, walk=walk,
                                   progress=advance)
    held = result.checkpoint
    if result.ok:
        click.echo(f"Audit log intact: {result.events} events verified.")
        if held is None:
            click.echo(f"No checkpoint to hold it against in {settings.checkpoints}.")
        else:
            click.echo(f"Nothing missing since checkpoint {held.file} (taken "
                       f"{held.taken_at}: {held.issues} issues, {held.events} events).")
        return
    if result.wrong_key:
        raise Refusal(WRONG_KEY)
    parts = []
    if not result.chains_ok:
        bad = result.first_bad or audit_verify.BadEvent("?", 0, "unknown")
        parts.append(f"audit log broken at {bad.issue} event {bad.seq}: {bad.reason} "
                     f"({result.events} events checked)")
    if held is not None and not held.signature_ok:
        parts.append(f"checkpoint {held.file}: {held.reason}")
    if result.missing and held is not None:
        shown = [f"{m.issue} {m.reason}" for m in result.missing[:MISSING_SHOWN]]
        if len(result.missing) > MISSING_SHOWN:
            shown.append(f"and {len(result.missing) - MISSING_SHOWN} more")
        parts.append(f"audit log incomplete against checkpoint {held.file} (taken "
                     f"{held.taken_at}): {'; '.join(shown)}")
    raise Refusal(" | ".join(parts))


MISSING_SHOWN = 20  # losses named on the one line; the API lists them all


@cli.group("search")
def search_group() -> None:
    """The search index (issue 18): which analyser is in use, rebuilding the index."""


@search_group.command("status")
def search_status() -> None:
    """Say which analyser search uses (Voikko's Finnish base forms, or Snowball's)."""
    click.echo(analyser.describe())


@search_group.command("reindex")
def search_reindex() -> None:
    """Analyse every issue's texts again and rewrite the index, in one transaction (after
    installing Voikko, or after an analyser's update)."""
    _start(create=False)
    with _unit_of_work() as session:
        done = search_index.reindex_all(session)
    click.echo(f"{analyser.describe()}\nIndexed {done} issues.")


@cli.group("audit")
def audit_group() -> None:
    """The audit log's anchors outside the database."""


@audit_group.command("checkpoint")
def audit_checkpoint() -> None:
    """Write a signed checkpoint of every chain's head to the checkpoint folder now."""
    _start(create=False)
    click.echo(jobs.audit_checkpoint(force=True))


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=argv, prog_name="escalation")


if __name__ == "__main__":
    main()

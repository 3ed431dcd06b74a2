"""Finding an issue the caller may see, and claiming it for a change (the optimistic lock)."""

from __future__ import annotations

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.interfaces import ORMOption

from escalation import runtime
from escalation.errors import Conflict, NotFound
from escalation.models import Issue, User
from escalation.policy import Actor, can_see
from escalation.text import has_control
from escalation.workflow import engine
from escalation.workflow.definition import Workflow


def user_of(session: Session, actor: Actor) -> User:
    """The acting person's row (for the audit record and authorship)."""
    user = session.get(User, actor.user_id)
    if user is None:  # a deleted account with a live session or token
        raise NotFound("Unknown user.")
    return user


def get_visible(session: Session, reference: str, actor: Actor,
                *load: ORMOption) -> Issue:
    """The issue, if it exists and the actor may see it; otherwise the same NotFound.

    `load`: loader options for what the caller will read with it (its region, say), so
    that comes in the same statement.
    """
    # A control character names no issue; PostgreSQL would refuse the query itself (NUL).
    issue = None if has_control(reference) else session.scalar(
        select(Issue).where(Issue.reference == reference).options(*load))
    return _seen(issue, reference, actor)


def _seen(issue: Issue | None, reference: str, actor: Actor) -> Issue:
    if issue is None or not can_see(actor, issue):
        raise NotFound(f"No issue {reference}.")
    return issue


# Built once: this runs on every change, and building the statement costs about as much
# as running it.
_LOCK = (
    select(Issue).where(Issue.reference == bindparam("reference"))
    .options(joinedload(Issue.region, innerjoin=True))
    .with_for_update(of=Issue)
    .execution_options(populate_existing=True)
)


def lock_visible(session: Session, reference: str, actor: Actor,
                 expected_version: int | None) -> Issue:
    """`get_visible` and the version check of `claim` in one statement, for a change.

    `SELECT ... FOR UPDATE` reads the latest committed row and holds it until commit (on
    SQLite the writer's lock taken at BEGIN does the same), so the version compared here
    is the one the change will bump: of two concurrent changes naming the same version,
    the second waits for the first and then sees its version, and is refused. The
    region comes in the same statement, for the answer. The caller bumps the version
    together with its other changes (one UPDATE). Refusals come in the contract's
    order: not visible (404), then stale (409).
    """
    issue = _seen(None if has_control(reference) else session.scalar(
        _LOCK, {"reference": reference}), reference, actor)
    if expected_version is not None and issue.version != expected_version:
        raise Conflict(issue.version, expected_version)
    return issue


def claim(session: Session, issue: Issue, expected_version: int | None) -> None:
    """Bump the version if it is still `expected_version`, or refuse with Conflict.

    The conditional UPDATE is both the check and the lock: on PostgreSQL it holds the
    row until commit, so of two concurrent changes naming the same version exactly one
    wins. `None` (statements, comments: the contract does not ask for a version)
    claims whatever version is current, still serialising the audit chain.
    """
    if expected_version is not None and issue.version != expected_version:
        raise Conflict(issue.version, expected_version)
    condition = Issue.id == issue.id
    if expected_version is not None:
        condition = condition & (Issue.version == expected_version)
    result = session.execute(
        update(Issue)
        .where(condition)
        .values(version=Issue.version + 1)
        .execution_options(synchronize_session=False)
    )
    session.refresh(issue)  # the latest committed row, now ours until commit
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(issue.version, expected_version)


def open_for(
    session: Session, reference: str, *, actor: Actor, activity: str,
    expected_version: int | None,
) -> Issue:
    """Find, claim and check a change that keeps the state (edit, statement, comment...).

    The refusals come in the contract's order: not visible (404), stale (409), not in
    this state (422), not for these roles (403).
    """
    issue = get_visible(session, reference, actor)
    claim(session, issue, expected_version)
    engine.permit(workflow_of(issue), issue.state, activity, actor.roles_on(issue))
    return issue


def workflow_of(issue: Issue) -> Workflow:
    """The definition the issue is pinned to, never simply the newest one."""
    return runtime.registry().get(issue.workflow_name, issue.workflow_version)

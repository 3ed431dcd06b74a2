"""A decided issue's follow-up due moment: the last second of the date, not the midnight after.

The due moment of a decision's follow-up date was the midnight after that day in the
service's time zone, and every page, queue, mail and the API showed its local date: the
next day (30.11. as 1.12.). It is now 23:59:59 of the date itself (issue 15, item 6;
engine.end_of_day). This moves the due moment of every issue waiting for its follow-up
(state `decided`, a decision with a follow-up date) to that second; going down, to the
midnight after. The time zone is the service's (`ESCALATION_TIMEZONE`, default
Europe/Helsinki), as the application reads it. A changed notice key means a follow-up
already reminded of may be reminded once more after the upgrade.

Revision ID: h015
Revises: i015
Create Date: 2026-12-06 12:20:00
"""

import datetime as dt
import os
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = 'h015'
down_revision: str | None = 'i015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ISSUES = sa.table('issues', sa.column('id', sa.Integer()), sa.column('state', sa.String()),
                   sa.column('decision_id', sa.Integer()),
                   sa.column('due_at', sa.DateTime(timezone=True)))
_DECISIONS = sa.table('decisions', sa.column('id', sa.Integer()),
                      sa.column('follow_up_due', sa.Date()))


def _moments(end_of_day: bool) -> None:
    bind = op.get_bind()
    zone = ZoneInfo(os.environ.get('ESCALATION_TIMEZONE') or 'Europe/Helsinki')
    rows = bind.execute(
        sa.select(_ISSUES.c.id, _DECISIONS.c.follow_up_due)
        .join(_DECISIONS, _DECISIONS.c.id == _ISSUES.c.decision_id)
        .where(_ISSUES.c.state == 'decided', _ISSUES.c.due_at.is_not(None),
               _DECISIONS.c.follow_up_due.is_not(None))
    ).all()
    sqlite = bind.dialect.name == 'sqlite'
    for issue_id, day in rows:
        if isinstance(day, str):  # SQLite may hand back text
            day = dt.date.fromisoformat(day)
        if end_of_day:
            local = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=zone)
        else:
            local = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        moment = local.astimezone(dt.UTC)
        # SQLite keeps naive UTC (escalation.db.UTCDateTime); PostgreSQL an aware value.
        value = moment.replace(tzinfo=None) if sqlite else moment
        bind.execute(sa.update(_ISSUES).where(_ISSUES.c.id == issue_id).values(due_at=value))


def upgrade() -> None:
    _moments(end_of_day=True)


def downgrade() -> None:
    _moments(end_of_day=False)

"""Issue 15, item 14: every figure of the reports page links to the issues behind it, and
the linked list has exactly as many rows as the figure says, for each kind of figure
(total, overdue, stage, region, category, time in stage, sent and decided per month),
as each reader sees them (visibility), with the page's filters kept."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from escalation.db import utcnow
from escalation.models import Issue
from tests.factories import REQUEST, World, act, draft_at, issue_in
from tests.web.conftest import SignIn

DAY = dt.timedelta(days=1)
# The last half hour of October in UTC is already November in Helsinki: the month
# figures count UTC months, and their lists must too.
EDGE = dt.datetime(2026, 10, 31, 23, 30, tzinfo=dt.UTC)
NOV = dt.datetime(2026, 11, 10, 9, 0, tzinfo=dt.UTC)

# A figure's link: in the totals, the tables' number cells and the stage chart's count.
LINK = re.compile(r'<a (?:class="bar-more" )?href="(/lists/all[^"]*)">([^<]+)</a>')


def _population(session: Session, world: World) -> None:
    """Issues of every kind a figure counts, some the lead may not see."""
    early = draft_at(session, world, EDGE - DAY)
    act(session, early, world.lead, "submit", EDGE)
    act(session, early, world.coordinator, "forward", EDGE + DAY, **REQUEST)
    later = draft_at(session, world, NOV - DAY, category="legislation")
    act(session, later, world.lead, "submit", NOV)
    act(session, later, world.coordinator, "answer_locally", NOV + DAY, answer="Vastaus.")
    issue_in(session, world, "submitted", category="funding")
    issue_in(session, world, "decided")
    issue_in(session, world, "clarification_requested")
    issue_in(session, world, "draft", category=None)  # counted under "not chosen"
    late = issue_in(session, world, "awaiting_statement")
    late.due_at = utcnow() - DAY  # overdue now
    # Another region's restricted issue: the coordinator sees it, the lead does not.
    hidden = issue_in(session, world, "submitted", visibility="restricted",
                      lead=world.other_lead, region="pirkanmaa")
    hidden.due_at = utcnow() - DAY
    issue_in(session, world, "decided", visibility="restricted", lead=world.other_lead,
             region="pirkanmaa")
    session.flush()


def _figures(page: str) -> list[tuple[str, int]]:
    """Every figure's link on the page with the number it shows (a chart's labels link
    to the same lists as the numbers of its table)."""
    found = []
    for href, text in LINK.findall(page):
        if not (digits := re.sub(r"\D", "", text)):
            continue
        found.append((htmllib.unescape(href), int(digits)))
    return found


def _rows(c: FlaskClient, href: str) -> int:
    """How many issues the linked list shows, over all its pages."""
    rows, url = 0, href
    while url:
        page = c.get(url)
        assert page.status_code == 200, (href, page.status_code)
        html = page.get_data(as_text=True)
        rows += len(re.findall(r'<td[^>]*><a href="/issues/', html))
        nxt = re.search(r'<a href="([^"]+)" rel="next"', html)
        url = htmllib.unescape(nxt.group(1)) if nxt else ""
    return rows


@pytest.mark.parametrize("who", ["lead", "coordinator"])
@pytest.mark.parametrize("query", ["", "?region=uusimaa", "?from=2026-10-31&to=2026-12-31"])
def test_every_figure_opens_the_list_of_exactly_its_issues(
        sign_in: SignIn, session: Session, world: World, who: str, query: str) -> None:
    _population(session, world)
    c = sign_in(who)
    page = c.get(f"/reports/{query}")
    assert page.status_code == 200
    figures = _figures(page.get_data(as_text=True))
    kinds = {key for href, n in figures if n for key in re.findall(r"[?&](\w+)=", href)}
    # Each kind of figure has a link with issues behind it (the month kinds and the
    # stage measured are here in every variant; "from" only when the page has it).
    assert {"state", "region", "category", "overdue", "left", "sent_in",
            "decided_in"} <= kinds, kinds
    for key in ("region", "from", "to"):
        if f"{key}=" in query:
            assert all(f"{key}=" in href for href, _ in figures), key
    for href, n in figures:
        assert _rows(c, href) == n, (who, href)


def test_what_the_lead_may_not_see_is_in_neither_the_figure_nor_its_list(
        sign_in: SignIn, session: Session, world: World) -> None:
    _population(session, world)
    lead, coordinator = sign_in("lead"), sign_in("coordinator")
    overdue = "/lists/all?overdue=yes"
    # Overdue: the statement round of October's issue and `late`; and for the
    # coordinator the other region's restricted issue as well.
    assert (_rows(lead, overdue), _rows(coordinator, overdue)) == (2, 3)
    lead_total = dict(_figures(lead.get("/reports/").get_data(as_text=True)))["/lists/all"]
    all_total = dict(_figures(coordinator.get("/reports/").get_data(as_text=True)))
    # The coordinator sees both of the other region's issues but none of the drafts.
    visible = session.query(Issue).count()
    assert lead_total == visible - 2
    assert all_total["/lists/all"] == visible - 1


def test_the_lists_further_filters_say_what_is_wrong(sign_in: SignIn, session: Session,
                                                    world: World) -> None:
    _population(session, world)
    c = sign_in("coordinator")
    bad = c.get("/lists/all?sent_in=2026-13&from=2026-12-01&to=2026-11-01",
                headers={"Accept-Language": "en"})
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "Write the month as year-month, e.g. 2026-11." in html
    assert "<details class=\"more-filters\" open>" in html
    assert c.get("/lists/all?left=closed").status_code == 400  # time in closed is not measured
    assert 'open>' not in c.get("/lists/all").get_data(as_text=True).split("more-filters")[1][:8]

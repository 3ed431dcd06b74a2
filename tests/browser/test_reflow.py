"""Phones (issue 15, item 9; WCAG 1.4.10 Reflow): every page of the demo, for each role,
at 320 and 390 CSS px, in Finnish and Swedish (the longer words).

Nothing scrolls sideways (`document.documentElement.scrollWidth <= innerWidth`); a box
that scrolls sideways inside the page is a focusable region with a label, so a keyboard
can scroll it and a screen reader names it. No text of a drawing or chart renders below
12 px (its font size times the drawing's scale). axe-core runs on the narrow pages too.
Screenshots of each page at 1280 and 390 px go to test-artifacts/issue15/. Each page
must answer 200 (or the status `STATUS` documents): an error page that reflows is no pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, Server, Visit, open_tab, sign_in
from tests.browser.test_accessibility import (
    ADMIN,
    COORDINATOR,
    LANGUAGES,
    LEAD,
    MEMBER,
    MINISTRY_CHAIR,
    PAGES,
    STAKEHOLDER_CHAIR,
    _go,
)
from tests.browser.test_people_admin import link_mailed_to

OBSERVER = "observer@demo.example"
OBSERVER_NAME = "Elina Saarikoski"
SHOTS = ARTIFACTS / "issue15"


def _issue_seen_by(start: str) -> Callable[[Visit], None]:
    """The first issue linked from `start` (a lead's tasks, the reports...)."""
    def prepare(tab: Visit) -> None:
        tab.go(start)
        link = tab.page.get_by_role("main").locator("a[href^='/issues/ESC-']").first
        assert link.count() == 1, f"no issue linked from {start}"
        tab.go(link.get_attribute("href") or "")
    return prepare


def _first_failed_mail(tab: Visit) -> None:
    tab.go("/admin/mail")
    link = tab.page.get_by_role("main").locator("a[href^='/admin/mail/']").first
    if link.count():
        tab.go(link.get_attribute("href") or "")


def _first_person(tab: Visit) -> None:
    """The administrator's page of one person (edit, deactivate, send a link)."""
    tab.go("/admin/")
    link = tab.page.get_by_role("main").locator("a[href^='/admin/users/']").first
    assert link.count() == 1, "no person linked from /admin/"
    tab.go(link.get_attribute("href") or "")


def _feedback_errors(tab: Visit) -> None:
    """The accessibility statement's feedback form sent empty: every error shown."""
    tab.go("/accessibility")
    form = tab.page.locator("form:has(textarea)")
    with tab.page.expect_navigation() as nav:
        form.locator("[type=submit]").click()
    assert nav.value is not None
    assert nav.value.status == 422


def _set_password_page(tab: Visit, server: Server) -> None:
    """The page a mailed set-password link opens: the administrator sends the observer a
    link (in a browser context of their own), the observer's tab opens it."""
    admin = open_tab(tab.page.context.browser, server, "fi-FI")
    try:
        sign_in(admin, ADMIN)
        admin.go("/admin/")
        admin.page.get_by_role("link", name=OBSERVER_NAME, exact=True).click()
        with admin.page.expect_navigation():
            admin.page.locator("form[action$='/password-link'] [type=submit]").click()
    finally:
        admin.page.context.close()
    tab.go(link_mailed_to(server, OBSERVER))
    assert tab.page.locator("input[type=password]").count() == 2


PAGES_BY_ROLE: dict[str, tuple[str | None, Callable[[Visit], None]]] = {
    **PAGES,
    "lead-issue": (LEAD, _issue_seen_by("/")),  # an issue awaiting the region
    "lead-reports": (LEAD, _go("/reports/")),
    "member-queue": (MEMBER, _go("/queues/stakeholders")),
    "observer-home": (OBSERVER, _go("/")),
    "observer-reports": (OBSERVER, _go("/reports/")),
    "admin-mail": (ADMIN, _go("/admin/mail")),
    "admin-mail-one": (ADMIN, _first_failed_mail),
    "stakeholder-chair-issue": (STAKEHOLDER_CHAIR, _issue_seen_by("/queues/stakeholders")),
    "coordinator-reports": (COORDINATOR, _go("/reports/")),
    "ministry-issue": (MINISTRY_CHAIR, _issue_seen_by("/queues/working_group")),
    "list-region": (LEAD, _go("/lists/region")),
    "list-mine": (LEAD, _go("/lists/mine")),
    "list-all": (COORDINATOR, _go("/lists/all")),
    "list-all-observer": (OBSERVER, _go("/lists/all")),
    "admin-person": (ADMIN, _first_person),
    "admin-feedback": (ADMIN, _go("/admin/feedback")),
    "accessibility": (None, _go("/accessibility")),
    "accessibility-feedback-errors": (None, _feedback_errors),
    "lead-issue-decided": (LEAD, _go("/issues/ESC-2026-0002")),
    "issue-way-drawn": (LEAD, _go("/issues/ESC-2026-0002/workflow")),
    "lead-delete-draft": (LEAD, _go("/issues/ESC-2026-0016/delete")),
    "stakeholder-chair-round": (STAKEHOLDER_CHAIR, _go("/issues/ESC-2026-0011")),
}
# The main document's status of each page where it is not 200: the page for an address
# that is none (404), and forms sent with errors, shown beside the fields (422).
STATUS = {
    "not-found": 404,
    "new-issue-errors": 422,
    "issue-decision-errors": 422,
    "accessibility-feedback-errors": 422,
}
# The last main-document response of each tab's page (redirects followed), by id(page).
_LAST_STATUS: dict[int, int] = {}


def _watch_status(tab: Visit) -> None:
    """Remember the status of every page the tab's main frame loads (the last one wins)."""
    page = tab.page

    def seen(response: Any) -> None:
        if response.request.is_navigation_request() and response.frame == page.main_frame:
            _LAST_STATUS[id(page)] = response.status
    page.on("response", seen)


def _assert_status(name: str, tab: Visit) -> None:
    got = _LAST_STATUS.get(id(tab.page))
    assert got == STATUS.get(name, 200), f"{name} answered {got} at {tab.page.url}"


# Pages that need the server itself (its mail folder) to be reached.
SERVER_PAGES: dict[str, tuple[str | None, Callable[[Visit, Server], None]]] = {
    "set-password": (None, _set_password_page),
}


def _prepare(name: str, tab: Visit, server: Server) -> None:
    if name in SERVER_PAGES:
        SERVER_PAGES[name][1](tab, server)
    else:
        PAGES_BY_ROLE[name][1](tab)

Tabs = Callable[[str | None, str, int], Visit]

# Lengths in CSS px: the page's overflow, the smallest drawing text, the scroll boxes.
MEASURE = """() => {
  const root = document.documentElement;
  const small = [];
  for (const t of document.querySelectorAll('svg text')) {
    const box = t.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;  // not rendered (hidden)
    const m = t.getScreenCTM();
    const scale = Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
    const px = parseFloat(getComputedStyle(t).fontSize) * scale;
    if (px < 11.99) small.push(`${t.textContent.trim()}: ${px.toFixed(1)} px`);
  }
  const boxes = [];
  for (const el of document.querySelectorAll('body *')) {
    const style = getComputedStyle(el);
    if (!['auto', 'scroll'].includes(style.overflowX)) continue;
    if (el.scrollWidth <= el.clientWidth + 1) continue;  // does not scroll now
    const named = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    if (el.getAttribute('tabindex') !== '0' || el.getAttribute('role') !== 'region' || !named)
      boxes.push(el.outerHTML.slice(0, 120));
  }
  const wide = [];
  for (const el of document.querySelectorAll('main *, header *, footer *')) {
    const r = el.getBoundingClientRect();
    if (r.right > innerWidth + 1 && !el.closest('[role=region][tabindex="0"]'))
      wide.push(el.outerHTML.slice(0, 100));
  }
  return {scrollWidth: root.scrollWidth, innerWidth, small, boxes, wide: wide.slice(0, 5)};
}"""


@pytest.fixture(scope="module")
def tabs(browser: Any, server: Server) -> Iterator[Tabs]:
    """One browser context per person, signed in once; language and width set per test."""
    opened: dict[str | None, Visit] = {}
    current: dict[str | None, str] = {}

    def get(who: str | None, lang: str, width: int) -> Visit:
        if who not in opened:
            opened[who] = tab = open_tab(browser, server, "fi-FI")
            _watch_status(tab)
            tab.go("/")
            if who:
                sign_in(tab, who)
            current[who] = "fi"
        tab = opened[who]
        tab.page.set_viewport_size({"width": width, "height": 800})
        if current[who] != lang:
            tab.go("/")
            with tab.page.expect_navigation():
                tab.page.get_by_role("button", name=LANGUAGES[lang], exact=True).click()
            current[who] = lang
        return tab

    yield get
    for tab in opened.values():
        tab.page.context.close()


@pytest.mark.parametrize("lang", ["fi", "sv"])
@pytest.mark.parametrize("width", [320, 390])
@pytest.mark.parametrize("name", [*PAGES_BY_ROLE, *SERVER_PAGES])
def test_page_reflows_on_a_phone(tabs: Tabs, server: Server, name: str, width: int,
                                 lang: str) -> None:
    who = {**PAGES_BY_ROLE, **SERVER_PAGES}[name][0]
    tab = tabs(who, lang, width)
    tab.errors.clear()
    _LAST_STATUS.pop(id(tab.page), None)
    _prepare(name, tab, server)
    _assert_status(name, tab)
    got = tab.page.evaluate(MEASURE)
    assert got["scrollWidth"] <= got["innerWidth"], (
        f"{name} is {got['scrollWidth']} px wide at {width} px: {got['wide']}")
    assert not got["small"], f"drawing text below 12 px on {name}: {got['small']}"
    assert not got["boxes"], f"a sideways scroll box without a label or focus: {got['boxes']}"
    if width == 390:
        tab.axe()
    assert not tab.errors, f"errors in the browser: {tab.errors}"


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("name", [*PAGES_BY_ROLE, *SERVER_PAGES])
def test_screenshots_of_every_page(tabs: Tabs, server: Server, name: str, width: int) -> None:
    """The pages as people see them on a desktop and a phone, for review (not compared)."""
    who = {**PAGES_BY_ROLE, **SERVER_PAGES}[name][0]
    tab = tabs(who, "fi", width)
    _LAST_STATUS.pop(id(tab.page), None)
    _prepare(name, tab, server)
    _assert_status(name, tab)
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    assert (SHOTS / f"{name}-{width}.png").stat().st_size > 0


CHARTS = """() => [...document.querySelectorAll('ul.bars')].map(list => {
  const texts = [...list.querySelectorAll('.bar-label, .bar-value')].map(
    t => parseFloat(getComputedStyle(t).fontSize));
  const tracks = [...list.querySelectorAll('.bar-track')].map(t => t.getBoundingClientRect().width);
  const bars = [...list.querySelectorAll('rect')].map(r => r.getBoundingClientRect().width);
  return {width: list.getBoundingClientRect().width, track: Math.max(...tracks),
          widest: Math.max(...bars), text: [Math.min(...texts), Math.max(...texts)],
          body: parseFloat(getComputedStyle(document.body).fontSize)};
})"""


@pytest.mark.parametrize("width", [1280, 320])
def test_charts_use_the_width_they_have(tabs: Tabs, width: int) -> None:
    """A chart fills a desktop's column (not a phone's 320 px drawn small in a corner),
    and fits a phone; its words are the page's own text at every width, never shrunk
    with a drawing, and its longest bar runs the length of its track."""
    tab = tabs(COORDINATOR, "fi", width)
    assert tab.go("/reports/").status == 200
    charts = tab.page.evaluate(CHARTS)
    assert len(charts) >= 3
    main = tab.page.get_by_role("main").bounding_box()
    assert main is not None
    for chart in charts:
        assert chart["width"] >= min(main["width"] - 40, 600), chart
        assert chart["widest"] >= chart["track"] * 0.99, chart  # the longest bar, not a stub
        assert chart["text"][0] >= 12, chart
        assert chart["text"][0] >= chart["body"] * 0.99, chart

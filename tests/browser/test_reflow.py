"""Phones (issue 15, item 9; WCAG 1.4.10 Reflow): every page of the demo, for each role,
at 320 and 390 CSS px, in Finnish and Swedish (the longer words).

Nothing scrolls sideways (`document.documentElement.scrollWidth <= innerWidth`); a box
that scrolls sideways inside the page is a focusable region with a label, so a keyboard
can scroll it and a screen reader names it. No text of a drawing or chart renders below
12 px (its font size times the drawing's scale). axe-core runs on the narrow pages too.
Screenshots of each page at 1280 and 390 px go to test-artifacts/issue15/.
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

OBSERVER = "observer@demo.example"
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
}

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
@pytest.mark.parametrize("name", PAGES_BY_ROLE)
def test_page_reflows_on_a_phone(tabs: Tabs, name: str, width: int, lang: str) -> None:
    who, prepare = PAGES_BY_ROLE[name]
    tab = tabs(who, lang, width)
    tab.errors.clear()
    prepare(tab)
    got = tab.page.evaluate(MEASURE)
    assert got["scrollWidth"] <= got["innerWidth"], (
        f"{name} is {got['scrollWidth']} px wide at {width} px: {got['wide']}")
    assert not got["small"], f"drawing text below 12 px on {name}: {got['small']}"
    assert not got["boxes"], f"a sideways scroll box without a label or focus: {got['boxes']}"
    if width == 390:
        tab.axe()
    assert not tab.errors, f"errors in the browser: {tab.errors}"


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("name", PAGES_BY_ROLE)
def test_screenshots_of_every_page(tabs: Tabs, name: str, width: int) -> None:
    """The pages as people see them on a desktop and a phone, for review (not compared)."""
    who, prepare = PAGES_BY_ROLE[name]
    tab = tabs(who, "fi", width)
    prepare(tab)
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    assert (SHOTS / f"{name}-{width}.png").stat().st_size > 0

"""The page sweep of issue 15: every page of the demo, as each role sees it, in Finnish,
Swedish and English: axe-core (WCAG 2.1 A and AA) finds nothing, and each page is
photographed for people to look at.

Pages: the front page, sign-in (and its errors), the accessibility statement, a missing
page; each role's start page (tasks), queue and lists; an issue in each of the eight
states (the lead's view) and the issues where the other roles act, with their step forms
open; the new-issue form (and its errors), a draft's edit form, the decision form's
errors; reports; the administrator's pages.

Cost, kept reasonable: axe on every page in all three languages at 1280 px; screenshots
at 1280 and 390 px in Finnish and Swedish, English at 1280 only, into
test-artifacts/issue15/pages/<role>-<page>-<lang>-<width>.png. At 390 px each screenshot
also checks that nothing scrolls sideways (one assertion; tests/browser/test_reflow.py
owns the reflow checks at 320 and 390 px). The sweep has a demo of its own, so the
journeys (tests/browser/test_journeys_by_role.py) cannot change what it finds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from escalation.languages import NAMES
from tests.browser.conftest import (
    ARTIFACTS,
    Server,
    Visit,
    demo_instance,
    open_tab,
    serving,
    sign_in,
)

SHOTS = ARTIFACTS / "issue15" / "pages"
LANGUAGES = tuple(NAMES)  # fi, sv, en
WIDTHS = {"fi": (1280, 390), "sv": (1280, 390), "en": (1280,)}
HEIGHT = {1280: 900, 390: 844}

LEAD = "lead.pirkanmaa@demo.example"
COORDINATOR = "coordinator@demo.example"
MEMBER = "member.lskl@demo.example"
STAKEHOLDER_CHAIR = "chair.stakeholders@demo.example"
MINISTRY_CHAIR = "chair.workinggroup@demo.example"
OBSERVER = "observer@demo.example"
ADMIN = "admin@demo.example"

Prepare = Callable[[Visit], None]


def go(path: str, status: int = 200) -> Prepare:
    def prepare(tab: Visit) -> None:
        response = tab.go(path)
        assert response.status == status, f"{path} answered {response.status}"
    return prepare


def sent_empty(path: str, status: int = 422) -> Prepare:
    """The page's first form sent as it is: the page again, with its errors."""
    def prepare(tab: Visit) -> None:
        tab.go(path)
        with tab.page.expect_navigation() as nav:
            tab.page.get_by_role("main").locator("form [type=submit]").first.click()
        assert nav.value is not None
        assert nav.value.status == status, f"{path} sent empty answered {nav.value.status}"
    return prepare


def issue(reference: str, *, fail: str | None = None) -> Prepare:
    """An issue page with its step forms open; with `fail`, that step sent empty first."""
    def prepare(tab: Visit) -> None:
        go(f"/issues/{reference}")(tab)
        page = tab.page
        if fail is not None:
            selector = f"form[action$='/actions/{fail}']"
            page.locator("details.step").filter(has=page.locator(selector)).locator(
                "summary").click()
            with page.expect_navigation() as nav:
                page.locator(f"{selector} [type=submit]").click()
            assert nav.value is not None
            assert nav.value.status == 422
        steps = page.locator("main details.step:not(.timeline details)")
        for i in range(steps.count()):
            if steps.nth(i).get_attribute("open") is None:
                steps.nth(i).locator("summary").click()
    return prepare


def first_link(path: str, prefix: str) -> Prepare:
    """The first link under `prefix` on the page at `path`, followed."""
    def prepare(tab: Visit) -> None:
        go(path)(tab)
        link = tab.page.get_by_role("main").locator(f"a[href^='{prefix}']").first
        go(link.get_attribute("href") or "")(tab)
    return prepare


# "<role>-<page>" -> (who, how to get there); the demo's issues by the state they are in.
PAGES: dict[str, tuple[str | None, Prepare]] = {
    "visitor-front": (None, go("/")),
    "visitor-sign-in": (None, go("/login")),
    "visitor-sign-in-errors": (None, sent_empty("/login", 200)),  # the sign-in form answers 200
    "visitor-accessibility-statement": (None, go("/accessibility")),
    "visitor-not-found": (None, go("/no-such-page", 404)),
    "lead-tasks": (LEAD, go("/")),
    "lead-new-issue": (LEAD, go("/issues/new")),
    "lead-new-issue-errors": (LEAD, sent_empty("/issues/new")),
    "lead-region-issues": (LEAD, go("/lists/region")),
    "lead-my-issues": (LEAD, go("/lists/mine")),
    "lead-all-issues": (LEAD, go("/lists/all")),
    "lead-issue-draft": (LEAD, issue("ESC-2026-0016")),
    "lead-edit-draft": (LEAD, go("/issues/ESC-2026-0016/edit")),
    "lead-delete-draft": (LEAD, go("/issues/ESC-2026-0016/delete")),
    "lead-issue-submitted": (LEAD, issue("ESC-2026-0006")),
    "lead-issue-clarification-requested": (LEAD, issue("ESC-2026-0010")),
    "lead-issue-awaiting-statement": (LEAD, issue("ESC-2026-0009")),
    "lead-issue-awaiting-decision": (LEAD, issue("ESC-2026-0003")),
    "lead-issue-decided": (LEAD, issue("ESC-2026-0002")),
    "lead-issue-closed": (LEAD, issue("ESC-2026-0001")),
    "lead-issue-withdrawn": (LEAD, issue("ESC-2026-0005")),
    "lead-issue-workflow": (LEAD, go("/issues/ESC-2026-0002/workflow")),
    "lead-reports": (LEAD, go("/reports/")),
    "coordinator-tasks": (COORDINATOR, go("/")),
    "coordinator-queue": (COORDINATOR, go("/queues/backbone")),
    "coordinator-issue-submitted": (COORDINATOR, issue("ESC-2026-0012")),
    "coordinator-issue-decided": (COORDINATOR, issue("ESC-2026-0002")),
    "coordinator-my-issues": (COORDINATOR, go("/lists/mine")),
    "member-tasks": (MEMBER, go("/")),
    "member-queue": (MEMBER, go("/queues/stakeholders")),
    "member-issue-statement": (MEMBER, issue("ESC-2026-0009")),
    "stakeholder-chair-queue": (STAKEHOLDER_CHAIR, go("/queues/stakeholders")),
    "stakeholder-chair-issue-round": (STAKEHOLDER_CHAIR, issue("ESC-2026-0011")),
    "ministry-chair-tasks": (MINISTRY_CHAIR, go("/")),
    "ministry-chair-queue": (MINISTRY_CHAIR, go("/queues/working_group")),
    "ministry-chair-issue-decision": (MINISTRY_CHAIR, issue("ESC-2026-0008")),
    "ministry-chair-issue-decided": (MINISTRY_CHAIR, issue("ESC-2026-0002")),
    "ministry-chair-issue-decision-errors": (MINISTRY_CHAIR, issue("ESC-2026-0003", fail="decide")),
    "observer-tasks": (OBSERVER, go("/")),
    "observer-all-issues": (OBSERVER, go("/lists/all")),
    "observer-issue-decided": (OBSERVER, issue("ESC-2026-0004")),
    "observer-reports": (OBSERVER, go("/reports/")),
    "admin-index": (ADMIN, go("/admin/")),
    "admin-person": (ADMIN, first_link("/admin/", "/admin/users/")),
    "admin-mail": (ADMIN, go("/admin/mail")),
    "admin-mail-one": (ADMIN, first_link("/admin/mail", "/admin/mail/")),
    "admin-feedback": (ADMIN, go("/admin/feedback")),
    "member-calendar": (MEMBER, go("/calendar")),
}

Tabs = Callable[[str | None, str], Visit]


@pytest.fixture(scope="module")
def sweep_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(demo_instance(tmp_path_factory, "sweep")) as served:
        yield served


@pytest.fixture(scope="module")
def tabs(browser: Any, sweep_server: Server) -> Iterator[Tabs]:
    """One browser context per person, signed in once; the language chosen with the
    switcher (the tests run language by language: three switches per person)."""
    opened: dict[str | None, Visit] = {}
    current: dict[str | None, str] = {}

    def get(who: str | None, lang: str) -> Visit:
        if who not in opened:
            opened[who] = open_tab(browser, sweep_server, "fi-FI")
            opened[who].go("/")
            if who:
                sign_in(opened[who], who)
            # Signed in, a page may speak the person's own language (their profile's).
            current[who] = opened[who].page.locator("html").get_attribute("lang") or "fi"
        tab = opened[who]
        if current[who] != lang:
            tab.go("/")
            with tab.page.expect_navigation():
                tab.page.get_by_role("button", name=NAMES[lang], exact=True).click()
            current[who] = lang
        return tab

    yield get
    for tab in opened.values():
        tab.page.context.close()


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", PAGES)
def test_every_page_passes_axe_and_is_photographed(tabs: Tabs, name: str,
                                                   lang: str) -> None:
    who, prepare = PAGES[name]
    tab = tabs(who, lang)
    tab.errors.clear()
    tab.outside.clear()
    page = tab.page
    page.set_viewport_size({"width": 1280, "height": HEIGHT[1280]})
    prepare(tab)
    assert page.locator("html").get_attribute("lang") == lang
    tab.axe()
    SHOTS.mkdir(parents=True, exist_ok=True)
    too_wide = []
    for width in WIDTHS[lang]:
        page.set_viewport_size({"width": width, "height": HEIGHT[width]})
        page.screenshot(path=str(SHOTS / f"{name}-{lang}-{width}.png"),
                        full_page=True)
        wide, view = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        if wide > view:
            too_wide.append(f"{wide} px wide at {view} px")
    page.set_viewport_size({"width": 1280, "height": HEIGHT[1280]})
    assert not too_wide, f"{page.url} scrolls sideways: {too_wide}"
    assert not tab.outside, f"requests left the machine: {tab.outside}"
    assert not tab.errors, f"errors in the browser: {tab.errors}"

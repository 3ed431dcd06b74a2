"""axe-core (WCAG 2.1 A and AA, and best practice) on every page, in Finnish, Swedish and English.

Each page in each language is its own test. The language is chosen with the page's
switcher; one signed-in browser context per person is shared by the tests, so each
person signs in once. `Accept-Language` and the remembered choice have their own tests.
Action forms on issue pages are opened before axe runs, so the fields inside them are
checked too, and the forms with errors are checked as they answer (422).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from escalation.languages import NAMES
from tests.browser.conftest import Server, Visit, close_tab, open_tab, sign_in

# each language with its name on the switcher
LANGUAGES = NAMES  # each language's name in itself, as the switcher shows it
LEAD = "lead.pirkanmaa@demo.example"
COORDINATOR = "coordinator@demo.example"
MEMBER = "member.lskl@demo.example"
STAKEHOLDER_CHAIR = "chair.stakeholders@demo.example"
MINISTRY_CHAIR = "chair.workinggroup@demo.example"
ADMIN = "admin@demo.example"

Tabs = Callable[[str | None, str], Visit]


def _go(path: str, status: int = 200) -> Callable[[Visit], None]:
    def prepare(tab: Visit) -> None:
        response = tab.go(path)
        assert response.status == status, f"{path} answered {response.status}"
    return prepare


def _submit_empty(path: str, status: int = 422) -> Callable[[Visit], None]:
    """The page's form sent as it is: the page answers again with the errors shown."""
    def prepare(tab: Visit) -> None:
        tab.go(path)
        with tab.page.expect_navigation() as nav:
            tab.page.get_by_role("main").get_by_role("button").first.click()
        assert nav.value is not None
        assert nav.value.status == status
        assert tab.page.get_by_role("alert").count() == 1
    return prepare


def _first_issue_of(body: str, *, fail_step: bool = False) -> Callable[[Visit], None]:
    """The first issue in a body's queue, with every action form opened."""
    def prepare(tab: Visit) -> None:
        tab.go(f"/queues/{body}")
        link = tab.page.get_by_role("main").locator("a[href^='/issues/ESC-']").first
        tab.go(link.get_attribute("href") or "")
        steps = tab.page.locator("details.step")
        assert steps.count() > 0, f"no action forms on {tab.page.url}"
        if fail_step:  # the decision form (it has the follow-up date) sent empty
            decide = tab.page.locator("details.step:has(input[type=date])")
            decide.locator("summary").click()
            with tab.page.expect_navigation() as nav:
                decide.get_by_role("button").click()
            assert nav.value is not None
            assert nav.value.status == 422
            steps = tab.page.locator("details.step")
        for i in range(steps.count()):
            if steps.nth(i).get_attribute("open") is None:
                steps.nth(i).locator("summary").click()
    return prepare


PAGES: dict[str, tuple[str | None, Callable[[Visit], None]]] = {
    "landing": (None, _go("/")),
    "login": (None, _go("/login")),
    "login-errors": (None, _submit_empty("/login", 200)),  # the login form answers 200
    "not-found": (None, _go("/no-such-page", 404)),
    "my-tasks": (LEAD, _go("/")),
    "new-issue": (LEAD, _go("/issues/new")),
    "new-issue-errors": (LEAD, _submit_empty("/issues/new")),
    "issue-backbone-actions": (COORDINATOR, _first_issue_of("backbone")),
    "issue-statement-form": (MEMBER, _first_issue_of("stakeholders")),
    "issue-decision-errors": (MINISTRY_CHAIR, _first_issue_of("working_group",
                                                               fail_step=True)),
    "queue-backbone": (COORDINATOR, _go("/queues/backbone")),
    "queue-stakeholders": (STAKEHOLDER_CHAIR, _go("/queues/stakeholders")),
    "queue-working-group": (MINISTRY_CHAIR, _go("/queues/working_group")),
    "reports": (LEAD, _go("/reports/")),
    "admin": (ADMIN, _go("/admin/")),
}


@pytest.fixture(scope="module")
def tabs(browser: Any, server: Server) -> Iterator[Tabs]:
    """One browser context per person, signed in once; the language set with the switcher.

    The tests run language by language, so each person switches three times in all.
    """
    opened: dict[str | None, Visit] = {}
    current: dict[str | None, str] = {}

    def get(who: str | None, lang: str) -> Visit:
        if who not in opened:
            opened[who] = tab = open_tab(browser, server, "fi-FI")
            tab.go("/")
            if who:
                sign_in(tab, who)
            current[who] = "fi"
        tab = opened[who]
        if current[who] != lang:
            tab.go("/")
            with tab.page.expect_navigation():
                tab.page.get_by_role("button", name=LANGUAGES[lang], exact=True).click()
            current[who] = lang
        return tab

    yield get
    for tab in opened.values():
        tab.page.context.close()


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_accessibility_violations(tabs: Tabs, name: str, lang: str) -> None:
    who, prepare = PAGES[name]
    tab = tabs(who, lang)
    tab.errors.clear()
    tab.outside.clear()
    prepare(tab)
    assert tab.page.locator("html").get_attribute("lang") == lang
    tab.axe()
    assert not tab.outside, f"requests left the machine: {tab.outside}"
    assert not tab.errors, f"errors in the browser: {tab.errors}"


def test_the_language_switcher_changes_and_remembers_the_language(visit: Visit) -> None:
    visit.go("/login")
    assert visit.page.locator("html").get_attribute("lang") == "fi"
    visit.page.get_by_role("group", name="Kieli").get_by_role("button", name="Svenska").click()
    visit.page.wait_for_load_state()
    assert visit.page.locator("html").get_attribute("lang") == "sv"
    assert visit.page.url.endswith("/login")
    visit.go("/")
    assert visit.page.locator("html").get_attribute("lang") == "sv"
    switcher = visit.page.get_by_role("group", name="Språk")
    assert switcher.get_by_role("button", name="Svenska").get_attribute("aria-current") == "true"


def test_signing_in_speaks_the_persons_own_language(browser: Any, server: Server) -> None:
    """Issue 15, item 11: a Swedish-speaking lead who signs in on a Finnish browser reads
    the pages in Swedish, the language of her profile (and of her mails)."""
    tab = open_tab(browser, server, "fi-FI")
    sign_in(tab, "lead.pohjanmaa@demo.example", keep_language=False)
    assert tab.page.locator("html").get_attribute("lang") == "sv"
    assert tab.page.get_by_role("heading", level=1).inner_text() == "Mina uppgifter"
    close_tab(tab)


def test_a_first_visit_follows_accept_language(browser: Any, server: Server) -> None:
    for locale, lang in (("sv-SE", "sv"), ("en-GB", "en"), ("de-DE", "fi")):
        tab = open_tab(browser, server, locale)
        tab.go("/login")
        assert tab.page.locator("html").get_attribute("lang") == lang, locale
        close_tab(tab)

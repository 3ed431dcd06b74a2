"""Search in the browser (issue 18): the header's search box on a phone and a desktop,
the results page and the new-issue form's similar questions, in Finnish and Swedish:
axe-core finds nothing, nothing scrolls sideways, screenshots in test-artifacts/issue18/."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Server, Visit, close_tab, open_tab, sign_in

WIDTHS = (1280, 390)
HOSTILE = '<img src=x onerror="window.__pwned=1"> lasten kuulemista'


OTHER_LEAD = "lead.pohjanmaa@demo.example"


def _fits(tab: Visit) -> None:
    assert tab.page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth"), tab.page.url


@pytest.mark.parametrize("locale", ["fi-FI", "sv-FI"])
def test_search_from_the_header_and_similar_questions(browser: Any, server: Server,
                                                      locale: str) -> None:
    lang = locale[:2]
    tab = open_tab(browser, server)  # signs in in Finnish, then switches
    try:
        # Pohjanmaa's lead: the demo's Finnish questions are Pirkanmaa's, so the similar ones
        # this lead finds are another region's, and those still under way can be joined.
        sign_in(tab, OTHER_LEAD)
        tab.go("/")
        with tab.page.expect_navigation():
            tab.page.locator(f"button[name=lang][value={lang}]").click()
        for width in WIDTHS:
            tab.page.set_viewport_size({"width": width, "height": 900})
            tab.go("/")
            box = tab.page.get_by_role("search").get_by_role("searchbox")
            box.fill(HOSTILE)  # every word must match: none does, and nothing runs
            with tab.page.expect_navigation():
                box.press("Enter")
            assert tab.page.evaluate("window.__pwned === undefined")
            box = tab.page.locator("header").get_by_role("search").get_by_role("searchbox")
            assert box.input_value() == HOSTILE
            box.fill("lapsen kuulemista")
            with tab.page.expect_navigation():
                box.press("Enter")
            assert "/search?q=" in tab.page.url
            marks = tab.page.locator("main mark")
            assert marks.count() >= 1, "the matching words are marked"
            _fits(tab)
            tab.axe()
            tab.shot(f"issue18/search-results-{lang}-{width}")
            tab.go("/search?q=eiloydymitaanxyz")
            _fits(tab)
            tab.axe()
            tab.shot(f"issue18/search-empty-{lang}-{width}")
            tab.go("/issues/new")
            tab.page.locator("#title").fill("Lapsen kuuleminen etäyhteydellä")
            tab.page.locator("#description").fill(
                "Miten lasta kuullaan etäyhteydellä asiakassuunnitelmaa laadittaessa? "
                + HOSTILE)
            with tab.page.expect_navigation():
                tab.page.locator("button[name=check_similar]").click()
            assert tab.page.locator("#title").input_value() == "Lapsen kuuleminen etäyhteydellä"
            section = tab.page.locator("section.similar-issues")
            assert section.count() == 1
            assert section.locator("a[href$='/join']").count() >= 1
            assert tab.page.evaluate("window.__pwned === undefined")
            _fits(tab)
            tab.axe()
            tab.shot(f"issue18/new-issue-similar-{lang}-{width}")
    finally:
        close_tab(tab)

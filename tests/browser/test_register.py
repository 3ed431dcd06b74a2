"""The public register in the browser (issue 18): no sign-in, Finnish and Swedish, at 1280
and 390 px: axe-core finds nothing, nothing scrolls sideways, the language links work
without a cookie; screenshots in test-artifacts/issue18/."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, Server, close_tab, open_tab

SHOTS = ARTIFACTS / "issue18"
WIDTHS = (1280, 390)


def _check(tab: Any, name: str, width: int) -> None:
    tab.page.set_viewport_size({"width": width, "height": 900})
    tab.axe()
    wide = tab.page.evaluate("document.documentElement.scrollWidth")
    inner = tab.page.evaluate("window.innerWidth")
    assert wide <= inner, f"{tab.page.url} scrolls sideways at {width} px ({wide} > {inner})"
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_the_register_reads_well_without_signing_in(browser: Any, server: Server,
                                                    lang: str) -> None:
    tab = open_tab(browser, server, "fi-FI")
    try:
        tab.go("/julkiset")
        if lang != "fi":  # the header's language link, as a reader would choose it
            with tab.page.expect_navigation():
                tab.page.locator(f"a[hreflang={lang}]").first.click()
        assert tab.page.locator("html").get_attribute("lang") == lang
        assert not tab.page.context.cookies(), "the register set a cookie"
        entries = tab.page.locator(".register-entry h2 a")
        assert entries.count() >= 1, "the demo has no public answers"
        for width in WIDTHS:
            _check(tab, f"register-list-{lang}", width)
        href = entries.first.get_attribute("href") or ""
        assert f"lang={lang}" in href or lang == "fi"
        tab.go(href)
        assert tab.page.locator("html").get_attribute("lang") == lang
        for width in WIDTHS:
            _check(tab, f"register-page-{lang}", width)
        tab.go(f"/julkiset/avoin-data?lang={lang}")
        for width in WIDTHS:
            _check(tab, f"register-open-data-{lang}", width)
        tab.go(f"/julkiset?lang={lang}&category=interpretation")
        for width in WIDTHS:
            _check(tab, f"register-filtered-{lang}", width)
        tab.go(f"/julkiset/ESC-1999-0001?lang={lang}")
        _check(tab, f"register-not-found-{lang}", 390)
        assert not tab.page.context.cookies(), "the register set a cookie"
        # Signing in stays a click away.
        tab.go(f"/julkiset?lang={lang}")
        with tab.page.expect_navigation():
            tab.page.locator("li.signin a").click()
        assert tab.page.url.endswith("/login")
    finally:
        close_tab(tab)

"""Issue 15, item 14 in Chromium: the reports page at 1280 and 390 px for a lead (fi) and
the backbone team (sv, en): each figure opens the list of exactly its issues, the CSV
download is the reader's, the charts are visible and their tables collapsed; axe-core
finds nothing, nothing scrolls sideways, no chart text is under 12 px."""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Server, Visit, close_tab, open_tab, sign_in

LOGIN = {
    "fi": ("Sähköpostiosoite", "Salasana", "Kirjaudu sisään"),
    "sv": ("E-postadress", "Lösenord", "Logga in"),
    "en": ("E-mail address", "Password", "Sign in"),
}
LOCALES = {"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}
SEPARATOR = {"fi": ";", "sv": ";", "en": ","}
FIRST_HEADER = {"fi": "Tunnus", "sv": "Referens", "en": "Reference"}


def fits(tab: Visit) -> None:
    """Nothing scrolls sideways."""
    width, inner = tab.page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]")
    wide = tab.page.evaluate(
        "() => [...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > innerWidth).slice(0, 8)"
        ".map(e => e.tagName + '.' + e.className + ' ' + e.getBoundingClientRect().right)")
    assert width <= inner, f"{tab.page.url} is {width} px wide in a {inner} px window: {wide}"


def smallest_chart_text(tab: Visit) -> float:
    """The smallest font size of any text in the charts, in CSS pixels."""
    return float(tab.page.evaluate(
        "() => Math.min(...[...document.querySelectorAll('ul.bars, ul.bars *')]"
        ".filter(e => e.childNodes.length && [...e.childNodes].some("
        "n => n.nodeType === 3 && n.textContent.trim()))"
        ".map(e => parseFloat(getComputedStyle(e).fontSize)))"))


def number_in(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def listed(tab: Visit) -> int:
    """How many issues the list on the page says it has, over all its pages."""
    return number_in(tab.page.locator("p.list-count").inner_text().split(" ")[0])


@pytest.mark.parametrize(("who", "lang"), [
    ("lead.pirkanmaa@demo.example", "fi"),
    ("coordinator@demo.example", "sv"),
    ("coordinator@demo.example", "en"),
])
def test_the_reports_page_links_downloads_and_reads_on_a_phone(
        browser: Any, server: Server, who: str, lang: str) -> None:
    tab = open_tab(browser, server, LOCALES[lang])
    email_label, password_label, button = LOGIN[lang]
    sign_in(tab, who, email_label=email_label, password_label=password_label, button=button)
    page = tab.page
    name = f"reports-{who.split('@')[0].split('.')[0]}-{lang}"
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        tab.go("/reports/")
        assert page.locator("ul.bars").count() == 4
        # The charts are on screen; their tables wait behind "Show as a table".
        assert page.locator("ul.bars").first.is_visible()
        assert not page.locator("details.as-table table").first.is_visible()
        assert smallest_chart_text(tab) >= 12
        tab.axe()
        fits(tab)
        tab.shot(f"issue15/{name}-{width}")
        page.locator("details.as-table summary").first.click()
        assert page.locator("details.as-table table").first.is_visible()
        tab.axe()
        fits(tab)
        tab.shot(f"issue15/{name}-table-open-{width}")

    # Each kind of figure opens the list of exactly its issues.
    page.set_viewport_size({"width": 1280, "height": 900})
    tab.go("/reports/")
    figures = [page.locator("dl.figures dd a").nth(0), page.locator("dl.figures dd a").nth(1)]
    for table in range(3):  # by stage, by region, by category
        cells = page.locator("details.as-table").nth(table).locator("td.num a")
        figures.append(cells.first)
    months = page.locator("#months-title ~ table td.num a")
    if months.count():
        figures.append(months.last)
    measured = page.locator("a.bar-more")
    if measured.count():
        figures.append(measured.first)
    links = [(f.get_attribute("href"), number_in(f.text_content() or "")) for f in figures]
    for href, n in links:
        assert href is not None
        tab.go(href)
        if n:
            assert listed(tab) == n, href
            if n <= 25:
                assert page.locator("table.list tbody tr").count() == n, href
        else:
            assert page.locator("table.list").count() == 0, href
    tab.axe()
    fits(tab)
    page.set_viewport_size({"width": 390, "height": 900})
    tab.go(links[1][0] or "")  # the overdue list, its further filters open
    assert page.locator("details.more-filters[open]").count() == 1
    tab.axe()
    fits(tab)
    tab.shot(f"issue15/{name}-overdue-list-390")

    # The download: the reader's separator, words and a byte-order mark.
    page.set_viewport_size({"width": 1280, "height": 900})
    tab.go("/reports/")
    with page.expect_download() as info:
        page.locator("p.download a[href^='/reports/issues.csv']").click()
    raw = Path(info.value.path()).read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=SEPARATOR[lang]))
    assert rows[0][0] == FIRST_HEADER[lang]
    total = number_in(page.locator("dl.figures dd a").first.inner_text())
    assert len(rows) - 1 == total
    close_tab(tab)

"""Issue 18, item 5 in Chromium: the yearly report of the demo's year, in Finnish (a lead)
and Swedish (the backbone team), at 1280 and 390 px: axe-core finds nothing, nothing
scrolls sideways; printed (print media emulated) it has no menus or forms, each section
starts a page, and Chromium makes an A4 PDF of it. Screenshots under test-artifacts/issue18/."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, Server, close_tab, open_tab, sign_in
from tests.browser.test_reports_page import LOCALES, LOGIN, fits

TITLE = {"fi": "Vuosiraportti", "sv": "Årsrapport"}
A4_PT = (595, 842)  # 210 x 297 mm in PDF points


@pytest.mark.parametrize(("who", "lang"), [
    ("lead.pirkanmaa@demo.example", "fi"),
    ("coordinator@demo.example", "sv"),
])
def test_the_yearly_report_reads_on_a_phone_and_prints(browser: Any, server: Server,
                                                       who: str, lang: str) -> None:
    tab = open_tab(browser, server, LOCALES[lang])
    email_label, password_label, button = LOGIN[lang]
    sign_in(tab, who, email_label=email_label, password_label=password_label, button=button)
    page = tab.page
    name = f"yearly-{who.split('@')[0].split('.')[0]}-{lang}"
    # Reached from the reports page: its chooser's first link is this year's report.
    tab.go("/reports/")
    link = page.locator("section.year-chooser ul.inline-links a").first
    year = link.inner_text()
    link.click()
    page.wait_for_url(f"**/reports/year/{year}")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        tab.go(f"/reports/year/{year}")
        assert page.locator("h1").inner_text() == f"{TITLE[lang]} {year}"
        assert page.locator("ul.bars").count() == 6
        assert page.locator("table caption").count() >= 9
        tab.axe()
        fits(tab)
        tab.shot(f"issue18/{name}-{width}")

    # Printed: no menus, chooser or links to other years; a page per section.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.emulate_media(media="print")
    assert not page.locator("header.site-header").is_visible()
    assert not page.locator("nav.year-nav").is_visible()
    assert page.locator("article.year-report h1").is_visible()
    breaks = page.evaluate("[...document.querySelectorAll('.year-section')]"
                           ".map(s => getComputedStyle(s).breakBefore)")
    assert breaks
    assert set(breaks) == {"page"}
    # The tables are what a printed report is read by: every one prints, none is cut.
    tables = page.evaluate("[...document.querySelectorAll('article.year-report table')]"
                           ".map(t => t.checkVisibility())")
    assert len(tables) >= 9
    assert all(tables), tables
    # Nothing of the navigation prints: the header's menus, search and language buttons.
    shown_nav = page.evaluate(
        "[...document.querySelectorAll('nav, header form, header button, [role=search]')]"
        ".filter(e => e.checkVisibility()).map(e => e.outerHTML.slice(0, 80))")
    assert not shown_nav, shown_nav
    tab.shot(f"issue18/{name}-print")
    pdf = page.pdf(prefer_css_page_size=True)
    (ARTIFACTS / "issue18" / f"{name}.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF")
    boxes = {(round(float(w)), round(float(h))) for w, h in
             re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)}
    assert boxes == {A4_PT}, boxes
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages >= len(breaks) + 1, pages  # the cover, then a page (or more) per section
    assert pages <= 3 * (len(breaks) + 1), pages  # not a page per line: a sane count
    page.emulate_media(media="screen")

    # A year that is none: the chooser with the reason, still accessible.
    response = tab.go("/reports/year/0")
    assert response.status == 422
    assert page.locator("[aria-invalid='true']").count() == 1
    tab.axe()
    fits(tab)
    close_tab(tab)

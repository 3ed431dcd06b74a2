"""Issue 16, item 2 in Chromium, fi and sv, at 1280 and 390 px: an organisation's draft
(seen only by it) answered question by question and sent; a sent statement withdrawn after
confirming (no JavaScript), its error beside the box; the page shows "muutettu"/"peruttu".
axe finds nothing on any of these pages, and nothing scrolls sideways. Screenshots go to
test-artifacts/issue16/."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import (
    ARTIFACTS,
    Server,
    Visit,
    close_tab,
    demo_instance,
    open_tab,
    serving,
    sign_in,
)

SHOTS = ARTIFACTS / "issue16"
PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 900}
TITLE = "Varhaiskasvatus lastensuojelun avohuollon tukitoimena: kuka päättää ja kuka maksaa?"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A demo of its own: the test changes its statements."""
    with serving(demo_instance(tmp_path_factory, "statement-drafts")) as server:
        yield server


def _reference(server: Server) -> str:
    with sqlite3.connect(server.instance / "escalation.sqlite3") as conn:
        row = conn.execute("SELECT reference FROM issues WHERE title = ?", (TITLE,)).fetchone()
    assert row is not None
    return str(row[0])


def _statuses(server: Server, reference: str) -> dict[str, str]:
    with sqlite3.connect(server.instance / "escalation.sqlite3") as conn:
        return dict(conn.execute(
            "SELECT o.name, s.status FROM statements s JOIN issues i ON i.id = s.issue_id "
            "JOIN organisations o ON o.id = s.organisation_id WHERE i.reference = ?",
            (reference,)).fetchall())


def _check(tab: Visit, name: str) -> None:
    """Screenshot, axe, no sideways scroll: at the width the tab has now."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    tab.axe()
    wide, inner = tab.page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert wide <= inner, f"{tab.page.url} is {wide} px wide in a {inner} px window"


def _both_widths(tab: Visit, name: str) -> None:
    for size, label in ((WIDE, "1280"), (PHONE, "390")):
        tab.page.set_viewport_size(size)
        _check(tab, f"{name}-{label}")
    tab.page.set_viewport_size(WIDE)


def _notices(tab: Visit) -> str:
    return " ".join(tab.page.get_by_role("status").all_inner_texts())


def test_a_draft_is_answered_and_sent_in_finnish(browser: Any, served: Server) -> None:
    reference = _reference(served)
    mll = open_tab(browser, served)
    try:
        sign_in(mll, "member.mll@demo.example")
        mll.go(f"/issues/{reference}")
        page = mll.page
        box = page.locator("details.step").filter(
            has=page.locator("form[action*='/statements/']"))
        assert box.get_attribute("open") is not None  # the draft waits, open
        assert "MLL:n luonnos" in page.locator("main").inner_text()
        assert page.get_by_text("Luonnos: vain organisaatiosi näkee sen").is_visible()
        _both_widths(mll, "draft-form-fi")
        page.get_by_label("Vastaus kysymykseen 2").fill(
            "Lapset jäävät ilman tukea, jota heille on arvioitu tarvittavan.")
        with page.expect_navigation():
            page.get_by_role("button", name="Lähetä lausunto").click()
        assert "Lausuntosi kirjattiin" in _notices(mll)
        assert _statuses(served, reference)["Mannerheimin Lastensuojeluliitto"] == "sent"
        _both_widths(mll, "sent-fi")
    finally:
        close_tab(mll)
    lead = open_tab(browser, served)
    try:
        sign_in(lead, "lead.pirkanmaa@demo.example")
        lead.go(f"/issues/{reference}")
        text = lead.page.locator("main").inner_text()
        assert "muutettu" in text  # LSKL's amended statement
        assert "Vastaukset kysymyksiin" in text
        _both_widths(lead, "statements-read-by-the-region-fi")
    finally:
        close_tab(lead)


def test_a_statement_is_withdrawn_after_confirming_in_swedish(browser: Any,
                                                              served: Server) -> None:
    reference = _reference(served)
    lskl = open_tab(browser, served, "sv-FI")
    try:
        sign_in(lskl, "member.lskl@demo.example", email_label="E-postadress",
                password_label="Lösenord", button="Logga in")
        lskl.go(f"/issues/{reference}")
        page = lskl.page
        assert page.locator("html").get_attribute("lang") == "sv"
        page.locator("summary", has_text="Ändra utlåtandet").click()
        _both_widths(lskl, "amend-form-sv")
        page.locator("summary", has_text="Återkalla utlåtandet").click()
        with page.expect_navigation():
            page.get_by_role("button", name="Återkalla utlåtandet").click()
        assert page.locator("#withdraw-confirm-error").is_visible()  # beside the box
        _both_widths(lskl, "withdraw-unconfirmed-sv")
        page.get_by_label("Ja, vi återkallar vårt utlåtande").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Återkalla utlåtandet").click()
        assert "Utlåtandet återkallades" in _notices(lskl)
        assert "återkallat" in page.locator("main").inner_text()
        assert _statuses(served, reference)["Lastensuojelun Keskusliitto"] == "withdrawn"
        _both_widths(lskl, "withdrawn-sv")
    finally:
        close_tab(lskl)

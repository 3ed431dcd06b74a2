"""Statement rounds on the issue page (issue 16, items 1 and 3), as a member of the
stakeholder group reads them in Finnish and Swedish, at 1280 and 390 px: the current
round's request (and its questions) at the top of the statements section, who of those
asked have answered; the earlier round folded, naming who did not answer. axe-core on
each page as it is, nothing scrolls sideways, screenshots in test-artifacts/issue16/."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, Server, Visit, close_tab, open_tab, sign_in

SHOTS = ARTIFACTS / "issue16"
AWAITING_STATEMENTS = "ESC-2026-0011"  # the demo: round 1 under way
SECOND_ROUND_OVER = "ESC-2026-0003"  # awaiting the decision after round 2
WORDS = {
    "fi": {"locale": "fi-FI", "labels": {}, "round": "Lausuntokierros",
           "did_not": "Ei vastannut", "yet": "Ei vielä vastannut"},
    "sv": {"locale": "sv-FI", "labels": {"email_label": "E-postadress",
                                         "password_label": "Lösenord", "button": "Logga in"},
           "round": "Remissomgång", "did_not": "Svarade inte", "yet": "Har inte svarat ännu"},
}


def checked(tab: Visit, name: str) -> None:
    """axe-core, the width, and a screenshot of the page as it is now."""
    tab.axe()
    wide, view = tab.page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert wide <= view, f"{tab.page.url} is {wide} px wide in a {view} px window"
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_a_member_reads_what_each_round_asks_and_who_answered(
        browser: Any, server: Server, lang: str, width: int) -> None:
    words = WORDS[lang]
    tab = open_tab(browser, server, str(words["locale"]))
    tab.page.set_viewport_size({"width": width, "height": 900})
    sign_in(tab, "member.mll@demo.example", **words["labels"])  # type: ignore[arg-type]
    tab.go(f"/issues/{AWAITING_STATEMENTS}")
    section = tab.page.locator("section[aria-labelledby=statements-title]")
    current = section.locator("div.round")
    assert current.locator("h3").inner_text().startswith(str(words["round"]))
    assert current.locator("blockquote.round-request").is_visible()
    assert words["yet"] in current.inner_text()
    # The round comes first in the section, before the statements themselves.
    assert section.locator("div.round, article.statement").first.get_attribute(
        "class") == "round"
    checked(tab, f"round-open-member-{lang}-{width}")

    tab.go(f"/issues/{SECOND_ROUND_OVER}")
    section = tab.page.locator("section[aria-labelledby=statements-title]")
    earlier = section.locator("details.round.earlier")
    assert earlier.count() >= 1
    earlier.first.locator("summary").click()
    said = earlier.first.inner_text()
    assert str(words["round"]) in said
    assert words["did_not"] in said
    assert words["yet"] not in said
    checked(tab, f"round-earlier-open-member-{lang}-{width}")
    close_tab(tab)

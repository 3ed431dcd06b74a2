"""Issue 18 in Chromium, fi and sv, at 1280 and 390 px: an address subscribed to a region,
to a category and to another category opens the unsubscribe link of an answer in the region and
the category (the link its mail carries): the page names the two subscriptions it ends and
offers ending all; one click ends the two, the page says the third continues and offers
ending it; that ends it. axe finds nothing and nothing scrolls sideways at any step."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from escalation.config import Settings
from escalation.limits import CATEGORIES
from escalation.models import Issue, PublicSubscription, Region, Visibility
from escalation.services import subscriptions
from tests.browser.conftest import Server, Visit, close_tab, open_tab
from tests.browser.test_decision_correction import fits
from tests.browser.test_following import WORDS, click, mailed_link

MORE = {"fi": {"all": "Peru kaikki tämän osoitteen tilaukset",
               "ends": "Tämä linkki päättää osoitteen nämä tilaukset",
               "continue": "Osoitteen nämä tilaukset jatkuvat",
               "deleted": "Sähköpostiosoite on poistettu."},
        "sv": {"all": "Avsluta alla prenumerationer för den här adressen",
               "ends": "Den här länken avslutar dessa prenumerationer för adressen",
               "continue": "Dessa prenumerationer för adressen fortsätter",
               "deleted": "E-postadressen har raderats."}}


def checked(tab: Visit, name: str) -> None:
    for width, height in ((1280, 900), (390, 844)):
        tab.page.set_viewport_size({"width": width, "height": height})
        tab.axe()
        fits(tab)
        tab.shot(f"issue18/unsubscribe-{name}-{width}")
    tab.page.set_viewport_size({"width": 1280, "height": 900})


def subscribed(tab: Visit, server: Server, address: str, query: str, lang: str) -> None:
    w = WORDS[lang]
    tab.go(f"/julkiset/tilaa{query}")
    tab.page.get_by_label(w["email"]).fill(address)
    click(tab, w["subscribe"])
    tab.go(mailed_link(server, address))
    click(tab, w["confirm"])
    assert w["confirmed"] in tab.page.locator("h1").inner_text()


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_the_unsubscribe_page_of_overlapping_subscriptions(
    browser: Any, server: Server, lang: str
) -> None:
    settings = Settings.from_env(server.env)
    engine = create_engine(settings.database_url)
    try:
        with Session(engine) as s:
            issue = s.scalars(select(Issue).where(
                Issue.visibility == Visibility.PUBLIC, Issue.category.is_not(None),
                Issue.deleted_at.is_(None)).order_by(Issue.id)).first()
            assert issue is not None
            reference, category = issue.reference, issue.category
            region = s.scalar(select(Region.code).where(Region.id == issue.region_id))
        address = f"paallekkain.{lang}@kunta.example"
        tab = open_tab(browser, server, "sv-SE" if lang == "sv" else "fi-FI")
        other = next(c for c in CATEGORIES if c != category)
        for query in (f"?region={region}", f"?category={category}", f"?category={other}"):
            subscribed(tab, server, address, query, lang)
        with Session(engine) as s:
            row = s.scalars(select(PublicSubscription).where(
                PublicSubscription.email == address).order_by(PublicSubscription.id)).first()
            assert row is not None
            token = subscriptions.unsubscribe_token(settings.secret_key, row.id, row.salt)

        tab.go(f"/julkiset/peru/{token}/{reference}")
        assert MORE[lang]["ends"] in tab.page.locator("main").inner_text()
        assert tab.page.locator("main li").count() == 3  # two it ends, one other
        checked(tab, f"{lang}-1-page")
        click(tab, WORDS[lang]["unsubscribe"])
        assert WORDS[lang]["unsubscribed"] in tab.page.locator("h1").inner_text()
        assert MORE[lang]["continue"] in tab.page.locator("main").inner_text()
        checked(tab, f"{lang}-2-two-ended")
        click(tab, MORE[lang]["all"])
        assert MORE[lang]["deleted"] in tab.page.locator("main").inner_text()
        checked(tab, f"{lang}-3-all-ended")
        with Session(engine) as s:
            assert s.scalars(select(PublicSubscription).where(
                PublicSubscription.email == address)).first() is None
        close_tab(tab)
    finally:
        engine.dispose()

"""The new-issue form with the keyboard only: Tab, typing, arrows, Space and Enter.

From the skip link onwards nothing is clicked: the lead reaches every field in order,
chooses with the keyboard, and sends the issue with Enter. At each step the focused
element is the expected one, matches :focus-visible, has its focus style drawn and lies
inside the viewport.
"""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Visit, sign_in

TITLE = "Näppäimistöllä lähetetty asia"

FOCUSED = """() => {
  const el = document.activeElement;
  const r = el.getBoundingClientRect();
  const s = getComputedStyle(el);
  const drawn = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
                || s.boxShadow !== 'none';
  return {
    tag: el.tagName.toLowerCase(), id: el.id, type: el.type || '', checked: !!el.checked,
    text: (el.innerText || '').trim(), value: el.value || '',
    visible: el.matches(':focus-visible') && drawn,
    inView: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0
            && r.top < innerHeight && r.left < innerWidth,
  };
}"""


def focused(page: Any) -> dict[str, Any]:
    """What has the focus, after checking that a keyboard user can see where it is."""
    info: dict[str, Any] = page.evaluate(FOCUSED)
    assert info["visible"], f"no visible focus on {info}"
    assert info["inView"], f"the focused element is out of view: {info}"
    return info


def tab(page: Any, times: int = 1) -> dict[str, Any]:
    for _ in range(times):
        page.keyboard.press("Tab")
    return focused(page)


def test_a_lead_sends_an_issue_with_the_keyboard_only(visit: Visit) -> None:
    sign_in(visit, "lead.pirkanmaa@demo.example")
    visit.go("/issues/new")
    page = visit.page
    keys = page.keyboard

    skip = tab(page)
    assert (skip["tag"], skip["text"]) == ("a", "Siirry pääsisältöön")
    keys.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    assert tab(page)["id"] == "title"
    keys.type(TITLE)
    assert tab(page)["id"] == "description"
    keys.type("Kirjoitettu ja lähetetty ilman hiirtä.")

    category = tab(page)
    assert (category["tag"], category["id"]) == ("select", "category")
    keys.press("ArrowDown")
    keys.press("ArrowDown")
    assert page.get_by_label("Aihepiiri").evaluate(
        "s => s.options[s.selectedIndex].text") == "Lain tulkinta"

    urgency = tab(page)  # Tab lands on the chosen radio of the group
    assert (urgency["type"], urgency["checked"]) == ("radio", True)
    keys.press("ArrowDown")  # arrows move the choice inside a radio group
    assert page.get_by_role("radio", name="Kiireellinen").is_checked()
    focused(page)

    first_right = tab(page)
    assert first_right["type"] == "checkbox"
    keys.press("Space")
    assert page.get_by_role("checkbox", name="Lapsen etu").is_checked()
    tab(page)
    keys.press("Space")
    assert page.get_by_role("checkbox", name="Syrjimättömyys").is_checked()

    assert tab(page, 3)["id"] == "legal_references"  # past the two other rights
    keys.type("Lastensuojelulaki 417/2007, 25 §")

    # Nothing is chosen for the lead (issue 15, item 12): Tab lands on the group's first
    # radio, unchecked; Space chooses it, an arrow moves the choice.
    visibility = tab(page)
    assert (visibility["type"], visibility["checked"]) == ("radio", False)
    keys.press("Space")
    assert page.get_by_role("radio", name="Julkinen").is_checked()
    keys.press("ArrowDown")
    assert page.get_by_role("radio", name="Rajattu").is_checked()
    keys.press("Space")  # Space on a chosen radio keeps it chosen
    assert page.get_by_role("radio", name="Rajattu").is_checked()

    send = tab(page)
    assert (send["tag"], send["value"]) in {("button", "Lähetä taustatuelle"),
                                            ("input", "Lähetä taustatuelle")}
    with page.expect_navigation():
        keys.press("Enter")

    assert page.get_by_role("heading", level=1).inner_text() == TITLE
    assert "lähetettiin taustatuelle" in page.get_by_role("status").inner_text()
    facts = page.get_by_role("region", name="Asian tiedot").inner_text()
    for text in ("Lain tulkinta", "Kiireellinen", "Rajattu", "Lapsen etu", "Syrjimättömyys",
                 "Lastensuojelulaki 417/2007, 25 §"):
        assert text in facts
    visit.shot("keyboard-sent")

"""Phones (issue 15, item 9): a list table becomes one block per row on a narrow screen,
each cell introduced by its column's name (`data-label`, shown by web.css before the cell).

What the pages send decides what a phone shows, so it is checked here on the HTML: every
cell of a stacking table says what it is, and says it once ("Määräaika: Määräaika päättyy
3 päivän päästä" said it twice: a due date's own words already name it).
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from sqlalchemy.orm import Session

from tests.factories import World, issue_in
from tests.web.conftest import SignIn

# Cells whose own words say what they are (the due date), by a class inside them.
SELF_LABELLED = ("due", "muted")


class _Cells(HTMLParser):
    """The body cells of every `table.list` that stacks (not `.compact`): their label,
    their text and the classes of the elements inside them."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[str | None, str, set[str]]] = []
        self._tables: list[bool] = []  # per open table: does it stack?
        self._in_body = False
        self._cell: tuple[str | None, list[str], set[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = set((a.get("class") or "").split())
        if tag == "table":
            self._tables.append("list" in classes and "compact" not in classes)
        elif tag == "tbody":
            self._in_body = True
        elif tag == "td" and self._tables and self._tables[-1] and self._in_body:
            self._cell = (a.get("data-label"), [], set())
        elif self._cell is not None:
            self._cell[2].update(classes)

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._tables:
            self._tables.pop()
        elif tag == "tbody":
            self._in_body = False
        elif tag == "td" and self._cell is not None:
            label, text, classes = self._cell
            self.cells.append((label, " ".join("".join(text).split()), classes))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell[1].append(data)


def stacked_cells(html: str) -> list[tuple[str | None, str, set[str]]]:
    parser = _Cells()
    parser.feed(html)
    return parser.cells


PAGES = [
    ("lead", "/"),
    ("lead", "/lists/region"),
    ("lead", "/lists/mine"),
    ("coordinator", "/queues/backbone"),
    ("coordinator", "/lists/all"),
    ("chair", "/queues/stakeholders"),
    ("admin", "/admin/"),
]


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_every_stacked_cell_says_what_it_is_once(sign_in: SignIn, session: Session,
                                                  world: World, lang: str) -> None:
    issue_in(session, world, "clarification_requested")  # the lead's task, due soon
    late = issue_in(session, world, "submitted")  # the backbone's, overdue
    late.due_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    issue_in(session, world, "awaiting_statement")
    issue_in(session, world, "decided")
    session.flush()
    seen = 0
    for who, path in PAGES:
        html = sign_in(who).get(path, headers={"Accept-Language": lang}).get_data(as_text=True)
        for label, text, classes in stacked_cells(html):
            seen += 1
            if label is None:
                assert classes & set(SELF_LABELLED), (
                    f"{path}: a cell with no label that does not name itself: {text!r}")
            else:
                assert label.strip(), f"{path}: an empty label before {text!r}"
                assert not text.casefold().startswith(label.casefold()), (
                    f"{path}: the label said twice: {label}: {text}")
    assert seen > 40  # the pages had rows to check

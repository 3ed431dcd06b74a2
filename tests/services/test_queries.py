"""Lists and queues: each filter, visibility, sorting, paging, and a constant statement count."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Session

from escalation import runtime, search_index
from escalation.errors import InvalidInput
from escalation.models import Issue
from escalation.policy import Actor
from escalation.services import issues
from escalation.services.queries import SORTS, IssueFilter, Page, list_issues, queue
from escalation.workflow.registry import Registry
from tests.factories import REQUEST, World, issue_in
from tests.sqlcount import counting

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
ANY = IssueFilter()

# Which states await whom (DESIGN §6), the expectation the workflow file must meet.
AWAITING = {
    "region": {"draft", "clarification_requested"},
    "backbone": {"submitted", "decided"},
    "stakeholders": {"awaiting_statement"},
    "working_group": {"awaiting_decision"},
}
ALL_STATES = ("draft", "submitted", "clarification_requested", "awaiting_statement",
              "awaiting_decision", "decided", "closed", "withdrawn")


def refs(page: Page) -> list[str]:
    return [i.reference for i in page.items]


def listed(session: Session, actor: Actor, filters: IssueFilter = ANY, **kw: Any) -> set[str]:
    """The references of every match, on one page big enough to hold them all."""
    page = list_issues(session, actor=actor, filters=filters, per_page=200, now=NOW, **kw)
    assert page.total == len(page.items)
    return set(refs(page))


def queued(session: Session, actor: Actor, body: str, now: dt.datetime = NOW) -> list[str]:
    return refs(queue(session, actor=actor, body=body, now=now, per_page=200))


def errors_of(call: Callable[[], object]) -> dict[str, list[str]]:
    with pytest.raises(InvalidInput) as refused:
        call()
    return refused.value.errors


# --- filters, one at a time ----------------------------------------------------------


def test_state_filter(session: Session, world: World) -> None:
    draft = issue_in(session, world, "draft")
    sub = issue_in(session, world, "submitted")
    stmt = issue_in(session, world, "awaiting_statement")
    lead = world.lead
    assert listed(session, lead) == {draft.reference, sub.reference, stmt.reference}
    assert listed(session, lead, IssueFilter(state=("submitted",))) == {sub.reference}
    assert listed(session, lead, IssueFilter(state=("draft", "awaiting_statement"))) == {
        draft.reference, stmt.reference}
    assert listed(session, lead, IssueFilter(state=("decided",))) == set()


def test_region_filter(session: Session, world: World) -> None:
    own = issue_in(session, world, "submitted")
    other = issue_in(session, world, "submitted", lead=world.other_lead, region="pirkanmaa")
    c = world.coordinator
    assert listed(session, c, IssueFilter(region=("pirkanmaa",))) == {other.reference}
    assert listed(session, c, IssueFilter(region=("uusimaa",))) == {own.reference}
    assert listed(session, c, IssueFilter(region=("uusimaa", "pirkanmaa"))) == {
        own.reference, other.reference}
    assert listed(session, c, IssueFilter(region=("lappi",))) == set()  # well formed, unknown


def test_category_filter(session: Session, world: World) -> None:
    funding = issue_in(session, world, "submitted", category="funding")
    other = issue_in(session, world, "submitted", category="other")
    issue_in(session, world, "submitted", category="legislation")
    c = world.coordinator
    assert listed(session, c, IssueFilter(category=("funding",))) == {funding.reference}
    assert listed(session, c, IssueFilter(category=("funding", "other"))) == {
        funding.reference, other.reference}
    assert listed(session, c, IssueFilter(category=("interpretation",))) == set()


def test_awaiting_each_body_in_list_and_queue(session: Session, world: World) -> None:
    made = {state: issue_in(session, world, state) for state in ALL_STATES}
    for body, states in AWAITING.items():
        expected = {made[s].reference for s in states}
        # The region's own lead sees drafts too, so every state is in reach.
        assert listed(session, world.lead, IssueFilter(awaiting=body)) == expected, body
        assert set(queued(session, world.lead, body)) == expected, body
    # Nobody waits on a closed or withdrawn issue.
    anybody = {r for body in AWAITING
               for r in listed(session, world.lead, IssueFilter(awaiting=body))}
    assert made["closed"].reference not in anybody
    assert made["withdrawn"].reference not in anybody


def test_awaiting_follows_each_issues_pinned_workflow(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    v1 = runtime.registry().get("escalation", 1)
    states = dict(v1.states)
    states["decided"] = dataclasses.replace(states["decided"], awaiting="working_group")
    v3 = dataclasses.replace(runtime.registry().get("escalation", 3), states=states)
    monkeypatch.setattr(runtime, "registry", lambda: Registry({v1.key: v1, v3.key: v3}))
    old = issue_in(session, world, "decided")
    new = issue_in(session, world, "decided")
    assert new.workflow_version == 3  # created under the newest loaded version (here v3)
    old.workflow_version = 1
    session.flush()
    c = world.coordinator
    assert listed(session, c, IssueFilter(awaiting="backbone")) == {old.reference}
    assert listed(session, c, IssueFilter(awaiting="working_group")) == {new.reference}
    assert queued(session, c, "working_group") == [new.reference]


def _submitted_at(session: Session, world: World, when: dt.datetime, *,
                  lead: Actor | None = None, region: str = "uusimaa",
                  title: str = "Määräaikakysymys", category: str = "funding") -> Issue:
    """An issue submitted at `when`, so its deadline falls where the workflow puts it."""
    lead = lead or world.lead
    issue = issues.create(session, actor=lead, region=region, title=title,
                          description="Kuvaus.", category=category, now=when)
    issues.transition(session, issue.reference, actor=lead, action="submit",
                      expected_version=issue.version, now=when)
    return issue


def test_overdue_filter(session: Session, world: World) -> None:
    late = _submitted_at(session, world, NOW - 20 * DAY)  # triage due 14 days later
    on_time = _submitted_at(session, world, NOW - DAY)
    closed = _submitted_at(session, world, NOW - 40 * DAY)
    issues.transition(session, closed.reference, actor=world.coordinator,
                      action="answer_locally", expected_version=closed.version,
                      data={"answer": "Vastattu."}, now=NOW - 30 * DAY)
    closed.due_at = NOW - 10 * DAY  # a stale date on a closed issue still is not "late"
    session.flush()
    assert late.due_at is not None
    assert late.due_at < NOW < on_time.due_at  # type: ignore[operator]
    c = world.coordinator
    assert listed(session, c, IssueFilter(overdue=True)) == {late.reference}
    assert listed(session, c, IssueFilter(overdue=False)) == {on_time.reference,
                                                              closed.reference}
    later = NOW + 30 * DAY
    page = list_issues(session, actor=c, filters=IssueFilter(overdue=True), now=later)
    assert set(refs(page)) == {late.reference, on_time.reference}
    earlier = NOW - 19 * DAY
    page = list_issues(session, actor=c, filters=IssueFilter(overdue=True), now=earlier)
    assert refs(page) == []


def test_text_search_in_reference_title_and_description(session: Session, world: World) -> None:
    by_title = issue_in(session, world, "submitted", title="Äitiysneuvolan palvelut")
    by_text = issue_in(session, world, "submitted", title="Muu asia",
                       description="Kysymys koskee ÖLJYLÄMMITYSTÄ kouluissa.")
    plain = issue_in(session, world, "submitted", title="Kolmas", description="Ei osumia.")
    c = world.coordinator

    def search(q: str) -> set[str]:
        return listed(session, c, IssueFilter(q=q))

    # Whole words in any inflected form (issue 18); a compound's parts are words too
    # when Voikko analyses it (tests/test_analyser.py covers the fallback).
    assert search("neuvola") == {by_title.reference}
    assert search("ÄITIYSNEUVOLAN") == {by_title.reference}
    assert search("öljylämmitystä") == {by_text.reference}
    assert search("koulu") == {by_text.reference}
    assert search(plain.reference.lower()) == {plain.reference}
    assert search("esc-") == {by_title.reference, by_text.reference, plain.reference}
    assert search("  ") == {by_title.reference, by_text.reference, plain.reference}
    assert search("ei löydy mistään") == set()


@pytest.mark.parametrize(
    ("needle", "hit", "miss"),
    [
        ("100%", "Korotus 100% heti", "Korotus 1000 euroa"),
        ("a_b", "kohta a_b", "kohta axb"),
        ("x*y", "lauseke x*y", "lauseke xzzy"),
        ("x?y", "lauseke x?y", "lauseke xzy"),
        ("[ab]", "merkki [ab] tässä", "merkki abc tässä"),
        ("\\n", "polku \\n", "polku m"),
        ("'\"", "lainaus ' ja \" tässä", "lainaus tässä"),
    ],
)
def test_text_search_takes_wildcards_literally(
    session: Session, world: World, needle: str, hit: str, miss: str
) -> None:
    # No character of a query is syntax, in either database's search language: the
    # words are searched, the rest only separates them (and a query of none filters
    # nothing).
    found = issue_in(session, world, "submitted", title=hit)
    issue_in(session, world, "submitted", title=miss)
    expected = {found.reference} if any(ch.isalnum() for ch in needle) else {
        i.reference for i in session.query(Issue)}
    assert listed(session, world.coordinator, IssueFilter(q=needle)) == expected


def test_submitted_dates_are_inclusive_helsinki_days(session: Session, world: World) -> None:
    # 1.3.2026 in Helsinki (UTC+2) runs from 28.2. 22:00 to 1.3. 22:00 UTC (issue 15).
    times = {
        "before": dt.datetime(2026, 2, 28, 21, 59, 59, tzinfo=dt.UTC),
        "first": dt.datetime(2026, 2, 28, 22, 0, tzinfo=dt.UTC),
        "last": dt.datetime(2026, 3, 1, 21, 59, 59, 999999, tzinfo=dt.UTC),
        "after": dt.datetime(2026, 3, 1, 22, 0, tzinfo=dt.UTC),
    }
    made = {}
    for name, when in times.items():
        made[name] = issue_in(session, world, "submitted")
        made[name].submitted_at = when
    draft = issue_in(session, world, "draft")  # never submitted: no date to match
    session.flush()
    lead = world.lead
    day = dt.date(2026, 3, 1)

    def between(start: dt.date | None, end: dt.date | None) -> set[str]:
        return listed(session, lead, IssueFilter(submitted_from=start, submitted_to=end))

    assert between(day, day) == {made["first"].reference, made["last"].reference}
    assert between(day, None) == {made[n].reference for n in ("first", "last", "after")}
    assert between(None, day) == {made[n].reference for n in ("before", "first", "last")}
    assert draft.reference in between(None, None)
    assert draft.reference not in between(dt.date(2000, 1, 1), None)


def test_filters_combined(session: Session, world: World) -> None:
    when = NOW - 20 * DAY  # triage was due six days ago

    def raised(**kw: Any) -> Issue:
        fields: dict[str, Any] = {"lead": world.other_lead, "region": "pirkanmaa",
                                  "title": "Öljyn hinta", "category": "funding", **kw}
        return _submitted_at(session, world, when, **fields)

    target = raised()
    # Each of these differs from the target in exactly one respect.
    wrong_region = raised(lead=world.lead, region="uusimaa")
    wrong_text = raised(title="Veden hinta")
    wrong_category = raised(category="other")
    not_late = raised()
    not_late.due_at = NOW + DAY
    too_early = raised()
    too_early.submitted_at = when - 5 * DAY
    wrong_state = raised()
    issues.transition(session, wrong_state.reference, actor=world.coordinator,
                      action="forward", data=REQUEST, expected_version=wrong_state.version,
                      now=when)
    wrong_state.due_at = target.due_at  # late as well: only state and awaiting differ
    session.flush()
    everything = IssueFilter(
        state=("submitted",), region=("pirkanmaa",), category=("funding",),
        awaiting="backbone", overdue=True, q="ÖLJY",
        submitted_from=(NOW - 21 * DAY).date(), submitted_to=(NOW - 19 * DAY).date(),
    )
    c = world.coordinator
    assert listed(session, c, everything) == {target.reference}
    loose = dataclasses.replace(everything, state=(), awaiting=None, overdue=None, q=None,
                                category=(), region=(), submitted_from=None, submitted_to=None)
    others = [wrong_region, wrong_text, wrong_category, not_late, too_early, wrong_state]
    assert listed(session, c, loose) == {i.reference for i in [target, *others]}
    # Loosen one condition at a time: exactly the issue that fails only it comes back.
    for changes, extra in [
        ({"region": ()}, wrong_region),
        ({"q": None}, wrong_text),
        ({"category": ()}, wrong_category),
        ({"overdue": None}, not_late),
        ({"submitted_from": None}, too_early),
        ({"state": (), "awaiting": None}, wrong_state),
    ]:
        got = listed(session, c, dataclasses.replace(everything, **changes))
        assert got == {target.reference, extra.reference}, changes
    # Either of state and awaiting alone still keeps the forwarded issue out.
    assert listed(session, c, dataclasses.replace(everything, state=())) == {target.reference}
    assert listed(session, c, dataclasses.replace(everything, awaiting=None)) == {
        target.reference}


# --- visibility -----------------------------------------------------------------------


def _spread(session: Session, world: World) -> dict[str, Issue]:
    """Drafts, public and restricted submitted issues in both regions."""
    made = {}
    for region, lead in (("uusimaa", world.lead), ("pirkanmaa", world.other_lead)):
        made[f"{region}-draft"] = issue_in(session, world, "draft", lead=lead, region=region)
        for vis in ("public", "restricted"):
            made[f"{region}-{vis}"] = issue_in(session, world, "submitted", lead=lead,
                                               region=region, visibility=vis)
    return made


@pytest.mark.parametrize(
    ("viewer", "sees"),
    [
        ("lead", {"uusimaa-draft", "uusimaa-public", "uusimaa-restricted", "pirkanmaa-public"}),
        ("other_lead", {"pirkanmaa-draft", "pirkanmaa-public", "pirkanmaa-restricted",
                        "uusimaa-public"}),
        ("coordinator", {"uusimaa-public", "uusimaa-restricted", "pirkanmaa-public",
                         "pirkanmaa-restricted"}),
        ("observer", {"uusimaa-public", "pirkanmaa-public"}),
    ],
)
def test_lists_and_queues_show_only_what_the_actor_may_see(
    session: Session, world: World, viewer: str, sees: set[str]
) -> None:
    made = _spread(session, world)
    actor: Actor = getattr(world, viewer)
    expected = {made[k].reference for k in sees}
    assert listed(session, actor) == expected
    # The same rule under every filter: region alone must not widen it.
    for region in ("uusimaa", "pirkanmaa"):
        assert listed(session, actor, IssueFilter(region=(region,))) == {
            made[k].reference for k in sees if k.startswith(region)}
    queues = set(queued(session, actor, "region")) | set(queued(session, actor, "backbone"))
    assert queues == expected
    assert queue(session, actor=actor, body="backbone", now=NOW).total == len(
        {k for k in sees if not k.endswith("draft")})


def test_nobody_without_roles_gets_anything(session: Session, world: World) -> None:
    _spread(session, world)
    nobody = Actor(user_id=0, email="x@y.test", roles=frozenset())
    assert listed(session, nobody) == set()
    assert queued(session, nobody, "backbone") == []


# --- sorting --------------------------------------------------------------------------


def _sortable(session: Session, world: World) -> list[Issue]:
    """Five issues with distinct, tied and missing values in every sortable column."""
    made = [issue_in(session, world, "submitted") for _ in range(4)]
    made.append(issue_in(session, world, "draft"))  # no submitted_at
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    due = [base + 5 * DAY, None, base + 2 * DAY, base + 5 * DAY, base + 9 * DAY]
    submitted = [base + 3 * DAY, base + DAY, base + 3 * DAY, base + 2 * DAY, None]
    created = [base + 4 * DAY, base + 1 * DAY, base + 3 * DAY, base, base + 2 * DAY]
    updated = [base + 7 * DAY, base + 8 * DAY, base + 6 * DAY, base + 9 * DAY, base + 7 * DAY]
    for issue, d, s, c, u in zip(made, due, submitted, created, updated, strict=True):
        issue.due_at, issue.submitted_at, issue.created_at, issue.updated_at = d, s, c, u
    session.flush()
    return made


def _expected_order(made: list[Issue], sort: str) -> list[str]:
    name = sort.removeprefix("-")
    desc = sort.startswith("-")
    present = [i for i in made if getattr(i, name) is not None]
    missing = [i for i in made if getattr(i, name) is None]
    present.sort(key=lambda i: (getattr(i, name), i.id), reverse=desc)
    missing.sort(key=lambda i: i.id, reverse=desc)
    return [i.reference for i in present + missing]


@pytest.mark.parametrize("sort", SORTS)
def test_every_sort_both_ways_nulls_last(session: Session, world: World, sort: str) -> None:
    made = _sortable(session, world)
    page = list_issues(session, actor=world.lead, filters=ANY, sort=sort, now=NOW)
    assert refs(page) == _expected_order(made, sort)
    if sort.removeprefix("-") in ("due_at", "submitted_at"):
        assert getattr(page.items[-1], sort.removeprefix("-")) is None


def test_the_default_sort_is_most_recently_updated_first(session: Session,
                                                          world: World) -> None:
    made = _sortable(session, world)
    page = list_issues(session, actor=world.lead, filters=ANY, now=NOW)
    assert refs(page) == _expected_order(made, "-updated_at")


@pytest.mark.parametrize("sort", ["title", "due", "--due_at", "", "+due_at", "due_at "])
def test_unknown_sort_refused(session: Session, world: World, sort: str) -> None:
    errors = errors_of(lambda: list_issues(session, actor=world.lead, filters=ANY, sort=sort,
                                           now=NOW))
    assert list(errors) == ["sort"]


# --- paging ---------------------------------------------------------------------------


def test_pages(session: Session, world: World) -> None:
    made = [issue_in(session, world, "submitted") for _ in range(7)]
    in_order = [i.reference for i in made]

    def at(page: int, per_page: int = 3) -> Page:
        return list_issues(session, actor=world.coordinator, filters=ANY, sort="reference",
                           page=page, per_page=per_page, now=NOW)

    first, second, last, beyond = at(1), at(2), at(3), at(4)
    assert refs(first) == in_order[:3]
    assert refs(second) == in_order[3:6]
    assert refs(last) == in_order[6:]  # the last, partial page
    assert refs(beyond) == []
    assert [p.total for p in (first, second, last, beyond)] == [7, 7, 7, 7]
    assert (second.page, second.per_page) == (2, 3)
    assert refs(at(1, per_page=200)) == in_order
    assert refs(at(7, per_page=1)) == in_order[6:]


@pytest.mark.parametrize(
    ("page", "per_page", "fields"),
    [(0, 50, ["page"]), (-1, 50, ["page"]), (1, 0, ["per_page"]), (1, 201, ["per_page"]),
     (0, 0, ["page", "per_page"])],
)
def test_bad_paging_refused_by_name(
    session: Session, world: World, page: int, per_page: int, fields: list[str]
) -> None:
    for call in (
        lambda: list_issues(session, actor=world.lead, filters=ANY, page=page,
                            per_page=per_page, now=NOW),
        lambda: queue(session, actor=world.lead, body="backbone", page=page,
                      per_page=per_page, now=NOW),
    ):
        assert sorted(errors_of(call)) == fields


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        (IssueFilter(state=("submitted", "lost")), "state"),
        (IssueFilter(region=("Uusimaa",)), "region"),
        (IssueFilter(region=("uusi maa",)), "region"),
        (IssueFilter(region=("",)), "region"),
        (IssueFilter(region=("%",)), "region"),
        (IssueFilter(category=("weather",)), "category"),
        (IssueFilter(awaiting="nobody"), "awaiting"),
        (IssueFilter(awaiting="ministry_chair"), "awaiting"),
        (IssueFilter(q="x" * 201), "q"),
        (IssueFilter(q="null\x00byte"), "q"),
        (IssueFilter(submitted_from=dt.date(2026, 3, 2), submitted_to=dt.date(2026, 3, 1)),
         "to"),
    ],
)
def test_bad_filters_refused_by_name(
    session: Session, world: World, filters: IssueFilter, field: str
) -> None:
    errors = errors_of(lambda: list_issues(session, actor=world.lead, filters=filters, now=NOW))
    assert list(errors) == [field]


def test_every_bad_filter_named_at_once(session: Session, world: World) -> None:
    filters = IssueFilter(state=("lost",), category=("weather",), awaiting="nobody")
    errors = errors_of(lambda: list_issues(session, actor=world.lead, filters=filters,
                                           sort="title", page=0, now=NOW))
    assert sorted(errors) == ["awaiting", "category", "page", "sort", "state"]


# --- queues ---------------------------------------------------------------------------


def test_queue_overdue_first_then_by_due_date(session: Session, world: World) -> None:
    due = {
        "late_a_little": NOW - DAY,
        "late_a_lot": NOW - 10 * DAY,
        "due_later": NOW + 5 * DAY,
        "due_soon": NOW + DAY,
        "no_date": None,
    }
    made = {}
    for name, when in due.items():
        made[name] = issue_in(session, world, "awaiting_statement")
        made[name].due_at = when
    issue_in(session, world, "submitted")  # awaits the backbone, not this queue
    session.flush()
    order = ["late_a_lot", "late_a_little", "due_soon", "due_later", "no_date"]
    assert queued(session, world.member, "stakeholders") == [made[n].reference for n in order]
    # Time passes: due_soon becomes late, the rest keep their places.
    page = queue(session, actor=world.member, body="stakeholders", now=NOW + 2 * DAY,
                 per_page=2, page=2)
    assert refs(page) == [made["due_soon"].reference, made["due_later"].reference]
    assert page.total == 5


def test_queue_ties_on_due_date_by_id(session: Session, world: World) -> None:
    made = [issue_in(session, world, "awaiting_decision") for _ in range(3)]
    for issue in made:
        issue.due_at = NOW + DAY
    session.flush()
    by_id = sorted(made, key=lambda i: i.id)
    assert queued(session, world.ministry_chair, "working_group") == [i.reference for i in by_id]


def test_a_queue_of_several_states_is_one_due_date_order(session: Session,
                                                          world: World) -> None:
    """The backbone's queue (submitted and decided, read state by state) merges in due-date
    order across both, ties by id, none last, page after page."""
    plan = [("submitted", 3), ("decided", 1), ("submitted", None), ("decided", 3),
            ("decided", 2), ("submitted", 1), ("decided", None), ("submitted", 2)]
    made = []
    for state, days in plan:
        issue = issue_in(session, world, state)
        issue.due_at = None if days is None else NOW + days * DAY
        made.append(issue)
    session.flush()
    never = dt.datetime.max.replace(tzinfo=dt.UTC)
    expected = [i.reference for i in sorted(made, key=lambda i: (i.due_at or never, i.id))]
    assert queued(session, world.coordinator, "backbone") == expected
    pages = [queue(session, actor=world.coordinator, body="backbone", now=NOW, page=n,
                   per_page=3) for n in (1, 2, 3, 4)]
    assert [r for p in pages for r in refs(p)] == expected
    assert [p.total for p in pages] == [8, 8, 8, 8]
    issue_in(session, world, "awaiting_statement").due_at = NOW  # another body's: left out
    session.flush()
    assert queued(session, world.coordinator, "backbone") == expected


@pytest.mark.parametrize("body", ["", "ministry", "Backbone", "stakeholder_chair"])
def test_unknown_queue_refused(session: Session, world: World, body: str) -> None:
    errors = errors_of(lambda: queue(session, actor=world.coordinator, body=body, now=NOW))
    assert list(errors) == ["body"]


# --- statement count ------------------------------------------------------------------



def _statements_for_a_page(session: Session, world: World,
                           fetch: Callable[[], Page]) -> tuple[int, int]:
    """Statements to list and show a page (region and assignee of each), and its size."""
    session.flush()
    search_index.flush_pending(session)  # what the commit of the changes would have done
    session.expunge_all()  # nothing already loaded may hide a lazy load
    with counting(session) as seen:
        page = fetch()
        shown = [(i.reference, i.region.code, i.assignee and i.assignee.email)
                 for i in page.items]
    assert all(code in ("uusimaa", "pirkanmaa") for _, code, _ in shown)
    return len(seen), len(page.items)


def _add(session: Session, world: World, n: int) -> None:
    for k in range(n):
        region, lead = (("uusimaa", world.lead) if k % 2 else ("pirkanmaa", world.other_lead))
        issue = issue_in(session, world, "submitted", lead=lead, region=region)
        if k % 3 == 0:
            issues.assign(session, issue.reference, actor=world.coordinator,
                          expected_version=issue.version,
                          assignee_email="coordinator@backbone.test")


def test_statement_count_does_not_grow_with_items(session: Session, world: World) -> None:
    def page_of_list() -> Page:
        return list_issues(session, actor=world.coordinator, filters=IssueFilter(q="esc"),
                           per_page=200, now=NOW)

    def page_of_queue() -> Page:
        return queue(session, actor=world.coordinator, body="backbone", per_page=200, now=NOW)

    _add(session, world, 3)
    few = _statements_for_a_page(session, world, page_of_list)
    few_queued = _statements_for_a_page(session, world, page_of_queue)
    _add(session, world, 27)
    many = _statements_for_a_page(session, world, page_of_list)
    many_queued = _statements_for_a_page(session, world, page_of_queue)
    assert (few[1], many[1]) == (3, 30)
    assert (few_queued[1], many_queued[1]) == (3, 30)
    # The queue: one SELECT with its joins, and one for the page's co-raising regions
    # (issue 18: a row says how many regions raised it); the page is the last one, so it
    # tells the total itself. The list searched (`q`) first finds its newest matches
    # (services/search.py `newest`: the matches, then those the reader may see), then the
    # same two: four, however many issues match.
    assert few[0] == many[0] == 4
    assert few_queued[0] == many_queued[0] == 2


def test_a_full_page_counts_once(session: Session, world: World) -> None:
    _add(session, world, 5)
    for fetch in (
        lambda: list_issues(session, actor=world.coordinator, filters=ANY, per_page=2, now=NOW),
        lambda: queue(session, actor=world.coordinator, body="backbone", per_page=2, now=NOW),
    ):
        # SELECT, the page's co-raising regions (issue 18), COUNT
        assert _statements_for_a_page(session, world, fetch) == (3, 2)
        assert fetch().total == 5


@pytest.mark.parametrize(("page", "per_page", "size", "total"),
                         [(1, 5, 5, 5), (2, 2, 2, 5), (3, 2, 1, 5), (1, 9, 5, 5)])
def test_the_total_is_exact_whether_counted_or_told_by_the_page(
    session: Session, world: World, page: int, per_page: int, size: int, total: int
) -> None:
    _add(session, world, 5)
    got = list_issues(session, actor=world.coordinator, filters=ANY, page=page,
                      per_page=per_page, now=NOW)
    assert (len(got.items), got.total) == (size, total)


def test_statement_count_for_an_empty_page(session: Session, world: World) -> None:
    _add(session, world, 3)
    count, size = _statements_for_a_page(
        session, world,
        lambda: list_issues(session, actor=world.coordinator, filters=ANY, page=9, now=NOW))
    assert (count, size) == (2, 0)
    assert list_issues(session, actor=world.coordinator, filters=ANY, page=9,
                       now=NOW).total == 3



def test_every_filter_and_sort_column_leads_an_index() -> None:
    """A list filtered or sorted on a column no index starts with scans every issue."""
    leading = {index.columns[0].name for index in Issue.__table__.indexes}
    leading |= {c.columns[0].name for c in Issue.__table__.constraints
                if isinstance(c, UniqueConstraint)}
    sorted_on = {s.removeprefix("-") for s in SORTS}
    filtered_on = {"state", "region_id", "category", "due_at", "submitted_at"}
    assert sorted_on | filtered_on <= leading, sorted(sorted_on | filtered_on - leading)

"""Deleting a draft: only its author, only a draft; every text it held is erased with the
redaction machinery, the chain still verifies, and the draft is in no list or figure."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation import audit, audit_verify, idempotency, runtime
from escalation.errors import ActionNotAvailable, Conflict, Forbidden, Gone, NotFound
from escalation.models import Comment, IdempotencyKey, Issue
from escalation.services import comments, drafts, issues, queries, reports, rollup, tasks
from escalation.services.listings import issues_of
from escalation.services.queries import IssueFilter
from tests.factories import World, issue_in, make_actor, new_issue

NAME = "Matti Meikäläinen (s. 2012)"
NOW = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)


def _verified(session: Session) -> audit_verify.Verification:
    session.flush()
    return audit_verify.verify(session, runtime.settings().audit_key)


def _personal_draft(session: Session, world: World) -> Issue:
    """A draft with a name in every text: title, description, a reference, an edit, a
    comment, and an API answer kept for replay."""
    issue = new_issue(session, world, title="Koskee " + NAME, description=NAME,
                      legal_references=["LSL 25 §", NAME])
    issues.edit(session, issue.reference, actor=world.lead, expected_version=issue.version,
                changes={"description": NAME + " ja sisarukset"})
    comments.add_comment(session, issue.reference, actor=world.lead, text="Muista " + NAME)
    idempotency.claim(session, user_id=world.lead.user_id, key="k1", request_hash="h",
                      now=NOW)
    idempotency.fill(session, user_id=world.lead.user_id, key="k1", status=201,
                     body=json.dumps({"title": "Koskee " + NAME}), headers={})
    return issue


def test_deleting_erases_every_text_and_the_chain_still_verifies(
        session: Session, world: World) -> None:
    issue = _personal_draft(session, world)
    drafts.delete_draft(session, issue.reference, actor=world.lead,
                        expected_version=issue.version)
    session.flush()
    session.expire_all()
    stored = session.get(Issue, issue.id)
    assert stored is not None
    assert stored.deleted_at is not None
    assert (stored.title, stored.description, stored.legal_references) == ("", "", [])
    events = audit.events_of(session, stored)
    assert events[-1].action == "delete_draft"
    assert events[-1].actor == world.lead.email
    assert {e.action for e in events} >= {"create", "edit", "comment", "redact"}
    assert NAME not in repr([e.data for e in events])
    assert NAME not in repr(session.scalars(select(Comment.text)).all())
    assert NAME not in repr(session.scalars(select(IdempotencyKey.body)).all())
    assert (stored.audit_seq, stored.audit_head) == (events[-1].seq, events[-1].hash)
    assert _verified(session).ok


def test_a_deleted_draft_is_in_no_list_task_or_figure(
        session: Session, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    kept = new_issue(session, world, title="Toinen luonnos")
    gone = new_issue(session, world, title="Poistettava luonnos")
    drafts.delete_draft(session, gone.reference, actor=world.lead,
                        expected_version=gone.version)
    session.flush()
    lead = world.lead
    listed = queries.list_issues(session, actor=lead, filters=IssueFilter(), now=NOW)
    assert [i.reference for i in listed.items] == [kept.reference]
    searched = queries.list_issues(session, actor=lead, filters=IssueFilter(q="luonnos"),
                                   now=NOW)
    assert [i.reference for i in searched.items] == [kept.reference]
    assert [i.reference for i in tasks.my_tasks(session, actor=lead, now=NOW).items] == [
        kept.reference]
    for scope in ("region", "mine", "all"):
        listing = issues_of(session, actor=lead, scope=scope, filters=IssueFilter(), now=NOW)
        assert gone.reference not in [i.reference for i in listing.page.items]
        assert sum(listing.by_stage.values()) == 1
    live = reports.summary(session, actor=lead, now=NOW)
    assert sum(live.by_state.values()) == live.by_state["draft"] == 1
    # ... and the precomputed figures count it out too.
    settings = dataclasses.replace(runtime.settings(), rollup_from=0)
    monkeypatch.setattr(runtime, "settings", lambda: settings)
    rollup.refresh(session, now=NOW)
    rolled = reports.summary(session, actor=lead, now=NOW)
    assert rolled.as_of is not None
    assert sum(rolled.by_state.values()) == rolled.by_state["draft"] == 1


def test_a_second_delete_tells_the_author_it_is_gone(session: Session, world: World) -> None:
    issue = new_issue(session, world)
    drafts.delete_draft(session, issue.reference, actor=world.lead,
                        expected_version=issue.version)
    with pytest.raises(Gone, match="You deleted the draft"):
        drafts.delete_draft(session, issue.reference, actor=world.lead,
                            expected_version=issue.version)
    with pytest.raises(Gone):
        issues.transition(session, issue.reference, actor=world.lead, action="submit",
                          expected_version=issue.version)
    colleague = make_actor(session, "lead2@uusimaa.test", ["regional_lead"], region="uusimaa")
    with pytest.raises(NotFound):
        drafts.delete_draft(session, issue.reference, actor=colleague,
                            expected_version=issue.version)


def test_a_sent_issue_is_not_deleted_even_from_a_stale_tab(session: Session,
                                                            world: World) -> None:
    """The tab saw the draft's version; the draft was sent from another tab since: the
    refusal says it was sent and what to do instead, not merely that it changed."""
    issue = new_issue(session, world)
    seen = issue.version
    issues.transition(session, issue.reference, actor=world.lead, action="submit",
                      expected_version=seen)
    with pytest.raises(ActionNotAvailable, match="can be withdrawn instead"):
        drafts.delete_draft(session, issue.reference, actor=world.lead, expected_version=seen)
    assert issue.deleted_at is None
    assert issue.state == "submitted"


def test_a_stale_version_of_a_draft_is_a_conflict(session: Session, world: World) -> None:
    issue = new_issue(session, world)
    seen = issue.version
    issues.edit(session, issue.reference, actor=world.lead, expected_version=seen,
                changes={"title": "Uusi otsikko"})
    with pytest.raises(Conflict):
        drafts.delete_draft(session, issue.reference, actor=world.lead, expected_version=seen)
    assert issue.deleted_at is None


@pytest.mark.parametrize(("who", "refusal"), [
    ("colleague", Forbidden),  # another lead of the region: sees it, may not delete it
    ("other_lead", NotFound), ("coordinator", NotFound), ("chair", NotFound),
    ("ministry_chair", NotFound), ("observer", NotFound), ("admin", NotFound),
])
def test_only_the_author_deletes(session: Session, world: World, who: str,
                                 refusal: type[Exception]) -> None:
    issue = new_issue(session, world)
    actor = (make_actor(session, "lead2@uusimaa.test", ["regional_lead"], region="uusimaa")
             if who == "colleague" else getattr(world, who))
    assert not drafts.may_delete(actor, issue)
    with pytest.raises(refusal):
        drafts.delete_draft(session, issue.reference, actor=actor,
                            expected_version=issue.version)
    assert issue.deleted_at is None


@pytest.mark.parametrize("state", ["submitted", "clarification_requested", "closed",
                                   "withdrawn"])
def test_only_a_draft_is_deleted(session: Session, world: World, state: str) -> None:
    issue = issue_in(session, world, state)
    assert not drafts.may_delete(world.lead, issue)
    with pytest.raises(ActionNotAvailable):
        drafts.delete_draft(session, issue.reference, actor=world.lead,
                            expected_version=issue.version)


def test_the_author_may_delete(session: Session, world: World) -> None:
    issue = new_issue(session, world)
    assert drafts.may_delete(world.lead, issue)

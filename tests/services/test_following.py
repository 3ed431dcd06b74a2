"""Following (issue 18): who may follow what; following twice is following once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalation.errors import InvalidInput, NotFound
from escalation.models import Follow
from escalation.services import following
from tests.factories import World, issue_in, new_issue


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Follow)) or 0


def test_following_twice_is_following_once_and_stopping_twice_is_harmless(
    session: Session, world: World
) -> None:
    issue = issue_in(session, world, "submitted")
    assert following.follow(session, world.observer, "issue", issue.reference)
    assert not following.follow(session, world.observer, "issue", issue.reference)
    assert following.follow(session, world.observer, "region", "pirkanmaa")
    assert following.follow(session, world.observer, "category", "funding")
    assert _count(session) == 3
    assert following.follows_issue(session, world.observer, issue)
    listed = [(f.kind, f.key) for f in following.followed(session, world.observer)]
    assert listed == [("issue", issue.reference), ("region", "pirkanmaa"),
                      ("category", "funding")]
    assert following.unfollow(session, world.observer, "issue", issue.reference)
    assert not following.unfollow(session, world.observer, "issue", issue.reference)
    assert not following.follows_issue(session, world.observer, issue)
    assert _count(session) == 2


def test_an_issue_one_may_not_see_cannot_be_followed(session: Session, world: World) -> None:
    restricted = issue_in(session, world, "submitted", visibility="restricted")
    draft = new_issue(session, world)
    for reference in (restricted.reference, draft.reference, "ESC-2099-9999", "ESC\x00"):
        with pytest.raises(NotFound):
            following.follow(session, world.observer, "issue", reference)
    with pytest.raises(NotFound):  # a draft is its region's leads' alone
        following.follow(session, world.other_lead, "issue", draft.reference)
    assert following.follow(session, world.coordinator, "issue", restricted.reference)
    assert following.follow(session, world.lead, "issue", draft.reference)
    assert _count(session) == 2


@pytest.mark.parametrize(("kind", "key"), [
    ("region", "atlantis"), ("region", "uusimaa\x00"), ("category", "gossip"),
    ("category", ""), ("planet", "mars"),
])
def test_unknown_things_are_refused(session: Session, world: World, kind: str,
                                    key: str) -> None:
    with pytest.raises(InvalidInput):
        following.follow(session, world.observer, kind, key)
    assert _count(session) == 0


def test_an_issue_that_became_invisible_leaves_the_list(session: Session, world: World) -> None:
    issue = issue_in(session, world, "submitted")
    following.follow(session, world.observer, "issue", issue.reference)
    issue.visibility = "restricted"
    session.flush()
    assert following.followed(session, world.observer) == []
    assert following.unfollow(session, world.observer, "issue", issue.reference)

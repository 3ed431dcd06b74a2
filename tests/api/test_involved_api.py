"""GET /issues?involved=me: the issues the caller created or acted on, within what they
may see; the CSV export takes the same filter."""

from __future__ import annotations

from sqlalchemy.orm import Session

from escalation.services import comments
from tests.api.conftest import Call
from tests.api.test_issues_api import is_problem
from tests.factories import World, issue_in


def test_involved_me_lists_what_the_caller_took_part_in(call: Call, session: Session,
                                                         world: World) -> None:
    mine = issue_in(session, world, "submitted")
    commented = issue_in(session, world, "submitted", lead=world.other_lead,
                         region="pirkanmaa")
    comments.add_comment(session, commented.reference, actor=world.member, text="Huomio.")
    issue_in(session, world, "submitted", lead=world.other_lead, region="pirkanmaa")

    def refs(who: str, path: str = "/api/v1/issues?involved=me") -> set[str]:
        return {i["reference"] for i in call(who, "GET", path).get_json()["items"]}

    assert refs("lead") == {mine.reference}
    assert refs("member") == {commented.reference}
    assert refs("observer") == set()
    assert len(refs("coordinator", "/api/v1/issues")) == 3  # without it: all they see
    csv = call("member", "GET", "/api/v1/reports/issues.csv?involved=me").get_data(
        as_text=True)
    assert commented.reference in csv
    assert mine.reference not in csv


def test_involved_takes_only_me(call: Call) -> None:
    got = call("lead", "GET", "/api/v1/issues?involved=someone")
    assert is_problem(got, 422)
    assert "involved" in got.get_json()["errors"]

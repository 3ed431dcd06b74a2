"""A client generated from the served OpenAPI document by openapi-python-client "just works"
(issue 19, item 9): it is generated offline into a temporary folder, imported, and runs an
issue's whole lifecycle against the app in process, with its functions and typed models
only (attributes, never a dict of the answer).

The lifecycle is the newest packaged workflow's: a draft edited with If-Match, submitted,
forwarded to the stakeholder group with a question, a statement, the round summed up for
the working group, a decision that weighs the statement and sets an obligation, closing,
and the region's feedback. Generation takes some 5 s, once per run.
"""

from __future__ import annotations

import datetime as dt
import enum
import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from flask import Flask
from sqlalchemy.orm import Session

from api import create_app
from escalation.db import utcnow
from escalation.services import people
from tests.factories import World

PACKAGE = "escalation_api_client"


def generate(document: dict[str, Any], folder: Path) -> None:
    """openapi-python-client's `generate`, as a developer runs it, with ruff (its post-hook)
    found beside this Python; fails on any warning it gives about the document."""
    spec = folder / "openapi.json"
    spec.write_text(json.dumps(document), encoding="utf-8")
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": os.pathsep.join([bin_dir, os.environ.get("PATH", "")])}
    done = subprocess.run(
        [str(Path(bin_dir) / "openapi-python-client"), "generate", "--path", str(spec),
         "--output-path", str(folder / PACKAGE), "--meta", "none", "--fail-on-warning"],
        cwd=folder, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """The generated package's api and models modules (the document needs no database)."""
    document = create_app({"TESTING": True}).test_client().get("/api/openapi.json").get_json()
    folder = tmp_path_factory.mktemp("generated")
    generate(document, folder)
    sys.path.insert(0, str(folder))
    try:
        def load(name: str) -> Any:
            return importlib.import_module(f"{PACKAGE}.{name}")

        yield SimpleNamespace(
            client=load("client"), models=load("models"),
            issues=SimpleNamespace(**{n: load(f"api.issues.{n}") for n in (
                "create_issue", "edit_issue", "get_issue", "list_issues", "take_action",
                "give_statement", "give_feedback")}),
            obligations=load("api.obligations.list_obligations"))
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n.split(".")[0] == PACKAGE]:
            del sys.modules[name]


class People:
    """A generated client per person of the world, on the app in process (WSGI)."""

    def __init__(self, gen: SimpleNamespace, app: Flask, session: Session, world: World):
        self.gen, self.app, self.session, self.world = gen, app, session, world

    def __getattr__(self, who: str) -> Any:
        token, _ = people.create_token(self.session, email=getattr(self.world, who).email)
        client = self.gen.client.AuthenticatedClient(
            base_url="http://localhost", token=token, raise_on_unexpected_status=True,
            httpx_args={"transport": httpx.WSGITransport(app=self.app)})
        setattr(self, who, client)
        return client


def test_a_generated_client_runs_the_whole_lifecycle_with_typed_models(
        generated: SimpleNamespace, app: Flask, session: Session, world: World) -> None:
    m, issues = generated.models, generated.issues
    as_ = People(generated, app, session, world)

    def ok(answer: Any, status: int, kind: type) -> Any:
        assert answer.status_code == status, answer.content
        assert isinstance(answer.parsed, kind), answer.parsed
        return answer.parsed

    def act(who: Any, reference: str, body: Any) -> Any:
        return ok(issues.take_action.sync_detailed(reference, client=who, body=body), 200,
                  m.IssueDetailOut)

    # A draft, then edited with If-Match (the ETag as read) instead of a bare version.
    draft = ok(issues.create_issue.sync_detailed(client=as_.lead, body=m.IssueIn(
        title="Lapsen kuuleminen", region="uusimaa",
        description="Miten alle 12-vuotiaan lapsen mielipide selvitetään?",
        category=m.IssueInCategoryType0.INTERPRETATION, urgency=m.IssueInUrgency.NORMAL)),
        201, m.IssueDetailOut)
    assert (draft.state, draft.decision, draft.feedback) == ("draft", None, None)
    assert draft.available_actions
    assert "submit" in draft.available_actions
    read = issues.get_issue.sync_detailed(draft.reference, client=as_.lead)
    edited = ok(issues.edit_issue.sync_detailed(
        draft.reference, client=as_.lead, if_match=read.headers["ETag"],
        body=m.IssuePatch(title="Alle 12-vuotiaan lapsen kuuleminen")), 200, m.IssueDetailOut)
    assert edited.title == "Alle 12-vuotiaan lapsen kuuleminen"
    assert edited.version == draft.version + 1
    ref = edited.reference

    issue = act(as_.lead, ref, m.SubmitAction(action="submit",
                                              expected_version=edited.version))
    assert issue.state == "submitted"
    assert isinstance(issue.awaiting, enum.Enum)
    assert issue.awaiting == "backbone"

    issue = act(as_.coordinator, ref, m.ForwardAction(
        action="forward", expected_version=issue.version, data=m.ForwardData(
            request="Pyydämme lausuntoa kuulemisen käytännöistä.",
            questions=["Miten kuuleminen kirjataan?"])))
    assert issue.state == "awaiting_statement"
    assert issue.rounds[0].questions == ["Miten kuuleminen kirjataan?"]

    statement = ok(issues.give_statement.sync_detailed(ref, client=as_.member, body=m.StatementIn(
        position=m.StatementInPosition.SUPPORTS, text="Kuuleminen kirjataan aina.",
        answers=["Asiakassuunnitelmaan."])), 201, m.StatementOut)
    assert statement.status == "sent"

    issue = ok(issues.get_issue.sync_detailed(ref, client=as_.chair), 200, m.IssueDetailOut)
    issue = act(as_.chair, ref, m.ForwardToWorkingGroupAction(
        action="forward_to_working_group", expected_version=issue.version,
        data=m.ForwardToWorkingGroupData(summary="Yksi järjestö puoltaa.")))
    assert issue.state == "awaiting_decision"
    assert issue.decision is None

    due = utcnow().date() + dt.timedelta(days=90)
    issue = act(as_.ministry_chair, ref, m.DecideAction(
        action="decide", expected_version=issue.version, data=m.DecideData(
            outcome=m.DecideDataOutcome.NATIONAL_GUIDANCE, rationale="Ohje laaditaan.",
            responsible="Sosiaali- ja terveysministeriö",
            weighing=[m.WeighingIn(statement=statement.id,
                                   taken_into_account=m.WeighingInTakenIntoAccount.FULLY)],
            obligations=[m.ObligationIn(what="Ohje kuulemisesta",
                                        responsible="Sosiaali- ja terveysministeriö",
                                        due=due)])))
    assert issue.state == "decided"

    # Read back: the decision is a typed model, its weighing and obligation too.
    issue = ok(issues.get_issue.sync_detailed(ref, client=as_.lead), 200, m.IssueDetailOut)
    assert isinstance(issue.decision, m.DecisionOut)
    assert issue.decision.outcome == "national_guidance"
    assert isinstance(issue.decision.decided_at, dt.datetime)
    [weighed] = issue.decision.weighing
    assert (weighed.statement, weighed.taken_into_account) == (statement.id, "fully")
    [obligation] = issue.obligations
    assert isinstance(obligation, m.ObligationOut)
    assert obligation.due == due

    issue = act(as_.coordinator, ref, m.CloseAction(
        action="close", expected_version=issue.version,
        data=m.CloseData(note="Päätös välitetty alueelle.")))
    assert issue.state == "closed"
    assert issue.awaiting is None

    issue = ok(issues.give_feedback.sync_detailed(ref, client=as_.lead, body=m.FeedbackIn(
        expected_version=issue.version, answer=m.FeedbackInAnswer.HELPED)), 200,
        m.IssueDetailOut)
    assert isinstance(issue.feedback, m.FeedbackOut)
    assert issue.feedback.answer == "helped"

    # The list, newest submitted first, by the sort's readable name.
    page = ok(issues.list_issues.sync_detailed(
        client=as_.lead, sort=m.ListIssuesSort.SUBMITTED_AT_DESC), 200, m.IssuePageOut)
    assert ref in [item.reference for item in page.items]
    obligations = ok(generated.obligations.sync_detailed(client=as_.coordinator), 200,
                     m.ObligationPageOut)
    assert [o.reference for o in obligations.items] == [ref]

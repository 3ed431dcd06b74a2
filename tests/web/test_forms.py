"""Forms made from the workflow definition, and the drawing of a definition."""

from __future__ import annotations

from flask import Flask
from werkzeug.datastructures import MultiDict

from api.web import diagram
from api.web.forms import action_data, action_form_class
from escalation import runtime
from escalation.workflow.definition import DataField, Transition

NEW_STEP = Transition(
    action="consult_ombudsman", sources=frozenset({"submitted"}), target="submitted",
    roles=frozenset({"coordinator"}),
    data=(DataField("question", "text"), DataField("by", "date", required=False),
          DataField("channel", "choice", choices=("mail", "meeting"))),
)


def test_a_new_step_in_a_definition_gets_its_form_without_code(app: Flask) -> None:
    with app.test_request_context(method="POST", data=MultiDict({
            "consult_ombudsman-question": "Mitä mieltä?",
            "consult_ombudsman-by": "2027-01-31",
            "consult_ombudsman-channel": "meeting",
            "consult_ombudsman-expected_version": "3"})):
        form = action_form_class(NEW_STEP)(prefix="consult_ombudsman")
        assert {"question", "by", "channel"} <= set(form._fields)
        assert form.validate(), form.errors
        assert action_data(form, NEW_STEP) == {"question": "Mitä mieltä?", "by": "2027-01-31",
                                               "channel": "meeting"}
        assert form.by.label.text.endswith("(vapaaehtoinen)")


def test_required_fields_are_required(app: Flask) -> None:
    with app.test_request_context(method="POST", data=MultiDict({
            "consult_ombudsman-channel": "fax"}), headers={"Accept-Language": "en"}):
        form = action_form_class(NEW_STEP)(prefix="consult_ombudsman")
        assert not form.validate()
        assert set(form.errors) == {"question", "channel"}


def test_the_drawing_has_every_state_and_transition() -> None:
    wf = runtime.registry().latest("escalation")
    drawn = diagram.draw(wf, "submitted")
    assert [b.state for b in drawn.boxes] == list(wf.states)
    assert [b.state for b in drawn.boxes if b.current] == ["submitted"]
    pairs = {(a.action, a.source, a.target) for a in drawn.arcs}
    assert pairs == {(t.action, s, t.target) for t in wf.transitions for s in t.sources}


def test_overlapping_arcs_get_their_own_lanes() -> None:
    spans = [(0, 7), (1, 6), (1, 3), (4, 6), (2, 5)]
    lanes = diagram._lanes(spans)
    for i, (a, b) in enumerate(spans):
        for j, (c, d) in enumerate(spans):
            if i < j and not (b <= c or d <= a):
                assert lanes[i] != lanes[j]

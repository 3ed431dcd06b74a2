"""GET /api/v1/issues?q=: words in any inflected form, best first, as the list shows them
(issue 18, item 1), and the OpenAPI description says so."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tests.api.conftest import Call
from tests.factories import World, issue_in


def test_q_finds_inflected_forms_best_first(call: Call, session: Session,
                                            world: World) -> None:
    in_text = issue_in(session, world, "submitted", title="Toimeentulotuki",
                       description="Koskee myös lapsen etua.")
    in_title = issue_in(session, world, "submitted", title="Lapsen edun arviointi",
                        description="Lasten etuja punnitaan.")
    hidden = issue_in(session, world, "submitted", lead=world.other_lead, region="pirkanmaa",
                      title="Lapsen etu salassa", visibility="restricted")
    session.commit()  # the changes' commit writes their index (the API reads in its own)
    body = call("lead", "GET", "/api/v1/issues?q=lapsen+etu").get_json()
    assert [i["reference"] for i in body["items"]] == [in_title.reference, in_text.reference]
    assert body["total"] == 2
    by_reference = call("coordinator", "GET", "/api/v1/issues?q=lapsi&sort=reference")
    assert [i["reference"] for i in by_reference.get_json()["items"]] == [
        in_text.reference, in_title.reference, hidden.reference]
    one = call("lead", "GET", f"/api/v1/issues?q={in_text.reference}").get_json()
    assert [i["reference"] for i in one["items"]] == [in_text.reference]


def test_the_openapi_document_describes_q(call: Call) -> None:
    spec = call(None, "GET", "/api/openapi.json").get_json()
    params = {p["name"]: p for p in spec["paths"]["/api/v1/issues"]["get"]["parameters"]}
    assert "inflected form" in params["q"]["description"]
    assert "relevance" in params["sort"]["description"]

"""HTTP's conventions (api/conventions.py): ETag with If-None-Match and If-Match, Link
headers on pages, trailing slashes, and an address naming nothing answering 404."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.api.conftest import Call
from tests.api.test_issues_api import NEW, is_problem


def _draft(call: Call) -> dict[str, object]:
    made = call("lead", "POST", "/api/v1/issues", json=NEW)
    assert made.status_code == 201, made.get_data(as_text=True)
    body: dict[str, object] = made.get_json()
    return body


def test_an_issue_read_again_with_its_etag_is_304_until_it_changes(call: Call) -> None:
    issue = _draft(call)
    path = f"/api/v1/issues/{issue['reference']}"
    first = call("lead", "GET", path)
    tag = first.headers["ETag"]
    assert tag.startswith(f'"{issue["version"]}-')
    again = call("lead", "GET", path, headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == tag
    # A change makes a new representation and a new tag: the old one no longer matches.
    assert call("lead", "POST", f"{path}/comments", json={"text": "Lisätieto"}).status_code == 201
    changed = call("lead", "GET", path, headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != tag


def test_two_readers_never_share_a_tag_for_what_they_see_differently(call: Call) -> None:
    issue = _draft(call)
    call("lead", "POST", f"/api/v1/issues/{issue['reference']}/transitions",
         json={"action": "submit", "expected_version": issue["version"]})
    path = f"/api/v1/issues/{issue['reference']}"
    lead, coordinator = call("lead", "GET", path), call("coordinator", "GET", path)
    assert lead.get_json()["available_actions"] != coordinator.get_json()["available_actions"]
    assert lead.headers["ETag"] != coordinator.headers["ETag"]
    assert call("coordinator", "GET", path,
                headers={"If-None-Match": lead.headers["ETag"]}).status_code == 200


def test_if_match_is_the_twin_of_expected_version(call: Call) -> None:
    issue = _draft(call)
    path = f"/api/v1/issues/{issue['reference']}"
    tag = call("lead", "GET", path).headers["ETag"]
    edited = call("lead", "PATCH", path, json={"title": "Perhekeskuksen rahoitus 2027"},
                  headers={"If-Match": tag})
    assert edited.status_code == 200, edited.get_data(as_text=True)
    assert edited.get_json()["version"] == issue["version"] + 1  # type: ignore[operator]
    # The same tag again is stale: 412, HTTP's answer, with the conflict's body.
    stale = is_problem(call("lead", "PATCH", path, json={"title": "Toinen otsikko"},
                            headers={"If-Match": tag}), 412)
    assert stale["type"] == "/api/problems/version-conflict"
    assert stale["current_version"] == edited.get_json()["version"]
    assert call("lead", "GET", path).get_json()["title"] == "Perhekeskuksen rahoitus 2027"
    # A transition takes it too, in place of expected_version.
    fresh = call("lead", "GET", path).headers["ETag"]
    sent = call("lead", "POST", f"{path}/transitions", json={"action": "submit"},
                headers={"If-Match": fresh})
    assert sent.status_code == 200, sent.get_data(as_text=True)
    assert sent.get_json()["state"] == "submitted"


def test_if_match_that_names_no_version_or_disagrees_is_refused_by_field(call: Call) -> None:
    issue = _draft(call)
    path = f"/api/v1/issues/{issue['reference']}"
    for header in ("*", '"abc"', '"1-aa", "2-bb"'):
        body = is_problem(call("lead", "PATCH", path, json={"title": "X"},
                               headers={"If-Match": header}), 422)
        assert set(body["errors"]) == {"If-Match"}
    tag = call("lead", "GET", path).headers["ETag"]
    body = is_problem(call("lead", "PATCH", path, headers={"If-Match": tag}, json={
        "title": "X", "expected_version": int(issue["version"]) + 5}), 422)  # type: ignore[call-overload]
    assert set(body["errors"]) == {"expected_version"}
    assert call("lead", "GET", path).get_json()["title"] == NEW["title"]


# Found by schemathesis once the document declared If-Match: `"expected_version": null`
# beside a good If-Match was taken, though the field refuses null (the document says so).
def test_a_null_expected_version_is_refused_with_if_match_too(call: Call) -> None:
    issue = _draft(call)
    path = f"/api/v1/issues/{issue['reference']}"
    tag = call("lead", "GET", path).headers["ETag"]
    body = is_problem(call("lead", "PATCH", path, headers={"If-Match": tag}, json={
        "title": "X", "expected_version": None}), 422)
    assert set(body["errors"]) == {"expected_version"}
    assert call("lead", "GET", path).get_json()["title"] == NEW["title"]
    edited = call("lead", "PATCH", path, json={"title": "Y"}, headers={"If-Match": tag})
    assert edited.status_code == 200, edited.get_data(as_text=True)  # left out: If-Match's


def test_pages_of_a_list_link_to_each_other_keeping_the_filters(call: Call) -> None:
    for _ in range(3):
        _draft(call)
    first = call("lead", "GET", "/api/v1/issues?per_page=1&state=draft")
    total = first.get_json()["total"]
    assert total >= 3
    links = {rel: url for url, rel in (
        (part.split(">;")[0].strip(" <"), part.split('rel="')[1].rstrip('"'))
        for part in first.headers["Link"].split(","))}
    assert set(links) == {"first", "next", "last"}
    assert parse_qs(urlsplit(links["next"]).query) == {"per_page": ["1"], "state": ["draft"],
                                                        "page": ["2"]}
    assert parse_qs(urlsplit(links["last"]).query)["page"] == [str(total)]
    second = call("lead", "GET", links["next"])
    assert second.status_code == 200
    assert 'rel="prev"' in second.headers["Link"]
    last = call("lead", "GET", links["last"])
    assert 'rel="next"' not in last.headers["Link"]
    one_page = call("lead", "GET", "/api/v1/issues?per_page=100")
    assert "Link" not in one_page.headers


def test_a_trailing_slash_leads_to_the_address_without_it(call: Call) -> None:
    listed = call("lead", "GET", "/api/v1/issues/?state=draft")
    assert listed.status_code == 308
    assert listed.headers["Location"].endswith("/api/v1/issues?state=draft")
    posted = call("lead", "POST", "/api/v1/issues/", json=NEW)
    assert posted.status_code == 308  # method and body kept by the client; nothing made here
    assert call("lead", "GET", "/api/v1/issues").get_json()["total"] == 0
    assert call(None, "GET", "/julkiset/").status_code == 308
    is_problem(call("lead", "GET", "/api/v1/nothing-here/"), 404)
    # Never a way to send a reader to another host: `GET //evil.example/ HTTP/1.1` (the
    # path as a server receives it; a test client would read it as a host).
    for path in ("//evil.example/", "//julkiset/", "///julkiset/"):
        answer = call(None, "GET", "/", environ_overrides={"PATH_INFO": path})
        assert not answer.headers.get("Location", "").startswith("//"), path
        assert "evil" not in answer.headers.get("Location", ""), path


def test_a_queue_of_nobody_is_not_there(call: Call) -> None:
    body = is_problem(call("coordinator", "GET", "/api/v1/queues/nobody"), 404)
    assert "errors" not in body
    # Says what is there instead of the framework's "check your spelling".
    assert body["detail"] == ("No queue 'nobody': the queues are backbone, region, stakeholders, "
                              "working_group.")
    assert call("coordinator", "GET", "/api/v1/queues/backbone").status_code == 200

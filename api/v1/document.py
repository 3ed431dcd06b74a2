"""The OpenAPI document as client generators read it (issue 19, item 9): OpenAPI 3.1, an
`operationId` on every operation, nullable fields and enums the 3.1 way, readable names for
the descending sort values, the per-action `data` of POST .../transitions, the conditional
headers of api/conventions.py, and `servers`.

Only the document changes here: what the views accept and answer is theirs.
"""

from __future__ import annotations

from typing import Any

from apispec import APISpec, BasePlugin
from marshmallow import fields

from escalation import runtime
from escalation.limits import TAKEN_INTO_ACCOUNT
from escalation.workflow.definition import DataField, Workflow

OPENAPI_VERSION = "3.1.0"
# Relative: the document is served by the API it describes, so its own host is the server.
SERVERS = [{"url": "/", "description": "The service that serves this document."}]

# Every operation's id, camelCase, unique (tests/api/test_openapi_contract.py). A generated
# client names its functions after these (`create_issue`, `take_action`).
OPERATION_IDS: dict[tuple[str, str], str] = {
    ("get", "/api/v1/issues"): "listIssues",
    ("post", "/api/v1/issues"): "createIssue",
    ("get", "/api/v1/issues/{reference}"): "getIssue",
    ("patch", "/api/v1/issues/{reference}"): "editIssue",
    ("delete", "/api/v1/issues/{reference}"): "deleteDraft",
    ("post", "/api/v1/issues/{reference}/transitions"): "takeAction",
    ("post", "/api/v1/issues/{reference}/decision/corrections"): "correctDecision",
    ("post", "/api/v1/issues/{reference}/feedback"): "giveFeedback",
    ("get", "/api/v1/issues/{reference}/rounds"): "listRounds",
    ("post", "/api/v1/issues/{reference}/statements"): "giveStatement",
    ("patch", "/api/v1/issues/{reference}/statements/{statement_id}"): "editStatement",
    ("post", "/api/v1/issues/{reference}/statements/{statement_id}/send"): "sendStatement",
    ("post", "/api/v1/issues/{reference}/statements/{statement_id}/withdraw"):
        "withdrawStatement",
    ("post", "/api/v1/issues/{reference}/comments"): "addComment",
    ("post", "/api/v1/issues/{reference}/redactions"): "redactEventText",
    ("get", "/api/v1/queues/{body}"): "getQueue",
    ("get", "/api/v1/issues/{reference}/audit"): "getAuditTrail",
    ("get", "/api/v1/audit/verify"): "verifyAuditLog",
    ("get", "/api/v1/reports/summary"): "getReportSummary",
    ("get", "/api/v1/reports/issues.csv"): "exportIssuesCsv",
    ("get", "/api/v1/reports/year/{year}"): "getYearlyReport",
    ("get", "/api/v1/obligations"): "listObligations",
    ("get", "/api/v1/reports/obligations.csv"): "exportObligationsCsv",
    ("post", "/api/v1/issues/{reference}/obligations/{obligation_id}/progress"):
        "recordObligationProgress",
    ("get", "/api/v1/meetings"): "listMeetings",
    ("post", "/api/v1/meetings"): "callMeeting",
    ("get", "/api/v1/meetings/{meeting_id}"): "getMeeting",
    ("patch", "/api/v1/meetings/{meeting_id}"): "editMeeting",
    ("get", "/api/v1/meetings/{meeting_id}/agenda"): "getAgenda",
    ("put", "/api/v1/meetings/{meeting_id}/agenda"): "setAgenda",
    ("post", "/api/v1/meetings/{meeting_id}/agenda/proposals"): "proposeAgendaItems",
    ("post", "/api/v1/meetings/{meeting_id}/agenda/publish"): "publishAgenda",
    ("get", "/api/v1/meetings/{meeting_id}/minutes"): "getMinutes",
    ("post", "/api/v1/meetings/{meeting_id}/minutes"): "recordMinutes",
    ("put", "/api/v1/meetings/{meeting_id}/minutes/items/{item_id}"): "recordMinutesItem",
    ("put", "/api/v1/meetings/{meeting_id}/minutes/attendance"): "recordAttendance",
    ("post", "/api/v1/meetings/{meeting_id}/minutes/approval"): "approveMinutes",
    ("post", "/api/v1/meetings/{meeting_id}/minutes/corrections"): "correctMinutes",
    ("get", "/api/v1/meetings/{meeting_id}/action-items"): "listMeetingActionItems",
    ("post", "/api/v1/meetings/{meeting_id}/action-items"): "addActionItem",
    ("get", "/api/v1/action-items/{item_id}"): "getActionItem",
    ("patch", "/api/v1/action-items/{item_id}"): "markActionItem",
    ("get", "/api/v1/action-items"): "listMyActionItems",
    ("get", "/api/v1/meetings/{meeting_id}/situation"): "listSituationReports",
    ("get", "/api/v1/meetings/{meeting_id}/situation/{region_code}"): "getSituationReport",
    ("put", "/api/v1/meetings/{meeting_id}/situation/{region_code}"): "writeSituationReport",
    ("get", "/api/v1/regions/{code}/situation"): "listRegionSituationReports",
    ("get", "/api/v1/meetings/{meeting_id}/ics"): "getMeetingIcs",
    ("get", "/api/v1/workflows/{name}"): "getWorkflow",
    ("post", "/api/v1/auth/token"): "createToken",
    ("get", "/api/v1/following"): "listFollowing",
    ("post", "/api/v1/following"): "follow",
    ("delete", "/api/v1/following/{kind}/{key}"): "unfollow",
    ("post", "/api/v1/issues/{reference}/join"): "joinIssue",
    ("get", "/api/v1/issues/{reference}/related"): "getRelated",
    ("post", "/api/v1/issues/{reference}/links"): "linkIssues",
    ("delete", "/api/v1/issues/{reference}/links/{other}"): "unlinkIssues",
}

_UNLESS_IF_MATCH = ("The `version` you saw (the issue's, or the meeting's); required unless "
                    "`If-Match` names it. A stale one: 409.")

TAKE_ACTION = ("post", "/api/v1/issues/{reference}/transitions")

IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "description": "The twin of `expected_version`: the `ETag` you read (its version comes "
                   "first, `\"<version>-<hash>\"`). A stale one answers 412 with the same "
                   "problem as a stale `expected_version`; both given and disagreeing, 422.",
    # No pattern: any other text is a 422 by field (`If-Match`), as a bad body field is.
    "schema": {"type": "string"},
    "example": '"3-5f2b9c0e8a1d4b7c9e0f1a2b3c4d5e6f"',
}
ETAG = {
    "description": "A strong tag of this answer's body (a resource with a `version` puts it "
                   "first: `\"<version>-<hash>\"`). Send it back in `If-None-Match` for a "
                   "304 without a body, or in `If-Match` on a change.",
    "schema": {"type": "string"},
}


def nullable_31(converter: Any, field: fields.Field[Any], ret: dict[str, Any],
                **kwargs: Any) -> dict[str, Any]:
    """An apispec attribute function (last in line): a nullable field as OpenAPI 3.1 says.

    apispec gives `type: [X, "null"]` and `anyOf: [{$ref}, {type: null}]` for `allow_none`
    itself; two things are left for here. A field documented with `nullable` in its
    metadata (the computed `Function` fields) is made nullable the same way, as 3.1 has no
    `nullable`. An enum of a nullable field lists no `null` (a generator would make it a
    member): it becomes `anyOf: [{type: X, enum: [...]}, {type: null}]`, which a JSON
    Schema validator reads as it was meant and a generator types as `Enum | None`.
    """
    if ret.pop("nullable", False) and "anyOf" not in ret:
        ret["type"] = _with_null(ret.get("type"))
    enum = ret.get("enum")
    if enum is None:
        return {}
    if None not in enum and "null" not in _types(ret.get("type")):
        if names := sort_names(enum):
            ret["x-enum-varnames"] = names
        return {}
    values = [value for value in ret.pop("enum") if value is not None]
    kinds = [kind for kind in _types(ret.pop("type", None)) if kind != "null"]
    branch: dict[str, Any] = {"enum": values}
    if names := sort_names(values):
        branch["x-enum-varnames"] = names
    if kinds:
        branch["type"] = kinds[0] if len(kinds) == 1 else kinds
    for key in ("format",):
        if key in ret:
            branch[key] = ret.pop(key)
    ret["anyOf"] = [branch, {"type": "null"}]
    return {}


def sort_names(values: list[Any]) -> list[str] | None:
    """Readable member names for a list of sort keys, where a leading `-` sorts descending:
    `-submitted_at` is SUBMITTED_AT_DESC (the `x-enum-varnames` extension generators honour;
    without it openapi-python-client names them VALUE_5). None for any other enum."""
    if not all(isinstance(v, str) for v in values) or not any(
            v.startswith("-") for v in values):
        return None
    return [f"{v[1:].upper()}_DESC" if v.startswith("-") else v.upper() for v in values]


def _types(kind: Any) -> list[str]:
    if kind is None:
        return []
    return [kind] if isinstance(kind, str) else list(kind)


def _with_null(kind: Any) -> Any:
    kinds = _types(kind)
    return [*kinds, "null"] if kinds and "null" not in kinds else kind


def not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter's schema without null: a query string cannot carry one (leaving
    the parameter out is how it is not given)."""
    schema = dict(schema)
    if schema.get("default", 0) is None:
        del schema["default"]
    if "anyOf" in schema:
        branches = [b for b in schema["anyOf"] if b != {"type": "null"}]
        if len(branches) == 1:
            del schema["anyOf"]
            schema.update(branches[0])
        else:
            schema["anyOf"] = branches
    kinds = _types(schema.get("type"))
    if "null" in kinds:
        kinds.remove("null")
        schema["type"] = kinds[0] if len(kinds) == 1 else kinds
    if "enum" in schema:
        schema["enum"] = [value for value in schema["enum"] if value is not None]
    return schema


class DocumentPlugin(BasePlugin):
    """Completes each operation for generators: its id, null-free query parameters, and
    the conditional headers api/conventions.py accepts (If-Match) and sends (ETag)."""

    def init_spec(self, spec: APISpec) -> None:
        super().init_spec(spec)
        self.spec = spec

    def operation_helper(self, path: str | None = None,
                         operations: dict[str, Any] | None = None, **kwargs: Any) -> None:
        for method, operation in (operations or {}).items():
            operation_id = OPERATION_IDS.get((method, path or ""))
            if operation_id is not None:
                operation.setdefault("operationId", operation_id)
            parameters = operation.get("parameters", [])
            for parameter in parameters:
                if isinstance(parameter, dict) and parameter.get("in") == "query" and (
                        "schema" in parameter):
                    parameter["schema"] = not_null(parameter["schema"])
            if self._takes_expected_version(operation):
                parameters.append(dict(IF_MATCH))
                operation["parameters"] = parameters
                self._version_or_if_match(operation)
            if method == "get" and path and path.startswith("/api/v1/"):
                ok = operation.get("responses", {}).get(200) or operation.get(
                    "responses", {}).get("200")
                if isinstance(ok, dict) and "application/json" in ok.get("content", {}):
                    ok.setdefault("headers", {})["ETag"] = ETAG
            if (method, path) == TAKE_ACTION:
                take_action_body(self.spec, operation)

    def _takes_expected_version(self, operation: dict[str, Any]) -> bool:
        """Whether the operation takes `expected_version` (in its body or its query), and
        so If-Match as its twin (api/schemas.py's `Strict`)."""
        if any(p.get("name") == "expected_version" for p in operation.get("parameters", [])
               if isinstance(p, dict)):
            return True
        return "expected_version" in self._body_schema(operation).get("properties", {})

    def _version_or_if_match(self, operation: dict[str, Any]) -> None:
        """`expected_version` is required unless If-Match names the version, which JSON
        Schema cannot say: it is documented as optional, with the rule in its description.
        A body that then requires nothing may be left out (as it always could)."""
        for parameter in operation.get("parameters", []):
            if isinstance(parameter, dict) and parameter.get("name") == "expected_version":
                parameter["required"] = False
                parameter["description"] = _UNLESS_IF_MATCH
        schema = self._body_schema(operation)
        if "expected_version" in schema.get("required", []):
            schema["required"].remove("expected_version")
            if not schema["required"]:
                del schema["required"]
        if "expected_version" in schema.get("properties", {}):
            schema["properties"]["expected_version"]["description"] = _UNLESS_IF_MATCH
        if "requestBody" in operation and not schema.get("required"):
            operation["requestBody"]["required"] = False

    def _body_schema(self, operation: dict[str, Any]) -> dict[str, Any]:
        """The JSON body's schema component ({} without one)."""
        content = operation.get("requestBody", {}).get("content", {})
        ref = content.get("application/json", {}).get("schema", {})
        name = ref.get("$ref", "").rsplit("/", 1)[-1] if isinstance(ref, dict) else ""
        schema: dict[str, Any] = self.spec.components.schemas.get(name, {}) if name else {}
        return schema


# The per-action `data` of POST .../transitions, from the newest packaged definition.
def _data_field_schema(field: DataField) -> dict[str, Any]:
    if field.type == "date":
        return {"type": "string", "format": "date"}
    if field.type == "choice":
        return {"type": "string", "enum": list(field.choices)}
    if field.type == "lines":
        return {"type": "array", "items": {"type": "string"},
                "description": "One-line texts, e.g. targeted questions."}
    if field.type == "obligations":
        return {"type": "array", "items": {"$ref": "#/components/schemas/ObligationIn"}}
    if field.type == "weighing":
        return {"type": "array", "items": {"$ref": "#/components/schemas/WeighingIn"},
                "description": "One per statement given since the previous decision."}
    return {"type": "string"}


OBLIGATION_IN = {
    "type": "object",
    "properties": {"what": {"type": "string"}, "responsible": {"type": "string"},
                   "due": {"type": "string", "format": "date"}},
    "required": ["what", "responsible", "due"],
    "additionalProperties": False,
    "description": "What a decision promises, who does it and by when.",
}
WEIGHING_IN = {
    "type": "object",
    "properties": {
        "statement": {"type": "integer", "description": "The statement's `id`."},
        "taken_into_account": {"type": "string", "enum": list(TAKEN_INTO_ACCOUNT)},
        "reason": {"type": ["string", "null"],
                   "description": "Why; required for `partly` and `not`."},
    },
    "required": ["statement", "taken_into_account"],
    "additionalProperties": False,
    "description": "How a decision took one statement into account.",
}

_SAMPLE_TEXT = {
    "message": "Mitä lakia kysymys koskee?",
    "answer": "Kysymys koskee lastensuojelulain 25 §:ää.",
    "request": "Lausuntopyyntö: miten pykälää tulkitaan?",
    "summary": "Lausunnot puoltavat tulkintaa.",
    "rationale": "Tulkinta on linjassa aiemman ratkaisukäytännön kanssa.",
    "note": "Vastaus annettu alueelle.",
    "reason": "Kysymys ratkesi alueella.",
    "case": "ESC-2026-0002",
}


def _sample(field: DataField) -> Any:
    if field.type == "date":
        return "2027-03-31"
    if field.type == "choice":
        return field.choices[0]
    if field.type == "lines":
        return ["Miten pykälää sovelletaan?"]
    if field.type == "obligations":
        return [{"what": "Ohje kunnille", "responsible": "Ministeriö", "due": "2027-03-31"}]
    return _SAMPLE_TEXT.get(field.name, "…")


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def newest() -> Workflow:
    return runtime.registry().latest("escalation")


def take_action_body(spec: APISpec, operation: dict[str, Any]) -> None:
    """POST .../transitions documented as a `oneOf` by `action`: each action of the newest
    packaged workflow with its own `data`, and an example of each."""
    workflow = newest()
    schemas = spec.components.schemas
    for name, schema in (("ObligationIn", OBLIGATION_IN), ("WeighingIn", WEIGHING_IN)):
        if name not in schemas:
            spec.components.schema(name, schema)
    mapping: dict[str, str] = {}
    examples: dict[str, Any] = {}
    for transition in workflow.transitions:
        if transition.action in mapping:
            continue
        title, sources = _pascal(transition.action), ", ".join(sorted(transition.sources))
        data_name, body_name = f"{title}Data", f"{title}Action"
        if data_name not in schemas:
            spec.components.schema(data_name, {
                "type": "object",
                "properties": {f.name: _data_field_schema(f) for f in transition.data},
                **({"required": [f.name for f in transition.data if f.required]}
                   if any(f.required for f in transition.data) else {}),
                "description": f"What `{transition.action}` takes as `data`.",
            })
            spec.components.schema(body_name, {
                "type": "object",
                "properties": {
                    "action": {"type": "string", "const": transition.action},
                    "expected_version": {"type": "integer",
                                         "description": _UNLESS_IF_MATCH},
                    "comment": {"type": ["string", "null"]},
                    "data": {"$ref": f"#/components/schemas/{data_name}"},
                },
                "required": ["action",
                             *(["data"] if any(f.required for f in transition.data) else [])],
                "additionalProperties": False,
                "description": f"Take `{transition.action}` ({sources} → "
                               f"{transition.target}).",
            })
        mapping[transition.action] = f"#/components/schemas/{body_name}"
        examples[transition.action] = {"summary": f"{transition.action}", "value": {
            "action": transition.action, "expected_version": 3,
            "data": {f.name: _sample(f) for f in transition.data if f.required}}}
    operation["requestBody"]["content"]["application/json"] = {
        "schema": {
            "oneOf": [{"$ref": ref} for ref in mapping.values()],
            "discriminator": {"propertyName": "action", "mapping": mapping},
            "description": f"One of the actions of `{workflow.name}` version "
                           f"{workflow.version}, the newest: each with its own `data`. An "
                           "issue pinned to an older version may take other data (its "
                           "definition's, as the 422 names).",
        },
        "examples": examples,
    }

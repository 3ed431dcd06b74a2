"""The floor of the write-path benchmark: bare Flask + SQLAlchemy Core, no service layer.

It does what any implementation of the two write endpoints cannot avoid: check the
bearer token (one SELECT), check the JSON with the same rules as ours (required fields,
types, lengths, allowed values; 422 otherwise), and in ONE transaction write the issue
row, one audit row and one outbox row into the same tables of the same database as
ours, so that indexes and constraints cost both sides alike. What the floor leaves out
(the workflow engine, stage visits, the audit chain head, the Redis hand-over, the
detail read of the answer) is what ours is measured on.

Run it as `gunicorn 'benchmarks.floor:create_app()'` with DATABASE_URL and AUDIT_KEY set.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import uuid
from typing import Any

from flask import Flask, request
from sqlalchemy import Engine, MetaData, Row, create_engine, insert, select, update
from sqlalchemy.engine import Connection

from escalation.text import normalise, text_problem

CATEGORIES = frozenset({"legislation", "interpretation", "national_policy", "funding",
                        "data_and_information", "other"})
URGENCIES = frozenset({"normal", "urgent"})
VISIBILITIES = frozenset({"public", "restricted"})
DIMENSIONS = ("best_interests", "non_discrimination", "right_to_be_heard",
              "life_and_development")
ISSUE_FIELDS = frozenset({"title", "description", "region", "category", "urgency",
                          "rights_dimensions", "legal_references", "visibility", "submit"})
TRANSITION_FIELDS = frozenset({"action", "expected_version", "comment", "data"})
TEXT_MAX = 20_000
# The two actions the benchmark takes: (from, to, role, the one data key it needs, who is told).
TRANSITIONS = {
    "request_clarification": ("submitted", "clarification_requested", "coordinator",
                              "message", "region"),
    "resubmit": ("clarification_requested", "submitted", "regional_lead", "answer",
                 "backbone"),
}
TRIAGE = dt.timedelta(days=14)
ANSWER = dt.timedelta(days=30)
GENESIS = "0" * 64

Errors = dict[str, list[str]]


class Refused(Exception):
    """A refusal: raised inside the transaction, so leaving it rolls everything back."""

    def __init__(self, status: int, detail: str, errors: Errors | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.errors = status, detail, errors

    def answer(self) -> tuple[Any, int]:
        body: dict[str, Any] = {"title": self.detail, "status": self.status}
        if self.errors:
            body["errors"] = self.errors
        return body, self.status


def _text(errors: Errors, key: str, value: Any, limit: int, *, required: bool) -> str:
    if problem := text_problem(value, max_length=limit, required=required):
        errors[key] = [problem]
        return ""
    return normalise(value) if isinstance(value, str) else ""


def validate_issue(body: Any) -> tuple[dict[str, Any], Errors]:
    """The checks of ours (IssueIn + clean_issue_fields), written out by hand."""
    if not isinstance(body, dict):
        return {}, {"_body": ["Expected a JSON object."]}
    errors: Errors = {k: ["Unknown field."] for k in body if k not in ISSUE_FIELDS}
    out: dict[str, Any] = {
        "title": _text(errors, "title", body.get("title"), 200, required=True),
        "description": _text(errors, "description", body.get("description", ""), 20_000,
                             required=False),
    }
    region = body.get("region")
    if not isinstance(region, str) or not region or \
            not all(c.isascii() and (c.islower() or c.isdigit() or c == "-") for c in region):
        errors["region"] = ["Use lower-case letters, digits and -."]
    out["region"] = region
    for key, allowed, default in (("category", CATEGORIES, None),
                                  ("urgency", URGENCIES, "normal"),
                                  ("visibility", VISIBILITIES, "public")):
        value = body.get(key, default)
        if not (value is None and key == "category") and value not in allowed:
            errors[key] = [f"Must be one of: {', '.join(sorted(allowed))}."]
        out[key] = value
    dims = body.get("rights_dimensions", [])
    if not isinstance(dims, list) or any(d not in DIMENSIONS for d in dims):
        errors["rights_dimensions"] = [f"Must be a list of: {', '.join(DIMENSIONS)}."]
    else:
        out["rights_dimensions"] = [d for d in DIMENSIONS if d in dims]
    refs = body.get("legal_references", [])
    if not isinstance(refs, list) or len(refs) > 30 or \
            any(text_problem(r, max_length=300) for r in refs):
        errors["legal_references"] = ["At most 30 texts of at most 300 characters."]
    else:
        out["legal_references"] = [normalise(r) for r in refs]
    submit = body.get("submit", False)
    if not isinstance(submit, bool):
        errors["submit"] = ["Not a valid boolean."]
    out["submit"] = submit
    return out, errors


def validate_transition(body: Any) -> tuple[dict[str, Any], Errors]:
    """TransitionIn plus the engine's check of the action's data, written out by hand."""
    if not isinstance(body, dict):
        return {}, {"_body": ["Expected a JSON object."]}
    errors: Errors = {k: ["Unknown field."] for k in body if k not in TRANSITION_FIELDS}
    action = body.get("action")
    if action not in TRANSITIONS:
        errors["action"] = ["Not an action this benchmark floor offers."]
    version = body.get("expected_version")
    if not isinstance(version, int) or isinstance(version, bool):
        errors["expected_version"] = ["Not a valid integer."]
    comment = body.get("comment")
    if comment is not None:
        comment = _text(errors, "comment", comment, TEXT_MAX, required=False) or None
    data = body.get("data", {})
    if not isinstance(data, dict):
        errors["data"] = ["Not a valid mapping type."]
        data = {}
    cleaned: dict[str, Any] = {}
    if action in TRANSITIONS:
        key = TRANSITIONS[action][3]
        if unknown := [k for k in data if k != key]:
            errors["data"] = [f"Unknown field {unknown[0]!r}."]
        cleaned[key] = _text(errors, key, data.get(key), TEXT_MAX, required=True)
    return {"action": action, "expected_version": version, "comment": comment,
            "data": cleaned}, errors


def _hash(key: bytes, prev: str, event: dict[str, Any]) -> str:
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hmac.new(key, prev.encode() + canonical.encode(), hashlib.sha256).hexdigest()


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def issue_json(row: Row[Any], region: str) -> dict[str, Any]:
    m = row._mapping
    return {
        "reference": m["reference"], "title": m["title"], "description": m["description"],
        "region": region, "category": m["category"], "urgency": m["urgency"],
        "rights_dimensions": m["rights_dimensions"], "legal_references": m["legal_references"],
        "visibility": m["visibility"], "state": m["state"], "version": m["version"],
        "due_at": _iso(m["due_at"]), "submitted_at": _iso(m["submitted_at"]),
        "created_at": _iso(m["created_at"]), "updated_at": _iso(m["updated_at"]),
    }


def create_app(url: str | None = None, audit_key: bytes | None = None) -> Flask:
    """The floor app on `url` (default: DATABASE_URL), tables reflected from the database."""
    engine: Engine = create_engine(url or os.environ["DATABASE_URL"])
    key = audit_key or os.environ["AUDIT_KEY"].encode()
    meta = MetaData()
    meta.reflect(engine, only=["issues", "audit_events", "outbox", "api_tokens", "users",
                               "memberships", "regions"])
    t = meta.tables
    issues, audit, outbox = t["issues"], t["audit_events"], t["outbox"]
    app = Flask(__name__)
    app.register_error_handler(Refused, Refused.answer)

    def caller(conn: Connection) -> tuple[int, str, dict[str, int | None]] | None:
        """(user id, e-mail, {role: region id}) of a valid token, in one SELECT."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        tok, users, ms = t["api_tokens"], t["users"], t["memberships"]
        now = dt.datetime.now(dt.UTC)
        rows = conn.execute(
            select(users.c.id, users.c.email, ms.c.role, ms.c.region_id)
            .select_from(tok.join(users, users.c.id == tok.c.user_id)
                         .outerjoin(ms, ms.c.user_id == users.c.id))
            .where(tok.c.token_hash == hashlib.sha256(token.strip().encode()).hexdigest(),
                   tok.c.revoked_at.is_(None), users.c.active.is_(True),
                   (tok.c.expires_at.is_(None)) | (tok.c.expires_at > now))
        ).all()
        if not rows:
            return None
        return rows[0].id, rows[0].email, {r.role: r.region_id for r in rows}

    def audit_row(conn: Connection, issue: Row[Any], user: tuple[int, str, Any], action: str,
                  from_state: str | None, seq: int, prev: str, data: dict[str, Any],
                  now: dt.datetime, notify: str) -> str:
        event = {"issue": issue.reference, "seq": seq,
                 "at": now.isoformat(timespec="microseconds"), "actor_id": user[0],
                 "actor": user[1], "action": action, "from_state": from_state,
                 "to_state": issue.state, "data": data}
        digest = _hash(key, prev, event)
        event_id = conn.execute(insert(audit).values(
            issue_id=issue.id, seq=seq, at=now, actor_id=user[0], actor=user[1],
            action=action, from_state=from_state, to_state=issue.state, data=data,
            prev_hash=prev, hash=digest).returning(audit.c.id)).scalar_one()
        conn.execute(insert(outbox).values(
            issue_id=issue.id, audit_event_id=event_id, kind="transition", recipient=notify,
            payload={"reference": issue.reference, "action": action, "from_state": from_state,
                     "to_state": issue.state, "region_id": issue.region_id},
            delivery_key=f"{issue.reference}:{seq}:{notify}", created_at=now, attempts=0))
        return digest

    def admitted(conn: Connection, errors: dict[str, list[str]]
                 ) -> tuple[int, str, dict[str, int | None]]:
        """The caller, once the token holds (401) and the body is valid (422), in that order."""
        user = caller(conn)
        if user is None:
            raise Refused(401, "The token is not valid.")
        if errors:
            raise Refused(422, "Unprocessable Content", errors)
        return user

    @app.post("/api/v1/issues")
    def create_issue() -> tuple[Any, int]:
        fields, errors = validate_issue(request.get_json(silent=True))
        with engine.begin() as conn:
            user = admitted(conn, errors)
            region_id = conn.execute(select(t["regions"].c.id).where(
                t["regions"].c.code == fields["region"])).scalar()
            if region_id is None:
                raise Refused(422, "Unprocessable Content", {"region": ["Unknown region."]})
            if user[2].get("regional_lead", -1) != region_id:
                raise Refused(403, "Only the region's lead may raise its issues.")
            now = dt.datetime.now(dt.UTC)
            submit = fields.pop("submit")
            state = "submitted" if submit else "draft"
            row = conn.execute(insert(issues).values(
                reference=f"F-{uuid.uuid4().hex[:18]}", region_id=region_id, state=state,
                workflow_name="escalation", workflow_version=1, version=1,
                statement_round=0, audit_seq=1, audit_head=GENESIS, created_by_id=user[0],
                created_at=now, updated_at=now, submitted_at=now if submit else None,
                due_at=now + TRIAGE if submit else None,
                **{k: v for k, v in fields.items() if k != "region"},
            ).returning(*issues.c)).one()
            audit_row(conn, row, user, "create", None, 1, GENESIS,
                      dict(fields), now, "backbone")
            return issue_json(row, fields["region"]), 201

    @app.post("/api/v1/issues/<reference>/transitions")
    def transition(reference: str) -> tuple[Any, int]:
        body, errors = validate_transition(request.get_json(silent=True))
        with engine.begin() as conn:
            user = admitted(conn, errors)
            source, target, role, _, notify = TRANSITIONS[body["action"]]
            if role not in user[2]:
                raise Refused(403, "Your roles may not take this action.")
            now = dt.datetime.now(dt.UTC)
            row = conn.execute(
                update(issues)
                .where(issues.c.reference == reference, issues.c.state == source,
                       issues.c.version == body["expected_version"])
                .values(state=target, version=issues.c.version + 1, updated_at=now,
                        due_at=now + (ANSWER if target == "clarification_requested" else TRIAGE),
                        audit_seq=issues.c.audit_seq + 1)
                .returning(*issues.c)
            ).one_or_none()
            if row is None:
                raise Refused(409, "The issue is not in that state or version.")
            if role == "regional_lead" and user[2][role] != row.region_id:
                raise Refused(403, "Not your region's issue.")
            data = dict(body["data"])
            if body["comment"]:
                data["comment"] = body["comment"]
            audit_row(conn, row, user, body["action"], source, row.audit_seq, row.audit_head,
                      data, now, notify)
            return issue_json(row, ""), 200

    return app

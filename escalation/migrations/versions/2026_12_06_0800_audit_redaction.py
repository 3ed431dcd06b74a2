"""Redaction: on PostgreSQL the append-only trigger lets through one kind of UPDATE of
an audit event, a redaction, and `audit_redact()` makes one.

A redaction replaces one string in an event's `data` with {"redacted": "<64 hex>"};
nothing else of the row may change. The trigger checks exactly that itself (the path
comes in the transaction-local setting `escalation.redact_path`), so whoever sets the
setting can do no more than a redaction: anybody may set a custom setting, which is why
the trigger does not trust it for anything but the path. The trigger checks the
marker's shape, not its digest: the digest is an HMAC under a key derived from the audit
key (a plain hash of a child's name would let any reader confirm a guess), and the
database never holds that key. What the marker stands for is proved by the chain: a
redaction nobody attested with a signed `redact` event is reported by `verify-audit`,
as a deletion would be.

`audit_redact(event_id, path, new_data)` is SECURITY DEFINER: it runs as the table's
owner, so a web app role that may only SELECT and INSERT audit events can still redact
(and only redact). DELETE, TRUNCATE and every other UPDATE stay refused for everybody.
SQLite has no trigger (the embedded default has no roles to keep apart); the service
makes the same UPDATE there directly.

Revision ID: e013
Revises: 0007
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = 'e013'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GUARD = """
CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    redact_path text[];
BEGIN
    IF TG_OP = 'UPDATE' THEN
        redact_path := nullif(current_setting('escalation.redact_path', true), '')::text[];
        IF redact_path IS NOT NULL
           AND jsonb_typeof(OLD.data::jsonb #> redact_path) = 'string'
           AND (NEW.id, NEW.issue_id, NEW.seq, NEW.at, NEW.actor_id, NEW.actor, NEW.action,
                NEW.from_state, NEW.to_state, NEW.prev_hash, NEW.hash)
               IS NOT DISTINCT FROM
               (OLD.id, OLD.issue_id, OLD.seq, OLD.at, OLD.actor_id, OLD.actor, OLD.action,
                OLD.from_state, OLD.to_state, OLD.prev_hash, OLD.hash)
           -- exactly {"redacted": "<64 lowercase hex>"}: one key, its value a string
           AND NEW.data::jsonb #> redact_path = jsonb_build_object(
                'redacted', NEW.data::jsonb #>> (redact_path || 'redacted'::text))
           AND NEW.data::jsonb #>> (redact_path || 'redacted'::text) ~ '^[0-9a-f]{64}$'
           AND NEW.data::jsonb = jsonb_set(OLD.data::jsonb, redact_path,
                                           NEW.data::jsonb #> redact_path)
        THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""

REDACT = """
CREATE FUNCTION audit_redact(event_id bigint, path text[], new_data text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    PERFORM set_config('escalation.redact_path', path::text, true);
    UPDATE public.audit_events SET data = new_data::json WHERE id = event_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no audit event %', event_id USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM set_config('escalation.redact_path', '', true);
END
$$
"""

ORIGINAL_GUARD = """
CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(GUARD)
        op.execute(REDACT)
        # Functions are executable by PUBLIC by default; this one only by its owner and
        # the roles granted it (init-db grants the app's role: escalation/privileges.py).
        op.execute("REVOKE EXECUTE ON FUNCTION audit_redact(bigint, text[], text) "
                   "FROM PUBLIC")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP FUNCTION IF EXISTS audit_redact(bigint, text[], text)")
        op.execute(ORIGINAL_GUARD)

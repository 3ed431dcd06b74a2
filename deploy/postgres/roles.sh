#!/bin/sh
# The two database roles of the trust work (README "Production notes"): an owner role that
# migrates (`escalation init-db --as-owner`) and a login role for the web app and the worker,
# which `init-db` then grants SELECT and INSERT only on the audit log. The postgres image
# runs this once, on its first start, from /docker-entrypoint-initdb.d/ (compose.yaml);
# on a server of your own run it as a superuser with PGHOST/PGPORT set. Names and passwords
# come from the environment (compose.yaml's `postgres` service).
set -eu
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname postgres \
  -v db="${ESCALATION_DB:-escalation}" \
  -v owner="${ESCALATION_DB_OWNER:-escalation_owner}" \
  -v app="${ESCALATION_DB_APP:-escalation_app}" \
  -v owner_password="${ESCALATION_OWNER_PASSWORD:?ESCALATION_OWNER_PASSWORD is not set}" \
  -v app_password="${ESCALATION_APP_PASSWORD:?ESCALATION_APP_PASSWORD is not set}" <<'SQL'
CREATE ROLE :"owner" LOGIN PASSWORD :'owner_password';
CREATE ROLE :"app" LOGIN PASSWORD :'app_password';
CREATE DATABASE :"db" OWNER :"owner" ENCODING 'UTF8' TEMPLATE template0;
\connect :"db"
-- Before PostgreSQL 15 everyone may create in the public schema; the owner alone should.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL

#!/usr/bin/env bash
# First start of the database only (docker-entrypoint-initdb.d): a read-only role for
# Grafana, which may read every table, view and function ontrack's migrations create.
set -euo pipefail
: "${GRAFANA_DB_PASSWORD:?set GRAFANA_DB_PASSWORD in secrets/timescaledb.env}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    --set grafana_password="$GRAFANA_DB_PASSWORD" <<'SQL'
CREATE ROLE grafana LOGIN PASSWORD :'grafana_password';
GRANT CONNECT ON DATABASE ontrack TO grafana;
GRANT USAGE ON SCHEMA public TO grafana;
ALTER DEFAULT PRIVILEGES FOR ROLE ontrack IN SCHEMA public GRANT SELECT ON TABLES TO grafana;
ALTER ROLE grafana SET default_transaction_read_only = on;
SQL

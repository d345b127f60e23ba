#!/usr/bin/env bash
# The demo: every service, the Asterisk simulator and the dashboard, on real NATS and PostgreSQL.
# Extra arguments go to run-demo.mjs (e.g. --exit-when-ready).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/dev/ensure-environment.sh

export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
# The demo's records: a database of this working tree's own, unless DATABASE_URL names one.
# dashboard-api creates the admin only where none exists, so a demo whose saved admin password is
# gone (a fresh clone, tmp/ cleaned) starts on a fresh database: an older one holds an admin with
# another password, and the banner would print one that does not work.
if [ -z "${DATABASE_URL:-}" ]; then
  demo_db="asb_demo_$(printf '%s' "$PWD" | sha256sum | cut -c1-8)"
  if [ ! -f tmp/demo-dashboard-admin-password ]; then
    psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS \"$demo_db\" WITH (FORCE)"
  fi
  psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$demo_db'" \
    | grep -q 1 || psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE \"$demo_db\""
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$demo_db"
fi
# The simulated VICIdial keeps its tables in MariaDB, where ari-ingest reads them.
mariadb -uroot -h127.0.0.1 -e 'CREATE DATABASE IF NOT EXISTS asb_vicidial_demo CHARACTER SET utf8mb4'
printf '\033[1m[demo]\033[0m building the services and the dashboard\n'
npx nx run-many -t build --parallel=2 --output-style=static >/dev/null
exec node tools/dev/run-demo.mjs "$@"

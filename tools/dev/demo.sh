#!/usr/bin/env bash
# The demo: every service, the Asterisk simulator and the dashboard, on real NATS and PostgreSQL.
# Extra arguments go to run-demo.mjs (e.g. --exit-when-ready).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/dev/ensure-environment.sh

export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'asb'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -qc 'CREATE DATABASE asb'
# The simulated VICIdial keeps its tables in MariaDB, where ari-ingest reads them.
mariadb -uroot -h127.0.0.1 -e 'CREATE DATABASE IF NOT EXISTS asb_vicidial_demo CHARACTER SET utf8mb4'
printf '\033[1m[demo]\033[0m building the services and the dashboard\n'
npx nx run-many -t build --parallel=2 --output-style=static >/dev/null
exec node tools/dev/run-demo.mjs "$@"

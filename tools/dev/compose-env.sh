#!/usr/bin/env bash
# Writes .env beside docker-compose.yml with a fresh random value for every secret the compose
# file requires (an existing .env is kept as it is). Values are a letter then hex digits: safe in
# URLs (DATABASE_URL) and read as plain strings by nats-server's configuration.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ -e .env ]]; then
  echo ".env exists; keeping it (delete it to start over with new secrets)"
  exit 0
fi
secret() { printf 's%s' "$(od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n')"; }
umask 077
{
  echo "# Secrets of docker-compose.yml, written by tools/dev/compose-env.sh. Keep this file private."
  echo "POSTGRES_PASSWORD=$(secret 16)"
  echo "ARI_PASSWORD=$(secret 16)"
  echo "DASHBOARD_JWT_SECRET=$(secret 32)"
  echo "DASHBOARD_ADMIN_PASSWORD=$(secret 9)"
  for user in ARI_INGEST MEDIA_GATEWAY CALL_LOGGER DASHBOARD_API STREAM_EGRESS AI_CONSUMER AI_WORKER REPLAY; do
    echo "${user}_NATS_PASSWORD=$(secret 16)"
  done
} > .env
echo "wrote .env; the dashboard's first login is admin with DASHBOARD_ADMIN_PASSWORD from it"

#!/usr/bin/env bash
# Creates (or replaces) the Secrets the manifests read, each service's holding only its own
# credentials: `demo` makes up every value (and the demo's PostgreSQL password); `production` takes what only you know from the
# environment (DATABASE_URL, ARI_PASSWORD; VICIDIAL_DB_URL, EGRESS_INBOUND_TOKENS if you use them)
# and makes up the rest. Random values are a letter then hex digits: safe in URLs and read as
# plain strings by nats-server's configuration. Prints the first admin's password once.
set -euo pipefail
mode="${1:-}"
namespace="${NAMESPACE:-audio-bridge}"
if [[ "$mode" != demo && "$mode" != production ]]; then
  echo "usage: $0 demo|production   (NAMESPACE=$namespace)" >&2
  exit 64
fi
secret() { printf 's%s' "$(od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n')"; }
apply() {
  local name="$1"
  shift
  kubectl -n "$namespace" create secret generic "$name" "$@" --dry-run=client -o yaml |
    kubectl apply -f -
}
need() {
  if [[ -z "${!1:-}" ]]; then
    echo "$1 must be set for production (see deploy/README.md)" >&2
    exit 64
  fi
}

if [[ "$mode" == production ]]; then
  need DATABASE_URL
  need ARI_PASSWORD
else
  ARI_PASSWORD="$(secret 16)"
  postgres_password="$(secret 16)"
  DATABASE_URL="postgres://asb:${postgres_password}@postgres:5432/asb"
fi
declare -A nats
for user in ARI_INGEST MEDIA_GATEWAY CALL_LOGGER DASHBOARD_API STREAM_EGRESS AI_CONSUMER AI_WORKER REPLAY; do
  nats[$user]="$(secret 16)"
done
admin_password="$(secret 9)"

kubectl get namespace "$namespace" >/dev/null 2>&1 || kubectl create namespace "$namespace"
apply nats-secrets $(for user in "${!nats[@]}"; do
  printf -- '--from-literal=%s_NATS_PASSWORD=%s ' "$user" "${nats[$user]}"
done)
apply ari-ingest-secrets --from-literal=NATS_PASSWORD="${nats[ARI_INGEST]}" \
  --from-literal=ARI_PASSWORD="$ARI_PASSWORD" \
  ${VICIDIAL_DB_URL:+--from-literal=VICIDIAL_DB_URL="$VICIDIAL_DB_URL"}
apply media-gateway-secrets --from-literal=NATS_PASSWORD="${nats[MEDIA_GATEWAY]}"
apply call-logger-secrets --from-literal=NATS_PASSWORD="${nats[CALL_LOGGER]}" \
  --from-literal=DATABASE_URL="$DATABASE_URL"
apply dashboard-api-secrets --from-literal=NATS_PASSWORD="${nats[DASHBOARD_API]}" \
  --from-literal=DATABASE_URL="$DATABASE_URL" \
  --from-literal=DASHBOARD_JWT_SECRET="$(secret 32)" \
  --from-literal=DASHBOARD_ADMIN_PASSWORD="$admin_password"
apply replay-secrets --from-literal=NATS_PASSWORD="${nats[REPLAY]}" \
  --from-literal=DATABASE_URL="$DATABASE_URL"
apply stream-egress-secrets --from-literal=NATS_PASSWORD="${nats[STREAM_EGRESS]}" \
  ${EGRESS_INBOUND_TOKENS:+--from-literal=EGRESS_INBOUND_TOKENS="$EGRESS_INBOUND_TOKENS"}
if [[ "$mode" == demo ]]; then
  apply asterisk-sim-secrets --from-literal=SIM_ARI_PASSWORD="$ARI_PASSWORD"
  apply postgres-secrets --from-literal=POSTGRES_PASSWORD="$postgres_password"
fi
echo "AI consumers log in to NATS as ai-consumer with: ${nats[AI_CONSUMER]}"
echo "AI workers (transcripts, call claims) log in as ai-worker with: ${nats[AI_WORKER]}"
echo "the replay tool logs in as replay with: ${nats[REPLAY]}"
echo "the dashboard's first login: admin / $admin_password (change it after logging in)"

#!/usr/bin/env bash
# The whole test suite: lint, type checks, unit and integration tests (real NATS, PostgreSQL,
# UDP and HTTP), the builds, then the cross-service e2e tests against the built services.
set -uo pipefail
cd "$(dirname "$0")/../.."
bash tools/dev/ensure-environment.sh || exit 1

export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
rm -rf test-output/jest-results
failed_steps=()
step() {
  local name="$1"
  printf '\n\033[1m== %s\033[0m\n' "$name"
  shift
  "$@" || { failed_steps+=("$name"); echo "step failed: $*" >&2; }
}
step "formatting" npx prettier --check . --log-level warn
step "lint and type checks" npx nx run-many -t lint typecheck --parallel=2 --output-style=stream
step "unit and integration tests" npx nx run-many -t test --parallel=2 --output-style=stream
step "builds" npx nx run-many -t build --parallel=2 --output-style=stream
step "end-to-end tests" npx nx run e2e:e2e --output-style=stream
node tools/test/print-summary.mjs "${failed_steps[@]}"

#!/usr/bin/env bash
# Fuzz the management API with schemathesis (from PyPI) against its own
# OpenAPI document: a fresh SQLite database, an admin API key, every
# operation, generated inputs, every check.
#
#   scripts/schemathesis.sh            # MAX_EXAMPLES=25 by default
set -euo pipefail
cd "$(dirname "$0")/.."
MAX_EXAMPLES="${MAX_EXAMPLES:-25}"
PORT="${PORT:-18096}"
venv="${SCHEMATHESIS_VENV:-target/schemathesis-venv}"
work="$(mktemp -d)"
trap '[ -n "${server:-}" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet schemathesis
fi
cargo build --quiet
export DATABASE_URL="sqlite://$work/st.db" USHER_LISTEN="127.0.0.1:$PORT" USHER_LOG=error
key=$(target/debug/usher create-api-key --name schemathesis --role admin)
target/debug/usher serve & server=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
"$venv/bin/schemathesis" run "http://127.0.0.1:$PORT/api/openapi.json" \
  --header "Authorization: Bearer $key" \
  --checks all \
  --max-examples "$MAX_EXAMPLES" \
  --suppress-health-check all

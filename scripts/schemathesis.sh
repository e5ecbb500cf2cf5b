#!/usr/bin/env bash
# Fuzz the management API with schemathesis (from PyPI) against its own
# OpenAPI document: a fresh SQLite database, an admin API key, every
# operation, every check, every phase (examples, coverage, fuzzing and the
# stateful phase that follows the document's links). Exits non-zero on any
# failure. Settings and the reasons for them: scripts/schemathesis.toml.
#
#   scripts/schemathesis.sh                  # quick: 25 examples per operation
#   MAX_TIME=300 scripts/schemathesis.sh     # fuzz and follow links for 5 minutes (CI)
#   USHER_BIN=path/to/usher scripts/schemathesis.sh   # skip the build
#
# The venv is kept under ~/.cache so re-runs (and CI) install it once.
set -euo pipefail
cd "$(dirname "$0")/.."
SCHEMATHESIS_VERSION=4.32.5
MAX_EXAMPLES="${MAX_EXAMPLES:-25}"
MAX_TIME="${MAX_TIME:-}"
PORT="${PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
venv="${SCHEMATHESIS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/usher/schemathesis-$SCHEMATHESIS_VERSION}"
work="$(mktemp -d)"
trap '[ -n "${server:-}" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
bin="${USHER_BIN:-}"
if [ -z "$bin" ]; then
  cargo build --quiet --locked --bin usher
  bin="${CARGO_TARGET_DIR:-target}/debug/usher"
fi
export DATABASE_URL="sqlite://$work/st.db" USHER_LISTEN="127.0.0.1:$PORT" USHER_LOG=error
key=$("$bin" create-api-key --name schemathesis --role admin)
"$bin" serve >"$work/server.log" 2>&1 & server=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null || { cat "$work/server.log"; echo "the server did not start" >&2; exit 1; }
status=0
"$venv/bin/schemathesis" --config-file scripts/schemathesis.toml run "http://127.0.0.1:$PORT/api/openapi.json" \
  --header "Authorization: Bearer $key" \
  --max-examples "$MAX_EXAMPLES" \
  ${MAX_TIME:+--max-time "$MAX_TIME"} \
  --seed "${SEED:-$RANDOM}" \
  --no-color \
  "$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- the server's log, last 40 lines ---"
  tail -n 40 "$work/server.log"
fi
exit "$status"

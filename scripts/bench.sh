#!/usr/bin/env bash
# Benchmark the users table and a 10,000-row bulk import.
#
#   scripts/bench.sh                      # SQLite in a temp dir
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/usher_bench scripts/bench.sh
#
# Needs wrk (apt-get install wrk) and curl. Seeds USERS people (default
# 100000), starts the release build, signs in, and prints wrk's latency
# distribution at 16 connections for: the first page, a search, and a
# filtered page deep in the list; then times the preview and the commit of
# a 10,000-row CSV, and reports the server's peak memory (RSS).
set -euo pipefail
cd "$(dirname "$0")/.."
USERS="${USERS:-100000}"
DURATION="${DURATION:-10s}"
PORT="${PORT:-18099}"
work="$(mktemp -d)"
trap '[ -n "${server:-}" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
export DATABASE_URL="${DATABASE_URL:-sqlite://$work/bench.db}"
export USHER_LISTEN="127.0.0.1:$PORT" USHER_LOG=warn
base="http://127.0.0.1:$PORT"

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
cargo build --release --quiet
bin=target/release/usher
if [[ "$DATABASE_URL" == postgres* && -z "${KEEP_DB:-}" ]]; then
  db="${DATABASE_URL##*/}"; server_url="${DATABASE_URL%/*}/postgres"
  psql "$server_url" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
fi
# KEEP_DB=1 reuses an already seeded DATABASE_URL.
if [ -z "${KEEP_DB:-}" ]; then
  "$bin" seed --users "$USERS" --tenants 20
fi
echo 'correct horse battery staple' | "$bin" create-admin --email bench@example.com >/dev/null 2>&1 || true
"$bin" serve & server=$!
for _ in $(seq 50); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.2; done

jar="$work/cookies"
curl -s -c "$jar" -b "$jar" "$base/login" -o /dev/null
csrf=$(awk '$6=="usher_csrf"{print $7}' "$jar")
curl -s -c "$jar" -b "$jar" -o /dev/null "$base/login" --data-urlencode "csrf_token=$csrf" \
  --data-urlencode "email=bench@example.com" --data-urlencode "password=correct horse battery staple"
session=$(awk '$6=="usher_session"{print $7}' "$jar")
cookie="usher_session=$session; usher_csrf=$csrf"
curl -fs -H "Cookie: $cookie" "$base/admin/users" | grep -o '[0-9][0-9]* users' | head -1

for target in "/admin/users" "/admin/users?q=hopper" "/admin/users?q=grace.hopper.1234" \
  "/admin/users?status=invited&sort=name&page=1000" "/admin/users?page=3000"; do
  echo; echo "== GET $target (16 connections, $DURATION)"
  wrk -t2 -c16 -d"$DURATION" --latency -H "Cookie: $cookie" "$base$target" | grep -E "Latency|50%|99%|Requests/sec|Non-2xx"
done

echo; echo "RSS after the page benchmarks: $(awk '/VmRSS/{print $2/1024 " MiB"}' /proc/$server/status)"
echo; echo "== 10,000-row CSV"
csv="$work/people.csv"
{ echo "email,given_name,family_name,custom.team"; for i in $(seq 10000); do echo "bulk$i@example.org,Bulk,Person $i,team$((i % 7))"; done; } > "$csv"
start=$(date +%s.%N)
curl -s -b "$jar" -o "$work/preview.html" -F "csrf_token=$csrf" -F mode=csv -F lang=en -F "send_now=${SEND_NOW:-on}" -F "file=@$csv;type=text/csv" "$base/admin/invitations/bulk/preview"
mid=$(date +%s.%N)
commit=$(grep -o 'action="/admin/invitations/bulk/[^"]*/commit"' "$work/preview.html" | sed 's/action="//;s/"$//')
curl -s -L -b "$jar" -o "$work/result.html" --data-urlencode "csrf_token=$csrf" "$base$commit"
end=$(date +%s.%N)
grep -o '<strong>[0-9,]*</strong> invited' "$work/result.html" || { echo "commit failed"; exit 1; }
printf 'preview %.2f s, commit %.2f s, total %.2f s\n' "$(echo "$mid - $start" | bc)" "$(echo "$end - $mid" | bc)" "$(echo "$end - $start" | bc)"
echo "peak RSS: $(awk '/VmHWM/{print $2/1024 " MiB"}' /proc/$server/status)"

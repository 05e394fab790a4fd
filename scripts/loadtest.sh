#!/usr/bin/env bash
# A bounded load test on loopback: builds custos, serves a new database, and
# runs wrk against one RPC and one REST call for DURATION each.
#   scripts/loadtest.sh                      # SQLite
#   scripts/with-postgres.sh scripts/loadtest.sh postgres
# Needs wrk (Debian package wrk; installed when missing and run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
engine=${1:-sqlite}
duration=${DURATION:-10s}
connections=${CONNECTIONS:-32}

if ! command -v wrk >/dev/null; then
	[ "$(id -u)" -eq 0 ] || { echo "loadtest: wrk is missing" >&2; exit 1; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

dir=$(mktemp -d /tmp/custos-load.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT INT TERM

go build -o "$dir/custos" ./cmd/custos
db="sqlite:$dir/custos.db"
args=()
if [ "$engine" = postgres ]; then
	db=${CUSTOS_TEST_POSTGRES_URL:?run under scripts/with-postgres.sh}
	head -c 32 /dev/urandom | base64 >"$dir/master.key"
	args=(--master-key-file "$dir/master.key")
fi
port=$((20000 + RANDOM % 40000))
"$dir/custos" serve --db "$db" --addr "127.0.0.1:$port" --rate-limit 0 "${args[@]}" >"$dir/out" 2>"$dir/log" &
pid=$!
for _ in $(seq 1 100); do
	curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
	sleep 0.1
done
site=$(awk '/siteId:/ {print $2}' "$dir/out")
key=$(awk '/apiKey:/ {print $2}' "$dir/out")
secret=$(awk '/secret:/ {print $2}' "$dir/out")
[ -n "$key" ] || { echo "loadtest: no default site printed (database not empty?)" >&2; cat "$dir/log" >&2; exit 1; }

# Each run follows a discarded 2 s warm-up that opens the connections.
rpc_url="http://127.0.0.1:$port/accounts.isAvailableLoginID?apiKey=$key&loginID=john@example.com"
wrk -t2 -c"$connections" -d2s "$rpc_url" >/dev/null
echo "== $engine: RPC accounts.isAvailableLoginID, $connections connections, $duration"
wrk -t2 -c"$connections" -d"$duration" --latency \
	"$rpc_url" | sed -n '1,/Requests\/sec/p'
# john does not exist: each request is the same indexed lookup, answered 404.
auth=$(printf '%s:%s' "$site" "$secret" | base64 -w0)
rest_url="http://127.0.0.1:$port/v1/marketing/login/users/find_by?username=john"
wrk -t2 -c"$connections" -d2s -H "Authorization: Basic $auth" "$rest_url" >/dev/null
echo "== $engine: REST GET /users/find_by (404), $connections connections, $duration"
wrk -t2 -c"$connections" -d"$duration" --latency -H "Authorization: Basic $auth" \
	"$rest_url" | sed -n '1,/Requests\/sec/p'

#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server:
#   scripts/with-postgres.sh go test ./...
# Installs the Debian postgresql package when initdb is missing, creates a
# cluster in a temporary directory owned by a non-root user, starts it on a
# free 127.0.0.1 port, exports CUSTOS_TEST_POSTGRES_URL for the command, and
# removes everything afterwards, whatever the command's outcome.
set -euo pipefail

find_initdb() {
	command -v initdb 2>/dev/null && return
	ls -1d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1
}

initdb=$(find_initdb || true)
if [ -z "$initdb" ]; then
	echo "with-postgres: installing PostgreSQL (Debian package postgresql)" >&2
	[ "$(id -u)" -eq 0 ] || { echo "with-postgres: initdb is missing and installing it needs root" >&2; exit 1; }
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	apt-get install -y -qq --no-install-recommends postgresql >&2
	initdb=$(find_initdb)
fi
bindir=$(dirname "$(readlink -f "$initdb")")

# PostgreSQL refuses to run as root: run the cluster as an unprivileged user.
run_as=()
if [ "$(id -u)" -eq 0 ]; then
	pguser=postgres
	id -u "$pguser" >/dev/null 2>&1 || useradd --system --no-create-home "$pguser"
	run_as=(runuser -u "$pguser" --)
fi

dir=$(mktemp -d /tmp/custos-pg.XXXXXX)
chmod 0755 "$dir"
[ ${#run_as[@]} -eq 0 ] || chown "$pguser" "$dir"

cleanup() {
	"${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

"${run_as[@]}" "$bindir/initdb" -D "$dir/data" -U custos --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
	{ cat "$dir/initdb.log" >&2; exit 1; }

# A random port in the ephemeral range; retry on the rare collision.
started=
for _ in 1 2 3 4 5 6 7 8 9 10; do
	port=$((20000 + RANDOM % 40000))
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue # something listens there
	if "${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c full_page_writes=off -c max_connections=200" start >/dev/null; then
		started=1
		break
	fi
done
[ -n "$started" ] || { echo "with-postgres: server did not start" >&2; cat "$dir/server.log" >&2; exit 1; }

export CUSTOS_TEST_POSTGRES_URL="postgres://custos@127.0.0.1:$port/postgres?sslmode=disable"
export CUSTOS_TEST_POSTGRES_REQUIRED=1
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
"$@"

# A throwaway PostgreSQL cluster for a test file (load from setup_file):
#   pg_start    initdb into a fresh directory under $TMPDIR (bats' own is
#               closed to other users), a server on a socket there only
#               (no TCP), fsync off; sets PG_URI (database postgres, user
#               cafe, trust), PG_DIR and PG_BIN
#   pg_stop     stops it and removes the directory (teardown_file)
#   pg_server_stop, pg_server_start
#               stop and start the server again, keeping the cluster
#               (PG_LISTEN: addresses for TCP as well, none by default;
#               PG_PORT: the port, 5432 by default; PG_FSYNC=on for
#               benchmarks, off for tests; PG_MAX_CONNECTIONS, 300 by
#               default)
# As root, the cluster runs as nobody: PostgreSQL refuses to run as root.

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

pg_as() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u nobody -- "$@"
	else
		"$@"
	fi
}

pg_start() {
	[ -x "$PG_BIN/initdb" ] || { echo "no PostgreSQL server: run 'make deps'" >&2; return 1; }
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/cafe-pg.XXXXXX")
	chmod 755 "$PG_DIR"
	[ "$(id -u)" != 0 ] || chown nobody "$PG_DIR"
	pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U cafe -E UTF8 --no-sync \
	    >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; return 1; }
	pg_server_start || return 1
	PG_URI="postgresql:///postgres?host=$PG_DIR&port=${PG_PORT:-5432}&user=cafe"
	export PG_URI PG_DIR
}

# The server of the cluster in $PG_DIR, started (again); pg_server_stop
# stops it and keeps the cluster.
pg_server_start() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
	    -o "-k $PG_DIR -p ${PG_PORT:-5432} -c listen_addresses='${PG_LISTEN:-}' -c fsync=${PG_FSYNC:-off} -c max_connections=${PG_MAX_CONNECTIONS:-300}" \
	    start >/dev/null || { cat "$PG_DIR/server.log" >&2; return 1; }
}

pg_server_stop() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null
}

pg_stop() {
	[ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ] || return 0
	[ ! -d "$PG_DIR/data" ] ||
	    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
	rm -rf "$PG_DIR"
}

# A fresh database on the cluster for one test; prints its URI.
pg_fresh_db() {
	local name=${1:-t$BATS_TEST_NUMBER}
	PGOPTIONS='-c client_min_messages=warning' psql -q "$PG_URI" \
	    -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" \
	    >/dev/null || return 1
	echo "postgresql:///$name?host=$PG_DIR&user=cafe"
}

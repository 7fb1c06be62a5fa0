# Loaded by setup.bash, and by test files with a setup of their own:
# the tests' one way to reach the database ($CAFE_DB), on either backend.
#
# `make check` runs the suite on SQLite files; `make check-pg` runs it
# again with CAFE_TEST_PG set to a throwaway PostgreSQL cluster's
# directory (tests/check-pg), and each test gets a fresh database there.

# test_db: the database a test starts with (prints its path or URI). On
# PostgreSQL, a fresh database named after the test file and number; the
# file's previous test's database is dropped, so the cluster stays small.
test_db() {
	if [ -z "${CAFE_TEST_PG:-}" ]; then
		echo "$BATS_TEST_TMPDIR/cafe.db"
		return
	fi
	local file=${BATS_TEST_FILENAME##*/} name
	file=${file%%-*}
	name="t${file}_$BATS_TEST_NUMBER"
	db_admin -c "DROP DATABASE IF EXISTS t${file}_$((BATS_TEST_NUMBER - 1)) WITH (FORCE)" \
	    -c "DROP DATABASE IF EXISTS t${file}_$((BATS_TEST_NUMBER - 1))_saved" \
	    -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" \
	    -c "CREATE DATABASE $name" || return 1
	echo "postgresql:///$name?host=$CAFE_TEST_PG&user=cafe"
}

# is_pg DB: true when DB is a PostgreSQL URI.
is_pg() {
	case $1 in postgresql://* | postgres://*) return 0 ;; esac
	return 1
}

# on_pg: true when the suite runs on PostgreSQL.
on_pg() {
	[ -n "${CAFE_TEST_PG:-}" ]
}

# sqlite_only REASON: skips the test on PostgreSQL; for tests about the
# SQLite file itself (its WAL, its pages, its locks, its permissions).
sqlite_only() {
	if on_pg; then skip "SQLite only: $1"; fi
}

# Runs SQL on the test's database and prints the rows as sqlite3 does
# (columns joined by '|'). The one way tests query the database, in SQL
# the backends share: JSON fields as (data->>'key') (not json_extract), no
# PRAGMA. Tests about the SQLite file itself call sqlite3 directly.
db_sql() {
	if ! is_pg "$CAFE_DB"; then
		sqlite3 "$CAFE_DB" "$@"
	elif [ $# -gt 0 ]; then
		psql -qAtX -v ON_ERROR_STOP=1 "$CAFE_DB" -c "$1"
	else
		psql -qAtX -v ON_ERROR_STOP=1 "$CAFE_DB"
	fi
}

# db_joined SEP SQL: the rows of SQL (one column) on one line, joined by SEP.
db_joined() {
	db_sql "$2" | awk -v sep="$1" 'NR > 1 { printf "%s", sep } { printf "%s", $0 } END { print "" }'
}

# db_made [DB]: true when the database holds anything: the file exists
# (SQLite), or has a table (PostgreSQL). Tests of "nothing was created".
db_made() {
	local db=${1:-$CAFE_DB}
	if is_pg "$db"; then
		[ "$(psql -qAtX "$db" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" != 0 ]
	else
		[ -e "$db" ]
	fi
}

# no_db [DB]: fails, saying so, when the database holds anything. (A bare
# `! db_made` would not fail a bats test: set -e ignores it.)
no_db() {
	if db_made "$@"; then
		echo "the database was made: ${1:-$CAFE_DB}" >&2
		return 1
	fi
}

# db_save / db_restore: a copy of the test's database, and the database
# put back as it was in that copy (a file copy, or a database made from a
# template on PostgreSQL).
db_name() {
	local n=${CAFE_DB#postgres*:///}
	echo "${n%%\?*}"
}

db_admin() {
	PGOPTIONS='-c client_min_messages=warning' psql -qX -v ON_ERROR_STOP=1 \
	    "postgresql:///postgres?host=$CAFE_TEST_PG&user=cafe" "$@" >/dev/null
}

db_save() {
	if on_pg; then
		db_admin -c "DROP DATABASE IF EXISTS $(db_name)_saved" \
		    -c "CREATE DATABASE $(db_name)_saved TEMPLATE $(db_name)"
	else
		cp "$CAFE_DB" "$BATS_TEST_TMPDIR/saved.db"
	fi
}

# db_saved: the saved copy's path or URI.
db_saved() {
	if on_pg; then
		echo "postgresql:///$(db_name)_saved?host=$CAFE_TEST_PG&user=cafe"
	else
		echo "$BATS_TEST_TMPDIR/saved.db"
	fi
}

db_restore() {
	if on_pg; then
		db_admin -c "DROP DATABASE $(db_name) WITH (FORCE)" \
		    -c "CREATE DATABASE $(db_name) TEMPLATE $(db_name)_saved"
	else
		cp "$BATS_TEST_TMPDIR/saved.db" "$CAFE_DB"
		rm -f "$CAFE_DB-wal" "$CAFE_DB-shm"
	fi
}

# no_log_msg PROG: the line PROG gives when there is no log yet (no file;
# a server database never initialised).
no_log_msg() {
	if on_pg; then
		echo "$1: '$CAFE_DB' is not a cafe database (run 'cafe-log init')"
	else
		echo "$1: cannot open database '$CAFE_DB': No such file or directory (run 'cafe-log init')"
	fi
}

# db_remove: the test's database gone (the file), or empty again (the
# server database dropped and made anew).
db_remove() {
	if on_pg; then
		db_admin -c "DROP DATABASE $(db_name) WITH (FORCE)" -c "CREATE DATABASE $(db_name)"
	else
		rm -f "$CAFE_DB" "$CAFE_DB-wal" "$CAFE_DB-shm"
	fi
}

# sql_ms COLUMN: SQL for a ts column (DESIGN §3's text) as milliseconds
# since the epoch, in the backend's own date functions.
sql_ms() {
	if on_pg; then
		echo "CAST(round(EXTRACT(EPOCH FROM CAST($1 AS timestamptz)) * 1000) AS BIGINT)"
	else
		echo "CAST(round((julianday($1) - 2440587.5) * 86400000) AS INTEGER)"
	fi
}

# Number of events in the log (0 when there is no log yet).
event_count() {
	local db=${1:-$CAFE_DB}
	if is_pg "$db"; then
		if [ "$(psql -qAtX "$db" -c "SELECT to_regclass('events') IS NOT NULL")" = t ]; then
			psql -qAtX "$db" -c "SELECT count(*) FROM events"
		else
			echo 0
		fi
	elif [ -f "$db" ]; then
		sqlite3 "$db" 'SELECT count(*) FROM events'
	else
		echo 0
	fi
}

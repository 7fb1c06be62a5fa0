#!/bin/bash
# history.sh - what a long history costs the commands that read all of it
# (issue 14), each against a floor of plain SQL on the same file, in the
# same interleaved rounds (tests/helpers/bench-interleave):
#  - rebuild: `cafe-trace rebuild` against an INSERT ... SELECT that
#    folds every order's row in one statement (json_extract and group by;
#    no statuses worked out, so less than the fold does). Goal <= 1.5x.
#  - export: `cafe-log export` against one SELECT of json_object(...) per
#    event in the export's shape, both into /dev/null. Goal <= 1.5x.
#  - list: peak RSS of `cafe-trace list` (a table, no limit) into a pipe,
#    against `--json list`, at BENCH_EVENTS and at a tenth of it: the
#    table's memory should stay flat as the log grows.
#  - import: peak RSS of `cafe-log import` of each log's own export into a
#    fresh log, at both sizes: flat as the file grows (it read the whole
#    file into memory first: 122 MB for 60k events, 472 MB for 240k).
# The log is BENCH_EVENTS (1000000) events, imported: orders of two items
# and their approvals (as report.sh makes), folded once before timing.
#
# Knobs: BENCH_EVENTS, BENCH_ROUNDS (3), BENCH_RUNS (3); BENCH_KEEP=DIR
# makes the logs in DIR and keeps them, and uses them when they are there.
# HISTORY_BACKEND=pg: the same on a throwaway PostgreSQL cluster (fsync
# on), the floors in PostgreSQL's SQL through psql (BENCH_EVENTS defaults
# to 200000 there: its import is slower).
set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
PG=
[ "${HISTORY_BACKEND:-sqlite}" != pg ] || PG=1
BIG=${BENCH_EVENTS:-$([ -n "$PG" ] && echo 200000 || echo 1000000)}
ROUNDS=${BENCH_ROUNDS:-3}
RUNS=${BENCH_RUNS:-3}
INTERLEAVE=$TOP/build/tests/bench-interleave
[ -x "$TOP/bin/cafe-trace" ] && [ -x "$INTERLEAVE" ] ||
    { echo "history.sh: run 'make' first" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "history.sh: /usr/bin/time is missing (make deps)" >&2; exit 1; }

if [ -n "${BENCH_KEEP:-}" ]; then
	WORK=$BENCH_KEEP
	mkdir -p "$WORK"
else
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/cafe-bench-history.XXXXXX")
	trap 'rm -rf "$WORK"' EXIT
fi
trap 'exit 1' INT TERM
export HOME="$WORK" XDG_CONFIG_HOME="$WORK/none" XDG_DATA_HOME="$WORK/none" TZ=UTC
unset CAFE_CONFIG
if [ -n "$PG" ]; then
	[ -z "${BENCH_KEEP:-}" ] || { echo "history.sh: BENCH_KEEP is for SQLite only" >&2; exit 1; }
	export PG_FSYNC=on PG_PORT=$(( 40000 + $$ % 20000 ))
	. "$TOP/tests/helpers/pg.bash"
	pg_start
	trap 'pg_stop; rm -rf "$WORK"' EXIT
	psql -q "$PG_URI" -c "CREATE DATABASE big" -c "CREATE DATABASE small"
fi
# The database called NAME: a file, or a database on the cluster.
db() { if [ -n "$PG" ]; then echo "postgresql:///$1?host=$PG_DIR&port=$PG_PORT&user=cafe"; else echo "$WORK/$1.db"; fi; }
sql() {	# NAME FILE: runs the SQL of FILE on database NAME, output to /dev/null
	if [ -n "$PG" ]; then psql -q -X -A -t -f "$2" "$(db "$1")" >/dev/null
	else sqlite3 "$(db "$1")" ".read $2" >/dev/null; fi
}

make_log() {	# EVENTS DB
	awk -v n="$1" 'BEGIN {
		for (i = 1; i <= n; i++) {
			o = int((i + 1) / 2)
			ts = strftime("%Y-%m-%dT%H:%M:%S.000Z", 1796083200 - 86400 * 30 + int(o / 20), 1)
			if (i % 2)
				printf "{\"id\":\"%032x\",\"stream\":\"order-%d\",\"version\":1,\"type\":\"OrderPlaced\",\"data\":{\"order_id\":%d,\"items\":[{\"product\":\"latte\",\"qty\":1,\"options\":[\"large\",\"oat\"],\"unit_price\":5100,\"total\":5100},{\"product\":\"tea\",\"qty\":2,\"options\":[],\"unit_price\":2500,\"total\":5000}],\"total\":10100,\"customer\":\"c%d\",\"address\":\"table 4\"},\"meta\":{\"correlation_id\":\"%d\",\"causation_id\":null,\"actor\":\"bench\",\"tool\":\"cafe-order\",\"host\":\"bench\"},\"ts\":\"%s\"}\n", i, o, o, o, o, ts
			else
				printf "{\"id\":\"%032x\",\"stream\":\"payment-%d\",\"version\":1,\"type\":\"PaymentApproved\",\"data\":{\"order_id\":%d,\"amount\":10100,\"ref\":\"sim-charge-%d\"},\"meta\":{\"correlation_id\":\"%d\",\"causation_id\":null,\"actor\":\"bench\",\"tool\":\"cafe-order\",\"host\":\"bench\"},\"ts\":\"%s\"}\n", i, o, o, o, o, ts
		}
	}' >"$WORK/log.jsonl"
	[ -n "$PG" ] || rm -f "$2" "$2"-wal "$2"-shm "$2"-lock
	"$TOP/bin/cafe-log" -q --db "$2" import --rechain <"$WORK/log.jsonl"
	rm "$WORK/log.jsonl"
	"$TOP/bin/cafe-trace" --db "$2" -q rebuild >/dev/null
	if [ -z "$PG" ]; then
		sqlite3 "$2" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
		echo "history.sh: $1 events, $(($(stat -c %s "$2") / 1048576)) MB"
	else
		echo "history.sh: $1 events on PostgreSQL"
	fi
}

[ -n "$PG" ] || [ ! -s "$WORK/big.db" ] || have=1
[ -n "${have:-}" ] || make_log "$BIG" "$(db big)"
[ -n "${have:-}" ] || make_log $((BIG / 10)) "$(db small)"

cat >"$WORK/fold.sql" <<'SQL'
DROP TABLE IF EXISTS floor_trace;
CREATE TABLE floor_trace(order_id INTEGER PRIMARY KEY, customer TEXT NOT NULL,
    product TEXT NOT NULL, qty INTEGER NOT NULL, total BIGINT NOT NULL,
    order_status TEXT NOT NULL, payment_status TEXT NOT NULL, amount BIGINT NOT NULL,
    placed_at TEXT NOT NULL, updated_at TEXT NOT NULL, items TEXT NOT NULL);
CREATE INDEX floor_trace_customer ON floor_trace(customer);
INSERT INTO floor_trace
SELECT data->>'order_id', max(data->>'customer'), max(data->>'$.items[0].product'),
    coalesce(sum(data->>'$.items[0].qty'), 0), coalesce(max(data->>'total'), 0),
    max(CASE type WHEN 'OrderPlaced' THEN 'paid' END),
    max(CASE type WHEN 'PaymentApproved' THEN 'approved' END),
    coalesce(max(data->>'amount'), 0), min(ts), max(ts), max(data->>'items')
FROM events WHERE stream NOT LIKE 'stock-%' GROUP BY data->>'order_id';
SQL
cat >"$WORK/export.sql" <<'SQL'
SELECT json_object('seq', seq, 'id', id, 'stream', stream, 'version', version,
    'type', type, 'data', json(data), 'meta', json(meta), 'ts', ts)
FROM events ORDER BY seq;
SQL
if [ -n "$PG" ]; then
	cat >"$WORK/fold.sql" <<'SQL'
DROP TABLE IF EXISTS floor_trace;
CREATE TABLE floor_trace(order_id BIGINT PRIMARY KEY, customer TEXT NOT NULL,
    product TEXT NOT NULL, qty BIGINT NOT NULL, total BIGINT NOT NULL,
    order_status TEXT NOT NULL, payment_status TEXT NOT NULL, amount BIGINT NOT NULL,
    placed_at TEXT NOT NULL, updated_at TEXT NOT NULL, items TEXT NOT NULL);
CREATE INDEX floor_trace_customer ON floor_trace(customer);
INSERT INTO floor_trace
SELECT (data->>'order_id')::bigint, coalesce(max(data->>'customer'), ''),
    coalesce(max(data->'items'->0->>'product'), ''),
    coalesce(sum((data->'items'->0->>'qty')::bigint), 0),
    coalesce(max((data->>'total')::bigint), 0),
    coalesce(max(CASE type WHEN 'OrderPlaced' THEN 'paid' END), ''),
    coalesce(max(CASE type WHEN 'PaymentApproved' THEN 'approved' END), ''),
    coalesce(max((data->>'amount')::bigint), 0), min(ts), max(ts),
    coalesce(max((data->'items')::text), '')
FROM events WHERE stream NOT LIKE 'stock-%' GROUP BY data->>'order_id';
SQL
	cat >"$WORK/export.sql" <<'SQL'
SELECT json_build_object('seq', seq, 'id', id, 'stream', stream, 'version', version,
    'type', type, 'data', data, 'meta', meta, 'ts', ts)
FROM events ORDER BY seq;
SQL
fi
# bench-interleave runs commands, not pipelines: a shell for the redirect.
echo "== rebuild ($BIG events)"
"$INTERLEAVE" "$ROUNDS" "$RUNS" \
    floor bash -c "$(declare -f db sql); PG='$PG' PG_DIR='${PG_DIR:-}' PG_PORT='${PG_PORT:-}' WORK='$WORK' sql big '$WORK/fold.sql'" -- \
    rebuild "$TOP/bin/cafe-trace" --db "$(db big)" -q rebuild
echo "== export ($BIG events)"
"$INTERLEAVE" "$ROUNDS" "$RUNS" \
    floor bash -c "$(declare -f db sql); PG='$PG' PG_DIR='${PG_DIR:-}' PG_PORT='${PG_PORT:-}' WORK='$WORK' sql big '$WORK/export.sql'" -- \
    export sh -c '"$1" --db "$2" export >/dev/null' - "$TOP/bin/cafe-log" "$(db big)"

rss() {	# DB ARGS...: peak RSS in MB of cafe-trace ARGS into a pipe
	db=$1
	shift
	/usr/bin/time -f %M -o "$WORK/rss" "$TOP/bin/cafe-trace" --db "$db" "$@" | cat >/dev/null
	echo "$(($(cat "$WORK/rss") / 1024))"
}
echo "== list peak RSS, MB"
printf '%-22s %10s %10s\n' "" "$((BIG / 10))" "$BIG"
printf '%-22s %10s %10s\n' "list (table)" "$(rss "$(db small)" list)" "$(rss "$(db big)" list)"
printf '%-22s %10s %10s\n' "--json list" "$(rss "$(db small)" --json list)" "$(rss "$(db big)" --json list)"
import_rss() {	# DB: peak RSS in MB of importing DB's export into a fresh log
	"$TOP/bin/cafe-log" --db "$1" export >"$WORK/export.jsonl"
	if [ -n "$PG" ]; then
		psql -q "$PG_URI" -c "DROP DATABASE IF EXISTS copy" -c "CREATE DATABASE copy"
	else
		rm -f "$WORK/copy.db" "$WORK/copy.db"-*
	fi
	/usr/bin/time -f %M -o "$WORK/rss" "$TOP/bin/cafe-log" -q --db "$(db copy)" import \
	    <"$WORK/export.jsonl"
	rm -f "$WORK/export.jsonl"
	echo "$(($(cat "$WORK/rss") / 1024))"
}
printf '%-22s %10s %10s\n' "import of the export" "$(import_rss "$(db small)")" "$(import_rss "$(db big)")"
echo "goal: rebuild <= 1.5x, export <= 1.5x their floors; list (table) and import flat with the log's size"

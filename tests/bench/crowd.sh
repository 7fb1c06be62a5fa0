#!/bin/bash
# crowd.sh - eight terminals placing at once: how long the unluckiest one
# waits, against the same placement alone (issue 14).
#
# tests/helpers/bench-crowd starts CROWD_N (8) children together, times
# each, then times CROWD_N lone runs; rounds alternate between the floor
# and cafe-order (floor crowd, floor lone, place crowd, place lone...).
# The floor is tests/bench/floor.c (one durable append of one row, SQLite
# alone, its busy handler deciding who goes next) on a database of its own.
# Each figure is a crowd's p99 and worst run over the lone median of the
# same command, so the floor's own tail shows what SQLite alone does.
# Goal: place p99 <= 10x and worst <= 25x its lone median, no failures.
#
# Knobs: CROWD_ROUNDS (40), CROWD_N (8), CROWD_BACKEND (sqlite; pg runs
# cafe-order on a throwaway PostgreSQL cluster, needs the server),
# BENCH_BEFORE (a bin/ directory of an older build, run in the same rounds
# on a log of its own).
set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
ROUNDS=${CROWD_ROUNDS:-40}
N=${CROWD_N:-8}
CROWD=$TOP/build/tests/bench-crowd
[ -x "$CROWD" ] && [ -x "$TOP/bin/cafe-order" ] || { echo "crowd.sh: run 'make' first" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cafe-bench-crowd.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 1' INT TERM
export HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/home/.config"
unset CAFE_CONFIG CAFE_DB
mkdir -p "$HOME"

cc -O2 -std=c11 -Wall -Wextra -Werror -o "$WORK/floor" "$TOP/tests/bench/floor.c" -lsqlite3
sqlite3 "$WORK/floor.db" "PRAGMA journal_mode = WAL;
    CREATE TABLE floor(seq INTEGER PRIMARY KEY, data TEXT NOT NULL)" >/dev/null
db=$WORK/cafe.db
if [ "${CROWD_BACKEND:-sqlite}" = pg ]; then
	export PG_FSYNC=on PG_PORT=$(( 40000 + $$ % 20000 ))
	. "$TOP/tests/helpers/pg.bash"
	pg_start
	trap 'pg_stop; rm -rf "$WORK"' EXIT
	db=$(pg_fresh_db crowd)
	db="${db/host=/port=$PG_PORT\&host=}"
fi
"$TOP/bin/cafe-log" -q --db "$db" init

set -- floor "$WORK/floor" "$WORK/floor.db" -- \
    place "$TOP/bin/cafe-order" --db "$db" -q place tea --customer "c{}"
if [ -n "${BENCH_BEFORE:-}" ]; then
	"$BENCH_BEFORE/cafe-log" -q --db "$WORK/before.db" init
	set -- "$@" -- before "$BENCH_BEFORE/cafe-order" --db "$WORK/before.db" -q place tea --customer "c{}"
fi
"$CROWD" "$ROUNDS" "$N" "$@" >"$WORK/runs"

awk -v n="$N" '
	{ k = $1 " " $2; t[k, ++c[k]] = $3; if ($4 != 0) fail[$1]++ }
	function sorted(k,   i, j, x) {
		for (i = 1; i <= c[k]; i++) s[i] = t[k, i]
		for (i = 2; i <= c[k]; i++) { x = s[i]; for (j = i - 1; j > 0 && s[j] > x; j--) s[j + 1] = s[j]; s[j + 1] = x }
	}
	function pct(k, p,   i) { sorted(k); i = int(p * c[k] + 0.999999); if (i < 1) i = 1; return s[i] }
	END {
		for (ci = 1; ci <= 3; ci++) {
			name = ci == 1 ? "floor" : ci == 2 ? "place" : "before"
			if (!c[name " lone"]) continue
			lone = pct(name " lone", 0.5)
			p99 = pct(name " crowd", 0.99); worst = pct(name " crowd", 1)
			printf "%-6s lone p50 %7.2f ms; %d at once: p50 %7.2f ms, p99 %7.2f ms (%5.1fx), worst %7.2f ms (%5.1fx); %d failed of %d\n", \
			    name, lone, n, pct(name " crowd", 0.5), p99, p99 / lone, worst, worst / lone, fail[name] + 0, c[name " crowd"] + c[name " lone"]
		}
	}' "$WORK/runs"
echo "goal: place p99 <= 10x, worst <= 25x its lone p50, 0 failed"

#!/bin/sh
# place.sh - what one `cafe-order place` costs next to the floor: a tiny C
# program (floor.c) that opens a WAL database and appends one ~200-byte row
# in one transaction with synchronous=FULL, like the log does.
#
# Two conditions, each on fresh databases:
#   cold  no other connection to the database;
#   warm  another process (sqlite3) holds a connection open, as the daemon
#         or a terminal's view would.
# cafe-order runs with the built-in menu and the sim processor (no latency),
# placing an untracked product so that the runs never run out of stock.
# The commands alternate within each round (floor, place, floor, place...)
# and each round gives its own ratio of medians; the summary is the median
# of those ratios. Goal: <= 1.3. floor2 is the floor with two durable
# commits, as a placement makes (one before the charge, one for the
# order): the least a placement could cost.
#
# Then a placement of three items with choices against one of one item.
#
# Knobs (environment): BENCH_ROUNDS (10), BENCH_RUNS (30 per round and
# command), BENCH_BEFORE (a bin/ directory of an older build to compare).
# Needs cc, libsqlite3-dev, sqlite3, and `make` run first.

set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
ORDER=$TOP/bin/cafe-order
ROUNDS=${BENCH_ROUNDS:-10}
RUNS=${BENCH_RUNS:-30}
INTERLEAVE=$TOP/build/tests/bench-interleave

for tool in cc sqlite3; do
	command -v "$tool" >/dev/null || { echo "place.sh: '$tool' is missing (make deps)" >&2; exit 1; }
done
[ -x "$ORDER" ] && [ -x "$INTERLEAVE" ] || { echo "place.sh: run 'make' first" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cafe-bench-place.XXXXXX")
cleanup() {
	release
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

cc -O2 -std=c11 -Wall -Wextra -Werror -o "$WORK/floor" "$TOP/tests/bench/floor.c" -lsqlite3

# No config file anywhere: the built-in defaults (sim, no latency).
export HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/home/.config" XDG_DATA_HOME="$WORK/home/.local/share"
unset CAFE_CONFIG CAFE_DB
mkdir -p "$HOME"
[ ! -e /etc/cafe/config.yaml ] || echo "place.sh: note: /etc/cafe/config.yaml is in effect" >&2

# Fresh databases for one condition: $WORK/COND-place.db, $WORK/COND-floor.db.
fresh() {	# COND
	"$TOP/bin/cafe-log" -q --db "$WORK/$1-place.db" init
	[ -z "${BENCH_BEFORE:-}" ] || "$BENCH_BEFORE/cafe-log" -q --db "$WORK/$1-before.db" init
	sqlite3 "$WORK/$1-floor.db" "PRAGMA journal_mode = WAL;
	    CREATE TABLE floor(seq INTEGER PRIMARY KEY, data TEXT NOT NULL)" >/dev/null
}

# Other processes keep a connection to each DB open (until release): an
# sqlite3 that reads (mapping the WAL index, as a real reader would) and
# then sleeps in a .shell command with its connection still open.
HOLDERS=
hold() {	# DB...
	for db; do
		setsid sqlite3 "$db" "SELECT count(*) FROM sqlite_master;" \
		    ".shell sleep 100000" >/dev/null 2>&1 &
		HOLDERS="$HOLDERS $!"
	done
}

release() {
	for p in $HOLDERS; do
		kill -- "-$p" 2>/dev/null || :
		wait "$p" 2>/dev/null || :
	done
	HOLDERS=
}

# Interleaved rounds (tests/helpers/bench-interleave): floor, place, and
# with BENCH_BEFORE=DIR an older build's cafe-order (DIR/cafe-order) on a
# database of its own, in the same rounds, so that before and after are
# measured side by side.
measure() {	# COND
	set -- "$1" floor "$WORK/floor" "$WORK/$1-floor.db" -- \
	    place "$ORDER" --db "$WORK/$1-place.db" -q place tea -- \
	    floor2 "$WORK/floor" "$WORK/$1-floor.db" 2
	if [ -n "${BENCH_BEFORE:-}" ]; then
		set -- "$@" -- before "$BENCH_BEFORE/cafe-order" --db "$WORK/$1-before.db" -q place tea
	fi
	cond=$1
	shift
	echo "== $cond"
	"$INTERLEAVE" "$ROUNDS" "$RUNS" "$@"
}

fresh cold
measure cold

fresh warm
hold "$WORK/warm-place.db" "$WORK/warm-floor.db" ${BENCH_BEFORE:+"$WORK/warm-before.db"}
measure warm
release

# Three items with choices against one, each on a fresh database of its
# own, in the same rounds: one order, one charge, whatever it holds.
"$TOP/bin/cafe-log" -q --db "$WORK/one.db" init
"$TOP/bin/cafe-log" -q --db "$WORK/three.db" init
echo "== items"
"$INTERLEAVE" "$ROUNDS" "$RUNS" \
    one "$ORDER" --db "$WORK/one.db" -q place tea -- \
    three "$ORDER" --db "$WORK/three.db" -q place tea:2 mocha+large+oat mocha

# Every run must have placed its order: the ratio means nothing otherwise.
for db in cold-place warm-place one three; do
	n=$(sqlite3 "$WORK/$db.db" "SELECT count(*) FROM events WHERE type = 'OrderPlaced'")
	[ "$n" -eq $((ROUNDS * RUNS)) ] ||
	    { echo "place.sh: $db: $n orders placed, expected $((ROUNDS * RUNS))" >&2; exit 1; }
done
echo "goal: place <= 1.3x floor (the median of the rounds' ratios of medians)"
echo "goal: three items <= 1.3x one item"

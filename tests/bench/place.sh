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
# Prints hyperfine's table per condition, then one ratio per condition
# (mean of place / mean of floor, and the same for medians). Goal: <= 1.3.
#
# Knobs (environment): BENCH_RUNS (300), BENCH_WARMUP (30).
# Needs hyperfine, cc, libsqlite3-dev, sqlite3, jq, and `make` run first.

set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
ORDER=$TOP/bin/cafe-order
RUNS=${BENCH_RUNS:-300}
WARMUP=${BENCH_WARMUP:-30}

for tool in hyperfine cc sqlite3 jq; do
	command -v "$tool" >/dev/null || { echo "place.sh: '$tool' is missing (make deps)" >&2; exit 1; }
done
[ -x "$ORDER" ] || { echo "place.sh: run 'make' first" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cafe-bench-place.XXXXXX")
HOLDER=
cleanup() {
	[ -z "$HOLDER" ] || kill "$HOLDER" 2>/dev/null || :
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
	sqlite3 "$WORK/$1-floor.db" "PRAGMA journal_mode = WAL;
	    CREATE TABLE floor(seq INTEGER PRIMARY KEY, data TEXT NOT NULL)" >/dev/null
}

# Another process keeps a connection to DB open (until release).
hold() {	# DB
	rm -f "$WORK/fifo"
	mkfifo "$WORK/fifo"
	sqlite3 "$1" <"$WORK/fifo" >/dev/null &
	HOLDER=$!
	exec 9>"$WORK/fifo"
	# A read maps the WAL index, as a real reader would have.
	echo "SELECT count(*) FROM sqlite_master;" >&9
}

release() {
	exec 9>&-
	wait "$HOLDER" 2>/dev/null || :
	HOLDER=
}

# One hyperfine run: $WORK/COND-WHAT.json.
measure() {	# COND WHAT COMMAND
	hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" \
	    --export-json "$WORK/$1-$2.json" -n "$2 ($1)" "$3"
}

fresh cold
measure cold place "$ORDER --db $WORK/cold-place.db -q place tea"
measure cold floor "$WORK/floor $WORK/cold-floor.db"

fresh warm
hold "$WORK/warm-place.db"
measure warm place "$ORDER --db $WORK/warm-place.db -q place tea"
release
hold "$WORK/warm-floor.db"
measure warm floor "$WORK/floor $WORK/warm-floor.db"
release

# Every run must have placed its order: the ratio means nothing otherwise.
for cond in cold warm; do
	n=$(sqlite3 "$WORK/$cond-place.db" "SELECT count(*) FROM events WHERE type = 'OrderPlaced'")
	[ "$n" -eq $((RUNS + WARMUP)) ] ||
	    { echo "place.sh: $cond: $n orders placed, expected $((RUNS + WARMUP))" >&2; exit 1; }
done

echo
printf '%-6s %11s %11s %11s %11s %7s %7s\n' cond place_mean floor_mean place_med \
    floor_med ratio r_med
for cond in cold warm; do
	jq -rs --arg c "$cond" '.[0].results[0] as $p | .[1].results[0] as $f |
	    "\($c) \($p.mean * 1000) \($f.mean * 1000) \($p.median * 1000) \($f.median * 1000) \($p.mean / $f.mean) \($p.median / $f.median)"' \
	    "$WORK/$cond-place.json" "$WORK/$cond-floor.json" |
	while read -r c pm fm pmed fmed r rmed; do
		printf '%-6s %9.3fms %9.3fms %9.3fms %9.3fms %6.2fx %6.2fx\n' \
		    "$c" "$pm" "$fm" "$pmed" "$fmed" "$r" "$rmed"
	done
done
echo "goal: place <= 1.3x floor (ratio: of means; r_med: of medians)"

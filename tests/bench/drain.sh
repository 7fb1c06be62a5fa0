#!/bin/sh
# drain.sh - how fast `cafe-daemon run --once` works off a backlog.
#
# Writes DRAIN_ORDERS (default 100000) paid orders into a fresh log with
# tests/helpers/bench-log (lib/log.h, 1000 orders per transaction), then
# times `cafe-daemon -q run --once` over them and counts the events it
# appended (a DeliveryStarted and two NotificationQueued per order, plus
# the order_trace projection, which is no event). In the same run, the
# floors: bench-log appending as many events through lib/log.h in
# 1000-event transactions, and as many plain rows into a table without
# indexes in 1000-row transactions (SQLite alone).
# Goal (issue 3): the daemon's rate >= 25% of the floor.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/${CAFE_BUILD:-build}
n=${DRAIN_ORDERS:-100000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT INT TERM
export CAFE_DB="$dir/cafe.db" XDG_CONFIG_HOME="$dir/config" HOME="$dir"
unset CAFE_CONFIG

ms() { echo $(($(date +%s%N) / 1000000)); }
count() { sqlite3 "$CAFE_DB" "SELECT count(*) FROM events $1"; }

"$build/tests/bench-log" orders "$CAFE_DB" "$n" >/dev/null
before=$(count "")
t0=$(ms)
"$top/bin/cafe-daemon" -q run --once
t1=$(ms)
appended=$(($(count "") - before))
started=$(count "WHERE type = 'DeliveryStarted'")
queued=$(count "WHERE type = 'NotificationQueued'")
if [ "$started" -ne "$n" ] || [ "$queued" -ne $((2 * n)) ]; then
	echo "drain: wrong result: $started DeliveryStarted, $queued NotificationQueued for $n orders" >&2
	exit 1
fi
secs=$(echo "scale=3; ($t1 - $t0) / 1000" | bc)
rate=$(echo "$appended * 1000 / ($t1 - $t0)" | bc)
set -- $("$build/tests/bench-log" floor "$dir/floor.db" "$appended")
floor=$3
set -- $("$build/tests/bench-log" raw "$dir/raw.db" "$appended")
raw=$3

printf 'drain: %d orders, %d events appended in %s s: %d events/s\n' "$n" "$appended" "$secs" "$rate"
printf 'floor: lib/log.h, 1000-event transactions: %.0f events/s (daemon at %d%%)\n' \
    "$floor" "$(echo "$rate * 100 / $floor" | bc)"
printf 'floor: plain SQLite rows, 1000-row transactions: %.0f rows/s (daemon at %d%%)\n' \
    "$raw" "$(echo "$rate * 100 / $raw" | bc)"
if [ "$(echo "$rate * 4 >= $raw" | bc)" -eq 1 ]; then
	echo "goal (>= 25% of the plain SQLite floor): met"
else
	echo "goal (>= 25% of the plain SQLite floor): NOT met"
fi

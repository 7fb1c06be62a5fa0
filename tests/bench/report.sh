#!/bin/sh
# report.sh - what `cafe-trace report` (a day's close-out) and `cafe-trace
# stats` cost on a log of a million events next to the same on ten
# thousand, over the same ten days: both read the rows of their
# projection, a bucket's worth however many orders it holds, so the ratio
# should stay near 1 however busy the shop is. (Over a longer time stats
# prints a line per hour, and costs what it prints.)
#
# Each log is made by `cafe-log import` of generated days: orders of two
# items (OrderPlaced with items, and its PaymentApproved) spread over
# twelve hours of each of BENCH_DAYS days, the newest day the one
# reported. Both are caught up once before timing (the projection is kept
# as events arrive). Interleaved rounds (bench-interleave): small, big...
#
# Knobs: BENCH_EVENTS (1000000), BENCH_SMALL (10000), BENCH_DAYS (10),
# BENCH_ROUNDS (5), BENCH_RUNS (5).
set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BIG=${BENCH_EVENTS:-1000000}
SMALL=${BENCH_SMALL:-10000}
DAYS=${BENCH_DAYS:-10}
ROUNDS=${BENCH_ROUNDS:-5}
RUNS=${BENCH_RUNS:-5}
INTERLEAVE=$TOP/build/tests/bench-interleave
[ -x "$TOP/bin/cafe-trace" ] && [ -x "$INTERLEAVE" ] ||
    { echo "report.sh: run 'make' first" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cafe-bench-report.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 1' INT TERM
export HOME="$WORK" XDG_CONFIG_HOME="$WORK/none" XDG_DATA_HOME="$WORK/none" TZ=UTC
unset CAFE_CONFIG

make_log() {	# EVENTS DB
	awk -v n="$1" -v days="$DAYS" 'BEGIN {
		perday = int(n / 2 / days)
		for (i = 1; i <= n; i++) {
			o = int((i + 1) / 2)
			# Day d counts back from 2026-12-01, from 08:00 for 12 hours.
			d = days - 1 - int((o - 1) / perday)
			t = 1796083200 + 28800 - d * 86400 + int(((o - 1) % perday) * 43200 / perday)
			ts = strftime("%Y-%m-%dT%H:%M:%S.000Z", t, 1)
			if (i % 2)
				printf "{\"id\":\"%032x\",\"stream\":\"order-%d\",\"version\":1,\"type\":\"OrderPlaced\",\"data\":{\"order_id\":%d,\"items\":[{\"product\":\"latte\",\"qty\":1,\"options\":[\"large\",\"oat\"],\"unit_price\":5100,\"total\":5100},{\"product\":\"tea\",\"qty\":2,\"options\":[],\"unit_price\":2500,\"total\":5000}],\"total\":10100,\"customer\":\"c%d\",\"address\":\"table 4\"},\"meta\":{\"correlation_id\":\"%d\",\"causation_id\":null,\"actor\":\"bench\",\"tool\":\"cafe-order\",\"host\":\"bench\"},\"ts\":\"%s\"}\n", i, o, o, o, o, ts
			else
				printf "{\"id\":\"%032x\",\"stream\":\"payment-%d\",\"version\":1,\"type\":\"PaymentApproved\",\"data\":{\"order_id\":%d,\"amount\":10100,\"ref\":\"sim-charge-%d\"},\"meta\":{\"correlation_id\":\"%d\",\"causation_id\":null,\"actor\":\"bench\",\"tool\":\"cafe-order\",\"host\":\"bench\"},\"ts\":\"%s\"}\n", i, o, o, o, o, ts
		}
	}' >"$WORK/log.jsonl"
	"$TOP/bin/cafe-log" -q --db "$2" import --rechain <"$WORK/log.jsonl"
	rm "$WORK/log.jsonl"
	"$TOP/bin/cafe-trace" --db "$2" report --day 2026-12-01 >/dev/null
	"$TOP/bin/cafe-trace" --db "$2" stats >/dev/null
	sqlite3 "$2" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
	echo "report.sh: $1 events, $(($(stat -c %s "$2") / 1048576)) MB"
}

make_log "$SMALL" "$WORK/small.db"
make_log "$BIG" "$WORK/big.db"
"$TOP/bin/cafe-trace" --db "$WORK/big.db" --json report --day 2026-12-01 |
    grep -q "\"orders\":$((BIG / 2 / DAYS))," ||
    { echo "report.sh: the big log's day is not $((BIG / 2 / DAYS)) orders" >&2; exit 1; }

echo "== report --day 2026-12-01"
"$INTERLEAVE" "$ROUNDS" "$RUNS" \
    small "$TOP/bin/cafe-trace" --db "$WORK/small.db" report --day 2026-12-01 -- \
    big "$TOP/bin/cafe-trace" --db "$WORK/big.db" report --day 2026-12-01
echo "== stats"
"$INTERLEAVE" "$ROUNDS" "$RUNS" \
    small "$TOP/bin/cafe-trace" --db "$WORK/small.db" stats -- \
    big "$TOP/bin/cafe-trace" --db "$WORK/big.db" stats
echo "goal: big <= about 1x small, for report and for stats"

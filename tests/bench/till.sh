#!/bin/sh
# till.sh - `cafe-pay till` (the drawer now) and `cafe-trace report` (the
# close-out, with its tenders and the till's over/short) on a log of a
# million events next to the same on a log of one day: the drawer reads the
# events since it was opened (the day's, found by the type index), the
# report its projection's buckets (the tills' closes are folded into them),
# so both should cost the same however long the log is.
#
# The logs are made by `cafe-log import` of generated events: each day
# BENCH_DAY orders (OrderPlaced and PaymentApproved, half of them in cash),
# a TillOpened before them and a TillClosed after; the big log has as many
# days as make BENCH_EVENTS, the small one the last day only. The newest
# day's till is left open. Interleaved rounds (bench-interleave): small,
# big, small, big...
#
# Knobs: BENCH_EVENTS (1000000), BENCH_DAY (2000 orders), BENCH_ROUNDS (5),
# BENCH_RUNS (5).
set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BIG=${BENCH_EVENTS:-1000000}
DAY=${BENCH_DAY:-2000}
ROUNDS=${BENCH_ROUNDS:-5}
RUNS=${BENCH_RUNS:-5}
INTERLEAVE=$TOP/build/tests/bench-interleave
[ -x "$TOP/bin/cafe-pay" ] && [ -x "$INTERLEAVE" ] || { echo "till.sh: run 'make' first" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cafe-bench-till.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 1' INT TERM
export HOME="$WORK" XDG_CONFIG_HOME="$WORK/none" XDG_DATA_HOME="$WORK/none" TZ=UTC
unset CAFE_CONFIG

make_log() {	# DAYS DB
	awk -v days="$1" -v perday="$DAY" 'BEGIN {
		seq = 0; o = 0; v = 0
		for (d = days - 1; d >= 0; d--) {
			# Day d counts back from 2026-12-01, from 08:00 for 12 hours.
			base = 1796083200 + 28800 - d * 86400
			ev("till-main", ++v, "TillOpened", "{\"float\":100000}", base - 60, "till")
			cash = 0
			for (k = 0; k < perday; k++) {
				o++
				t = base + int(k * 43200 / perday)
				tenders = ""
				if (o % 2) {
					tenders = ",\"tenders\":[{\"tender\":\"cash\",\"amount\":10100}]"
					cash += 10100
				}
				ev("order-" o, 1, "OrderPlaced", "{\"order_id\":" o ",\"items\":[{\"product\":\"latte\",\"qty\":1,\"options\":[\"large\",\"oat\"],\"unit_price\":5100,\"total\":5100},{\"product\":\"tea\",\"qty\":2,\"options\":[],\"unit_price\":2500,\"total\":5000}],\"total\":10100,\"customer\":\"c" o "\",\"address\":\"table 4\"" tenders "}", t, o)
				ev("payment-" o, 1, "PaymentApproved", "{\"order_id\":" o ",\"amount\":10100,\"ref\":\"r" o "\"" tenders "}", t, o)
			}
			if (d > 0)
				ev("till-main", ++v, "TillClosed", "{\"float\":100000,\"cash_in\":" cash ",\"cash_out\":0,\"expected\":" (100000 + cash) ",\"counted\":" (100000 + cash) ",\"over_short\":0}", base + 43200, "till")
		}
	}
	function ev(stream, version, type, data, t, corr) {
		printf "{\"id\":\"%032x\",\"stream\":\"%s\",\"version\":%d,\"type\":\"%s\",\"data\":%s,\"meta\":{\"correlation_id\":\"%s\",\"causation_id\":null,\"actor\":\"bench\",\"tool\":\"bench\",\"host\":\"bench\"},\"ts\":\"%s\"}\n", ++seq, stream, version, type, data, corr, strftime("%Y-%m-%dT%H:%M:%S.000Z", t, 1)
	}' >"$WORK/log.jsonl"
	"$TOP/bin/cafe-log" -q --db "$2" import --rechain <"$WORK/log.jsonl"
	rm "$WORK/log.jsonl"
	"$TOP/bin/cafe-trace" --db "$2" report --day 2026-12-01 >/dev/null
	sqlite3 "$2" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
	echo "till.sh: $(sqlite3 "$2" "SELECT count(*) FROM events") events, $(($(stat -c %s "$2") / 1048576)) MB"
}

make_log 1 "$WORK/small.db"
make_log $(( (BIG + 2 * DAY - 1) / (2 * DAY + 2) )) "$WORK/big.db"
# The same drawer and the same day in both.
for db in small big; do
	"$TOP/bin/cafe-pay" --db "$WORK/$db.db" --json till | grep -q "\"cash_in\":$((DAY / 2 * 10100))," ||
	    { echo "till.sh: the $db log's drawer is not the day's" >&2; exit 1; }
done

echo "== till (the drawer now)"
"$INTERLEAVE" "$ROUNDS" "$RUNS" \
    small "$TOP/bin/cafe-pay" --db "$WORK/small.db" till -- \
    big "$TOP/bin/cafe-pay" --db "$WORK/big.db" till
echo "== report --day 2026-12-01"
"$INTERLEAVE" "$ROUNDS" "$RUNS" \
    small "$TOP/bin/cafe-trace" --db "$WORK/small.db" report --day 2026-12-01 -- \
    big "$TOP/bin/cafe-trace" --db "$WORK/big.db" report --day 2026-12-01
echo "goal: big about 1x small, for the till and the report"

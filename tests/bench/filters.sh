#!/bin/bash
# filters.sh - the filtered lists of `cafe-trace list` as the log grows:
# `--customer X` (a customer with one order), `--status cancelled --limit
# 20` (one order in a thousand is cancelled) and `--since T` (the last
# hundred orders), each at BENCH_EVENTS (1000000) events against the same
# command at a hundredth of them, in the same interleaved rounds
# (tests/helpers/bench-interleave). A filter that uses its index is flat:
# ~1x. Its floor is the small log's own answer; the goal is <= 1.5x.
#
# BENCH_BEFORE=DIR: a build of an older tree (its bin/) is run in the same
# rounds, on the same logs, so that before and after share the machine's
# mood. Knobs: BENCH_EVENTS, BENCH_ROUNDS (3), BENCH_RUNS (5).
set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BIG=${BENCH_EVENTS:-1000000}
SMALL=$((BIG / 100))
ROUNDS=${BENCH_ROUNDS:-3}
RUNS=${BENCH_RUNS:-5}
INTERLEAVE=$TOP/build/tests/bench-interleave
[ -x "$TOP/bin/cafe-trace" ] && [ -x "$INTERLEAVE" ] ||
    { echo "filters.sh: run 'make' first" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cafe-bench-filters.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 1' INT TERM
export HOME="$WORK" XDG_CONFIG_HOME="$WORK/none" XDG_DATA_HOME="$WORK/none" TZ=UTC
unset CAFE_CONFIG

# EVENTS DB: orders of two items, each approved, one in a thousand then
# cancelled; customer cN has order N alone. A minute between orders,
# the last near 1796083200.
make_log() {
	awk -v n="$1" 'BEGIN {
		meta = "\"meta\":{\"correlation_id\":\"%d\",\"causation_id\":null,\"actor\":\"bench\",\"tool\":\"cafe-order\",\"host\":\"bench\"}"
		for (o = 1; e < n; o++) {
			ts = strftime("%Y-%m-%dT%H:%M:%S.000Z", 1796083200 - 30 * n + 60 * o, 1)
			printf "{\"id\":\"%032x\",\"stream\":\"order-%d\",\"version\":1,\"type\":\"OrderPlaced\",\"data\":{\"order_id\":%d,\"items\":[{\"product\":\"latte\",\"qty\":1,\"options\":[\"large\"],\"unit_price\":4500,\"total\":4500},{\"product\":\"tea\",\"qty\":1,\"options\":[],\"unit_price\":2500,\"total\":2500}],\"total\":7000,\"customer\":\"c%d\"}," meta ",\"ts\":\"%s\"}\n", ++e, o, o, o, o, ts
			printf "{\"id\":\"%032x\",\"stream\":\"payment-%d\",\"version\":1,\"type\":\"PaymentApproved\",\"data\":{\"order_id\":%d,\"amount\":7000,\"ref\":\"sim-%d\"}," meta ",\"ts\":\"%s\"}\n", ++e, o, o, o, o, ts
			if (o % 1000 == 500)
				printf "{\"id\":\"%032x\",\"stream\":\"order-%d\",\"version\":2,\"type\":\"OrderCancelled\",\"data\":{\"order_id\":%d,\"reason\":\"bench\"}," meta ",\"ts\":\"%s\"}\n", ++e, o, o, o, ts
		}
	}' >"$WORK/log.jsonl"
	"$TOP/bin/cafe-log" -q --db "$2" import --rechain <"$WORK/log.jsonl"
	rm "$WORK/log.jsonl"
	"$TOP/bin/cafe-trace" --db "$2" -q rebuild >/dev/null
	sqlite3 "$2" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
	echo "filters.sh: $1 events, $(($(stat -c %s "$2") / 1048576)) MB"
}
make_log "$BIG" "$WORK/big.db"
make_log "$SMALL" "$WORK/small.db"
# The builds to compare: this tree's, and BENCH_BEFORE's in the same rounds.
builds="now:$TOP"
[ -z "${BENCH_BEFORE:-}" ] || builds="before:$BENCH_BEFORE $builds"
# Their views are made (an older build's may have another shape) before timing.
for b in $builds; do
	for db in small big; do
		"${b#*:}/bin/cafe-trace" --db "$WORK/$db.db" list --limit 1 >/dev/null
	done
done

since=$(date -u -d @$((1796083200 - 60 * 100)) +%Y-%m-%dT%H:%M:%SZ)
for filter in "--customer c5" "--status cancelled --limit 20" "--since $since"; do
	echo "== cafe-trace list $filter: $BIG events against $SMALL"
	args=()
	for b in $builds; do
		[ ${#args[@]} -eq 0 ] || args+=(--)
		args+=("${b%%:*}-small" "${b#*:}/bin/cafe-trace" --db "$WORK/small.db" list $filter --
		    "${b%%:*}-big" "${b#*:}/bin/cafe-trace" --db "$WORK/big.db" list $filter)
	done
	"$INTERLEAVE" "$ROUNDS" "$RUNS" "${args[@]}" | grep -v '^round'
done
echo "goal: each filter at $BIG events within 1.5x of the same at $SMALL (flat in the log's size)"

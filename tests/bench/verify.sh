#!/bin/sh
# verify.sh - what `cafe-log verify` (the whole hash chain, JSON checks,
# gap-free seq, stream versions) costs at a million events, next to the
# floor: one SQL scan that reads every byte of the same rows
# (sqlite3, sum of the columns' lengths, in seq order).
#
# The log is made by `cafe-log import` of generated orders (an OrderPlaced
# and its PaymentApproved each). Interleaved rounds (bench-interleave):
# floor, verify, floor, verify...; the ratio is the median of the rounds'.
#
# Knobs: BENCH_EVENTS (1000000), BENCH_ROUNDS (5).

set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
EVENTS=${BENCH_EVENTS:-1000000}
ROUNDS=${BENCH_ROUNDS:-5}
INTERLEAVE=$TOP/build/tests/bench-interleave
[ -x "$TOP/bin/cafe-log" ] && [ -x "$INTERLEAVE" ] ||
    { echo "verify.sh: run 'make' first" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cafe-bench-verify.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 1' INT TERM
export HOME="$WORK" XDG_CONFIG_HOME="$WORK/none" XDG_DATA_HOME="$WORK/none"
unset CAFE_CONFIG

awk -v n="$EVENTS" 'BEGIN {
	for (i = 1; i <= n; i++) {
		o = int((i + 1) / 2)
		if (i % 2)
			printf "{\"id\":\"%032x\",\"stream\":\"order-%d\",\"version\":1,\"type\":\"OrderPlaced\",\"data\":{\"order_id\":%d,\"product\":\"tea\",\"qty\":1,\"unit_price\":2500,\"total\":2500,\"customer\":\"c%d\",\"address\":\"table 4\"},\"meta\":{\"correlation_id\":\"%d\",\"causation_id\":null,\"actor\":\"bench\",\"tool\":\"cafe-order\",\"host\":\"bench\"},\"ts\":\"2026-01-01T09:00:00.000Z\"}\n", i, o, o, o, o
		else
			printf "{\"id\":\"%032x\",\"stream\":\"payment-%d\",\"version\":1,\"type\":\"PaymentApproved\",\"data\":{\"order_id\":%d,\"amount\":2500,\"ref\":\"sim-charge-%d\"},\"meta\":{\"correlation_id\":\"%d\",\"causation_id\":null,\"actor\":\"bench\",\"tool\":\"cafe-order\",\"host\":\"bench\"},\"ts\":\"2026-01-01T09:00:00.000Z\"}\n", i, o, o, o, o
	}
}' >"$WORK/log.jsonl"
"$TOP/bin/cafe-log" -q --db "$WORK/cafe.db" import --rechain <"$WORK/log.jsonl"
rm "$WORK/log.jsonl"
sqlite3 "$WORK/cafe.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
echo "verify.sh: $EVENTS events, $(($(stat -c %s "$WORK/cafe.db") / 1048576)) MB"

"$INTERLEAVE" "$ROUNDS" 1 \
    floor sqlite3 "$WORK/cafe.db" "SELECT count(*), sum(length(id) + length(stream) +
        length(type) + length(data) + length(meta) + length(ts) + length(hash) + version)
        FROM events ORDER BY seq" -- \
    verify "$TOP/bin/cafe-log" -q --db "$WORK/cafe.db" verify

#!/bin/sh
# tender.sh - a cash placement next to a card placement, in the same
# interleaved rounds (tests/helpers/bench-interleave), each on a fresh
# database of its own: cash asks no processor and commits once where a
# card placement commits twice (PaymentRequested before the charge, the
# order after it), so it should be faster. The floor is a card placement:
# the ratio is cash's time over card's.
#
# The card processor is the built-in sim with BENCH_CARD_MS of latency
# (default 0: the least a card costs; a real terminal takes a second or
# more). A split (cash:1000 + card) runs in the same rounds.
#
# Warm: another process holds each database open, as the daemon does in a
# shop (place.sh's "warm"); without one, every placement first rebuilds
# the WAL's index from the WAL file, which costs what the WAL holds at that
# moment and swamps the difference (BENCH_COLD=1 measures that too).
#
# Knobs: BENCH_ROUNDS (10), BENCH_RUNS (30), BENCH_CARD_MS (0), BENCH_COLD.
set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
ORDER=$TOP/bin/cafe-order
ROUNDS=${BENCH_ROUNDS:-10}
RUNS=${BENCH_RUNS:-30}
INTERLEAVE=$TOP/build/tests/bench-interleave
[ -x "$ORDER" ] && [ -x "$INTERLEAVE" ] || { echo "tender.sh: run 'make' first" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cafe-bench-tender.XXXXXX")
HOLDERS=
release() {
	for p in $HOLDERS; do
		kill -- "-$p" 2>/dev/null || :
		wait "$p" 2>/dev/null || :
	done
	HOLDERS=
}
trap 'release; rm -rf "$WORK"' EXIT
trap 'exit 1' INT TERM
export HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/none" XDG_DATA_HOME="$WORK/none"
mkdir -p "$HOME"
unset CAFE_DB
printf 'payment: {sim: {latency_ms: %s}}\n' "${BENCH_CARD_MS:-0}" >"$WORK/config.yaml"
export CAFE_CONFIG="$WORK/config.yaml"

for t in card cash split; do
	"$TOP/bin/cafe-log" -q --db "$WORK/$t.db" init
	"$TOP/bin/cafe-pay" -q --db "$WORK/$t.db" till open --float 0
done

measure() {	# COND
	echo "== $1: place tea: card, cash, split (card latency ${BENCH_CARD_MS:-0} ms)"
	"$INTERLEAVE" "$ROUNDS" "$RUNS" \
	    card "$ORDER" --db "$WORK/card.db" -q place tea -- \
	    cash "$ORDER" --db "$WORK/cash.db" -q place tea --tender cash -- \
	    split "$ORDER" --db "$WORK/split.db" -q place tea --tender cash:1000 --tender card
}

for t in card cash split; do
	setsid sqlite3 "$WORK/$t.db" "SELECT count(*) FROM sqlite_master;" \
	    ".shell sleep 100000" >/dev/null 2>&1 &
	HOLDERS="$HOLDERS $!"
done
measure warm
release
if [ -n "${BENCH_COLD:-}" ]; then
	measure cold
fi

for t in card cash split; do
	n=$(sqlite3 "$WORK/$t.db" "SELECT count(*) FROM events WHERE type = 'OrderPlaced'")
	[ "$n" -eq $((ROUNDS * RUNS)) ] ||
	    { echo "tender.sh: $t: $n orders placed, expected $((ROUNDS * RUNS))" >&2; exit 1; }
done
[ "$(sqlite3 "$WORK/cash.db" "SELECT count(*) FROM events WHERE type = 'PaymentRequested'")" = 0 ] ||
    { echo "tender.sh: a cash order asked the processor" >&2; exit 1; }
echo "goal: cash < 1x card; split about 1x card"

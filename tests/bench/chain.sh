#!/usr/bin/env bash
# chain.sh - how many shops one PostgreSQL server carries (issue 28): a
# chain of SHOPS shops (50), each with its own daemon (`cafe-daemon run
# --shop`) and its terminals, against a lone shop with its daemon (the
# floor), on one throwaway cluster (fsync on), in interleaved rounds:
#   floor:  the lone shop, one order at a time (0.2 s apart)
#   peak:   the chain at 2 orders per shop per minute, for PEAK_S seconds
#   lunch:  the chain at ten times that, for LUNCH_S seconds
#   most:   8 terminals placing back to back for MOST_S seconds, in the
#           lone shop and then spread over the chain's shops (its daemons
#           all running): the orders a second the server takes
# For each: a placement's time as a whole process (p50, p99), and the
# kitchen's wait, an order's OrderPlaced to its DeliveryStarted by its
# shop's daemon (p50, p99; the server's clock stamps both). The answer is
# the ratios to the floor, and the headroom: the chain's most over the
# lunch rate it must carry.
# Usage: tests/bench/chain.sh   (SHOPS, ROUNDS, PEAK_S, LUNCH_S, MOST_S)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
shops=${SHOPS:-50}
rounds=${ROUNDS:-3}
peak_s=${PEAK_S:-60}
lunch_s=${LUNCH_S:-30}
most_s=${MOST_S:-15}
export PG_FSYNC=on PG_PORT=$(( 40000 + $$ % 20000 )) PG_MAX_CONNECTIONS=$(( shops * 12 + 100 ))
source "$top/tests/helpers/pg.bash"
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || :; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || :; done
	pg_stop
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
export HOME=$work XDG_CONFIG_HOME=$work/config
unset CAFE_CONFIG CAFE_DB
PATH="$top/bin:$PATH"
pg_start
uri() { echo "postgresql:///$1?host=$PG_DIR&port=$PG_PORT&user=cafe"; }
psql -q "$PG_URI" -c "CREATE DATABASE lone" -c "CREATE DATABASE chain"
for s in $(seq 1 "$shops"); do
	printf 'shop: "shop %02d"\nmenu:\n  - {name: latte, price: 4000}\n' "$s" >"$work/s$s.yaml"
done
printf 'menu:\n  - {name: latte, price: 4000}\n' >"$work/lone.yaml"
cafe-log --db "$(uri lone)" -q init
cafe-log --db "$(uri chain)" -q init
# Each shop's first order names it to the log, so each daemon may be
# given its shop; then the daemons, one per shop, and the lone shop's.
for s in $(seq 1 "$shops"); do
	cafe-order --db "$(uri chain)" --config "$work/s$s.yaml" -q place latte
done
for s in $(seq 1 "$shops"); do
	cafe-daemon --db "$(uri chain)" --config "$work/s$s.yaml" -q run 2>>"$work/daemons.err" &
	pids+=($!)
done
cafe-daemon --db "$(uri lone)" --config "$work/lone.yaml" -q run 2>>"$work/daemons.err" &
pids+=($!)

now_ms() { local t=$EPOCHREALTIME; echo $(( ${t%.*} * 1000 + 10#${t#*.} / 1000 )); }

one() {	# DB CONFIG OUT: one placement, its time in ms appended to OUT
	local t0 t1
	t0=$(now_ms)
	cafe-order --db "$1" --config "$2" -q place latte >/dev/null 2>>"$work/place.err" || {
		echo fail >>"$3"; return; }
	t1=$(now_ms)
	echo $((t1 - t0)) >>"$3"
}

paced() {	# DB RATE-PER-MINUTE SECONDS OUT [SHOPS]: orders at a steady pace
	local db=$1 rate=$2 secs=$3 out=$4 n i start due k
	n=$(( rate * secs / 60 ))
	start=$(now_ms)
	for ((i = 0; i < n; i++)); do
		due=$(( start + i * 60000 / rate ))
		while [ "$(now_ms)" -lt "$due" ]; do sleep 0.005; done
		if [ -n "${5:-}" ]; then
			k=$(( i % $5 + 1 ))
			one "$db" "$work/s$k.yaml" "$out" &
		else
			one "$db" "$work/lone.yaml" "$out" &
		fi
	done
	wait_placed
}

wait_placed() { local j; for j in $(jobs -p); do case " ${pids[*]} " in *" $j "*) ;; *) wait "$j" || :;; esac; done; }

most() {	# DB SHOPS|0 SECONDS: orders a second from 8 terminals back to back
	local db=$1 n=$2 secs=$3 t c=0 end k
	end=$(( $(now_ms) + secs * 1000 ))
	for t in $(seq 1 8); do
		(
			local m=0
			while [ "$(now_ms)" -lt "$end" ]; do
				if [ "$n" -gt 0 ]; then k=$(( (t * 7 + m) % n + 1 )); c="$work/s$k.yaml"
				else c="$work/lone.yaml"; fi
				cafe-order --db "$db" --config "$c" -q place latte >/dev/null 2>>"$work/place.err" && m=$((m + 1))
			done
			echo "$m" >"$work/most.$t"
		) &
	done
	wait_placed
	cat "$work"/most.* | awk -v s="$secs" '{ n += $1 } END { printf "%.1f", n / s }'
	rm -f "$work"/most.*
}

pct() {	# FILE P: the P-th percentile (nearest rank) of its numbers
	grep -v fail "$1" | sort -n | awk -v p="$2" '{ v[NR] = $1 } END {
	    r = int((NR * p + 99) / 100); if (r < 1) r = 1; print v[r] }'
}

kitchen() {	# DB AFTER-SEQ P: the P-th percentile of the kitchen's wait, ms
	local db=$1 after=$2 p=$3
	# Each order's wait, once its daemon started it (waited for).
	until [ "$(psql -qAtX "$db" -c "SELECT count(*) FROM events o WHERE o.type = 'OrderPlaced'
	    AND o.seq > $after AND NOT EXISTS (SELECT 1 FROM events d WHERE
	    d.type = 'DeliveryStarted' AND d.data->>'order_id' = o.data->>'order_id')")" = 0 ]; do
		sleep 0.2
	done
	psql -qAtX "$db" -c "SELECT round(percentile_disc($p / 100.0) WITHIN GROUP (ORDER BY
	    extract(epoch FROM d.ts::timestamptz - o.ts::timestamptz) * 1000)) FROM events o
	    JOIN events d ON d.type = 'DeliveryStarted' AND d.data->>'order_id' = o.data->>'order_id'
	    WHERE o.type = 'OrderPlaced' AND o.seq > $after"
}

head_of() { psql -qAtX "$1" -c "SELECT coalesce(max(seq), 0) FROM events"; }

declare -A r
add() { r[$1]="${r[$1]:-} $2"; }
median() { tr ' ' '\n' <<<"${r[$1]}" | grep -v '^$' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

for ((round = 1; round <= rounds; round++)); do
	for phase in floor peak lunch; do
		out="$work/$phase.$round"
		: >"$out"
		case $phase in
		floor) db=$(uri lone); h=$(head_of "$db")
			for i in $(seq 1 50); do one "$db" "$work/lone.yaml" "$out"; sleep 0.2; done ;;
		peak) db=$(uri chain); h=$(head_of "$db")
			paced "$db" $((2 * shops)) "$peak_s" "$out" "$shops" ;;
		lunch) db=$(uri chain); h=$(head_of "$db")
			paced "$db" $((20 * shops)) "$lunch_s" "$out" "$shops" ;;
		esac
		add "$phase.place50" "$(pct "$out" 50)"
		add "$phase.place99" "$(pct "$out" 99)"
		add "$phase.kitchen50" "$(kitchen "$db" "$h" 50)"
		add "$phase.kitchen99" "$(kitchen "$db" "$h" 99)"
		add "$phase.failed" "$(grep -c fail "$out" || :)"
	done
	add most.lone "$(most "$(uri lone)" 0 "$most_s")"
	add most.chain "$(most "$(uri chain)" "$shops" "$most_s")"
	echo "round $round done" >&2
done

f50=$(median floor.place50) f99=$(median floor.place99)
k50=$(median floor.kitchen50) k99=$(median floor.kitchen99)
echo "chain.sh: $shops shops, each with its daemon, on one PostgreSQL server (fsync on); medians of $rounds interleaved rounds"
printf '%-34s %9s %9s %12s %12s %7s\n' "" "place p50" "p99" "kitchen p50" "p99" failed
for phase in floor peak lunch; do
	label=$([ $phase = floor ] && echo "lone shop, one at a time (floor)" ||
	    { [ $phase = peak ] && echo "chain, $((2 * shops))/min (2 per shop)" ||
	    echo "chain, $((20 * shops))/min (lunch, 10x)"; })
	printf '%-34s %7s ms %6s ms %9s ms %9s ms %7s\n' "$label" "$(median $phase.place50)" \
	    "$(median $phase.place99)" "$(median $phase.kitchen50)" "$(median $phase.kitchen99)" \
	    "$(median $phase.failed)"
done
for phase in peak lunch; do
	awk -v a="$(median $phase.place50)" -v b="$f50" -v c="$(median $phase.place99)" -v d="$f99" \
	    -v e="$(median $phase.kitchen50)" -v f="$k50" -v g="$(median $phase.kitchen99)" -v h="$k99" \
	    -v p="$phase" 'BEGIN { printf "%-6s against the floor: place p50 %.2fx, p99 %.2fx; kitchen p50 %.2fx, p99 %.2fx\n",
	    p, a / b, c / d, e / (f > 0 ? f : 1), g / (h > 0 ? h : 1) }'
done
ml=$(median most.lone) mc=$(median most.chain)
awk -v l="$ml" -v c="$mc" -v need="$(( 20 * shops ))" 'BEGIN {
	printf "most, 8 terminals: lone shop %.1f orders/s, chain %.1f orders/s (%.2fx)\n", l, c, c / l
	printf "headroom: the chain takes %.1f orders/s; its lunch needs %.1f/s: %.1fx\n", c, need / 60, c / (need / 60) }'

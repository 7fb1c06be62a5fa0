#!/bin/sh
# siege.sh - the counter under a slow payment processor, with and without
# the circuit breaker (DESIGN §5).
#
# 8 terminals place orders back to back for 20 s against a command
# processor that answers in 400 ± 220 ms (uniform, like the sim's
# latency_ms/jitter_ms) behind a 610 ms timeout: the numbers of the system
# this suite replaces. A terminal that is refused or fails pauses 100 ms (a
# cashier pressing again), then tries again. Two scenarios:
#   steady  the processor is slow but up the whole time;
#   outage  it stops answering (hangs until the timeout) from 5 s to 15 s.
# Each runs once with the default breaker (window 20, min_calls 5,
# failure_rate 50, slow_call_ms 610, open_ms 5000, half_open_calls 3) and
# once with the breaker effectively off (failure_rate 100 over a window of
# a million calls). Prints one table row per run: attempts, orders placed,
# fast refusals (exit 75), failures (69), p50/p99/max latency of all
# attempts, processor calls, and how often the breaker opened.
#
# Knobs (environment): SIEGE_SECONDS (20), SIEGE_TERMINALS (8),
# SIEGE_LATENCY_MS (400), SIEGE_JITTER_MS (220), SIEGE_TIMEOUT_MS (610),
# SIEGE_PAUSE_MS (100), SIEGE_SCENARIOS ("steady outage").
# Needs bash (for $EPOCHREALTIME), awk, sqlite3, and `make` run first.

[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
ORDER=$TOP/bin/cafe-order
SECS=${SIEGE_SECONDS:-20}
TERMINALS=${SIEGE_TERMINALS:-8}
LAT=${SIEGE_LATENCY_MS:-400}
JIT=${SIEGE_JITTER_MS:-220}
TIMEOUT=${SIEGE_TIMEOUT_MS:-610}
PAUSE=${SIEGE_PAUSE_MS:-100}
SCENARIOS=${SIEGE_SCENARIOS:-steady outage}

[ -x "$ORDER" ] || { echo "siege: run 'make' first" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cafe-siege.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null || :; rm -rf "$WORK"' EXIT

# The processor: one request line in, one reply out, after the latency;
# while $WORK/down exists it hangs like a stopped service behind a proxy.
cat >"$WORK/processor" <<EOF
#!/bin/sh
IFS= read -r line || exit 2
echo . >>"\$SIEGE_RUN/calls"
[ -e "$WORK/down" ] && exec sleep 60
ms=\$(awk -v s=\$\$ 'BEGIN { srand(s); printf "%d", $LAT - $JIT + int(rand() * (2 * $JIT + 1)) }')
sleep \$((ms / 1000)).\$(printf '%03d' \$((ms % 1000)))
echo '{"status":"approved","ref":"siege-'\$\$'"}'
EOF
chmod +x "$WORK/processor"

config() {	# BREAKER_YAML
	cat <<EOF
menu:
  - {name: latte, price: 4000}
payment:
  processor: command
  command: ["$WORK/processor"]
  timeout_ms: $TIMEOUT
  breaker: $1
EOF
}
config '{window: 20, min_calls: 5, failure_rate: 50, slow_call_ms: 610, open_ms: 5000, half_open_calls: 3}' \
    >"$WORK/on.yaml"
config '{window: 1000000, min_calls: 1000000, failure_rate: 100, slow_call_ms: 610}' \
    >"$WORK/off.yaml"

now_us() { echo "${EPOCHREALTIME/./}"; }

# One terminal: "exit latency_us" per attempt until the end (in µs).
terminal() {
	local out=$1 end=$2 t0 t1 rc
	while t0=$(now_us); [ "$t0" -lt "$end" ]; do
		rc=0
		"$ORDER" -q place latte 2>/dev/null >/dev/null || rc=$?
		t1=$(now_us)
		echo "$rc $((t1 - t0))" >>"$out"
		[ "$rc" -eq 0 ] || sleep "0.$(printf '%03d' "$PAUSE")"
	done
}

run() {	# SCENARIO BREAKER
	local run="$WORK/$1-$2" start end i opened
	mkdir -p "$run"
	: >"$run/calls"
	export SIEGE_RUN=$run CAFE_DB=$run/cafe.db CAFE_CONFIG=$WORK/$2.yaml
	"$TOP/bin/cafe-log" -q init
	rm -f "$WORK/down"
	start=$(now_us)
	end=$((start + SECS * 1000000))
	if [ "$1" = outage ]; then
		( sleep $((SECS / 4)); touch "$WORK/down"; sleep $((SECS / 2)); rm -f "$WORK/down" ) &
	fi
	for i in $(seq "$TERMINALS"); do
		terminal "$run/t$i" "$end" &
	done
	wait
	opened=$(sqlite3 "$CAFE_DB" "select count(*) from events where type = 'BreakerOpened'")
	cat "$run"/t* | sort -k2,2n | awk -v sc="$1" -v br="$2" -v calls="$(wc -l <"$run/calls")" \
	    -v opened="$opened" -v secs="$SECS" '
		{ lat[NR] = $2 / 1000; n++
		  if ($1 == 0) ok++; else if ($1 == 75) busy++; else bad++ }
		function pct(p,   i) { i = int(n * p + 0.999999); if (i < 1) i = 1; return lat[i] }
		END {
			printf "%-8s %-7s %8d %7d %8.1f %11d %10d %8.1f %8.1f %8.1f %10d %7d\n",
			    sc, br, n, ok, ok / secs, busy, bad, pct(0.50), pct(0.99), lat[n],
			    calls, opened
		}'
}

printf 'siege: %d terminals x %d s, processor %d ± %d ms (uniform), timeout %d ms,\n' \
    "$TERMINALS" "$SECS" "$LAT" "$JIT" "$TIMEOUT"
printf '       %d ms pause after a refusal or failure; outage: processor hangs from %d s to %d s\n\n' \
    "$PAUSE" $((SECS / 4)) $((SECS / 4 + SECS / 2))
printf '%-8s %-7s %8s %7s %8s %11s %10s %8s %8s %8s %10s %7s\n' scenario breaker attempts \
    placed placed/s 'refused(75)' 'failed(69)' 'p50 ms' 'p99 ms' 'max ms' 'proc calls' opened
for sc in $SCENARIOS; do
	for br in on off; do
		run "$sc" "$br"
	done
done

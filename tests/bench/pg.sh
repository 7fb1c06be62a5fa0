#!/usr/bin/env bash
# pg.sh - cafe on PostgreSQL against Message DB on the same throwaway
# cluster (fsync on), and the same figures on SQLite, in interleaved rounds
# (issue 12's goals):
#   appends: one event per transaction, from 1 and from 8 clients at once,
#            each to a stream of its own; Message DB's write_message through
#            pgbench (its streams share one category, as cafe's share the
#            log), cafe through lib/store/log.h (tests/helpers/bench-log appends)
#   place:   `cafe-order place` as a whole process, against write_message
#            through psql (goal: at most half of it)
#   lag:     a paid order's commit to its DeliveryStarted by a running
#            daemon (tests/helpers/bench-lag; goal p50 <= 2 ms, p99 <= 10 ms)
# Usage: tests/bench/pg.sh   (PG_BENCH_ROUNDS, PG_BENCH_APPENDS, LAG_ORDERS)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/${CAFE_BUILD:-build}
rounds=${PG_BENCH_ROUNDS:-3}
n=${PG_BENCH_APPENDS:-4000}
lag_n=${LAG_ORDERS:-500}
export PG_FSYNC=on PG_PORT=$(( 40000 + $$ % 20000 ))
source "$top/tests/helpers/pg.bash"
work=$(mktemp -d)
daemon=
cleanup() {
	[ -z "$daemon" ] || { kill -TERM "$daemon" 2>/dev/null; wait "$daemon" 2>/dev/null; } || :
	pg_stop
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
export HOME=$work XDG_CONFIG_HOME=$work/config
unset CAFE_CONFIG CAFE_DB
pg_start
uri() { echo "postgresql:///$1?host=$PG_DIR&port=$PG_PORT&user=cafe"; }
psql -q "$PG_URI" -c "CREATE DATABASE mdb" -c "CREATE DATABASE cafe" -c "CREATE DATABASE lag"
PGOPTIONS='-c client_min_messages=warning' psql -q -v ON_ERROR_STOP=1 "$(uri mdb)" \
    -f "$top/tests/bench/message-db/message-db.sql" >/dev/null
"$top/bin/cafe-log" --db "$(uri cafe)" -q init
"$top/bin/cafe-log" --db "$work/cafe.db" -q init
export PGOPTIONS='-c search_path=message_store,public'
write='SELECT write_message(gen_random_uuid()::text, '\''bench-'\'' || :client_id, '\''DeliveryStarted'\'', '\''{"order_id":1,"address":"table 7","product":"mocha","qty":1,"customer":"bench"}'\'')'
echo "$write;" >"$work/write.sql"

mdb_tps() {	# CLIENTS
	"$PG_BIN/pgbench" -n -c "$1" -j "$1" -t $((n / $1)) -f "$work/write.sql" "$(uri mdb)" 2>&1 |
	    awk '/^tps/ { printf "%.0f", $3 }'
}

cafe_tps() {	# CLIENTS DB
	local t0 t1 i pids=()
	t0=$(date +%s%N)
	for ((i = 0; i < $1; i++)); do
		"$build/tests/bench-log" appends "$2" $((n / $1)) >/dev/null & pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i"; done
	t1=$(date +%s%N)
	echo $(( n * 1000000000 / (t1 - t0) ))
}

declare -A sum
for ((r = 1; r <= rounds; r++)); do
	for c in 1 8; do
		for who in mdb pg sqlite; do
			case $who in
			mdb) v=$(mdb_tps "$c") ;;
			pg) v=$(cafe_tps "$c" "$(uri cafe)") ;;
			sqlite) v=$(cafe_tps "$c" "$work/cafe.db") ;;
			esac
			echo "round $r: $who, $c client(s): $v appends/s"
			sum[$who$c]+="$v "
		done
	done
done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
for c in 1 8; do
	m=$(median "${sum[mdb$c]}") p=$(median "${sum[pg$c]}") s=$(median "${sum[sqlite$c]}")
	printf 'appends, %d client(s), median of %d rounds: write_message %s/s; cafe on PostgreSQL %s/s (%.2fx); cafe on SQLite %s/s (%.2fx)\n' \
	    "$c" "$rounds" "$m" "$p" "$(echo "$p / $m" | bc -l)" "$s" "$(echo "$s / $m" | bc -l)"
done

# A whole process each, interleaved rounds (tests/helpers/bench-interleave).
# Ratios are to the first: write_message through psql.
"$build/tests/bench-interleave" "$rounds" 20 \
    psql-write_message psql -qAtX "$(uri mdb)" -c "${write//:client_id/1}" -- \
    pg-place "$top/bin/cafe-order" --db "$(uri cafe)" place tea -- \
    sqlite-place "$top/bin/cafe-order" --db "$work/cafe.db" place tea

lag() {	# DB
	"$top/bin/cafe-daemon" --db "$1" -q run &
	daemon=$!
	until "$top/bin/cafe-daemon" --db "$1" --json status 2>/dev/null |
	    jq -e -s 'map(select(.policy == "start-delivery"))[0].holder != null' >/dev/null; do
		sleep 0.01
	done
	CAFE_DB=$1 "$build/tests/bench-lag" "$lag_n"
	kill -TERM "$daemon"
	wait "$daemon" || :
	daemon=
}
"$top/bin/cafe-log" --db "$(uri lag)" -q init
"$top/bin/cafe-log" --db "$work/lag.db" -q init
set -- $(lag "$(uri lag)")
echo "lag on PostgreSQL ($lag_n orders): p50 $1 ms, p90 $2 ms, p99 $3 ms, max $4 ms (goal p50 <= 2, p99 <= 10)"
set -- $(lag "$work/lag.db")
echo "lag on SQLite ($lag_n orders): p50 $1 ms, p90 $2 ms, p99 $3 ms, max $4 ms"

#!/usr/bin/env bats
# 8000-failover (`make check-ha`): a chain's database is a primary and a
# synchronous standby under Patroni with etcd (tests/helpers/ha.bash).
# Terminals place orders and a daemon runs, all through a multi-host URI
# with target_session_attrs=read-write; then the primary's host dies (its
# Patroni and its postmaster killed together), Patroni promotes the
# standby, and the old primary comes back as a standby. HA_ROUNDS times
# (20 by default). After each round:
#   - every placement a terminal was told 0 for is on the new primary,
#     with its charge, once (a 75 is tried again with its key, as a
#     counter would, until it gets 0);
#   - cafe-log verify passes against the head taken before the kill;
# and at the end the daemon did nothing twice, every order was started
# once, and every charge requested and never placed was voided. The
# figures go to the test's output: placements acknowledged, lost, first
# tries that got 75, and the seconds without a primary.

bats_require_minimum_version 1.5.0
load ../helpers/setup
load ../helpers/daemon
load ../helpers/ha

CAFE_TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
PATH="$CAFE_TOP/bin:$CAFE_TOP/${CAFE_BUILD:-build}/tests:$CAFE_TOP/tests/helpers:$PATH"

TERMINALS=3

setup_file() {
	ha_start
}

teardown_file() {
	ha_stop
}

local_setup() {
	use_config <<-EOF
	menu:
	  - {name: latte, price: 4000}
	payment: {sim: {latency_ms: 20, jitter_ms: 20}}
	daemon: {lease_ms: 2000, poll_ms: 20, reconcile_after_ms: 2000}
	EOF
	export CAFE_DB=$HA_URI
}

# A terminal: orders one after another, each with its own key; a 75 is
# tried again with that key (for at most two minutes), as a counter
# would. A placement cut between its charge and its order is voided by
# the daemon's reconcile, and the key then says so (1, "was voided and no
# order was placed"): the counter places it again with a new key. One
# line per order in $T/tN.out: KEY FIRST-STATUS LAST-STATUS.
terminal() {	# N ROUND
	local i=0 key first rc deadline
	while [ ! -e "$T/stop" ]; do
		i=$((i + 1))
		key="r$2-t$1-$i"
		first=
		deadline=$((SECONDS + 120))
		while :; do
			# (bats runs the test with -e: a failure must not end the loop)
			rc=0
			cafe-order -q place latte --key "$key" 2>>"$T/t$1.err" || rc=$?
			[ -n "$first" ] || first=$rc
			[ "$rc" = 75 ] && [ $SECONDS -lt $deadline ] || break
			sleep 0.1
		done
		echo "$key $first $rc" >>"$T/t$1.out"
	done
}

# Orders acknowledged (0) by every terminal so far.
acked() {
	cat "$T"/t*.out 2>/dev/null | awk '$3 == 0' | wc -l
}

# Waits until every terminal has had N more orders acknowledged.
each_acks() {	# N
	local n=$1 t want=()
	for t in $(seq 1 $TERMINALS); do
		want[t]=$(( $(awk '$3 == 0' "$T/t$t.out" 2>/dev/null | wc -l) + n ))
	done
	for t in $(seq 1 $TERMINALS); do
		wait_for "[ \$(awk '\$3 == 0' '$T/t$t.out' 2>/dev/null | wc -l) -ge ${want[t]} ]" 120
	done
}

writable() {
	psql -qAtX "$HA_URI" -c 'SELECT 1' >/dev/null 2>&1
}

@test "the primary's host dies while terminals place and a daemon runs: nothing acknowledged is lost, nothing is done twice" {
	local rounds=${HA_ROUNDS:-20} round pids head old new t0 t1 down total_down=0 max_down=0
	cafe-log init >/dev/null
	start_daemon run
	for round in $(seq 1 "$rounds"); do
		rm -f "$T/stop"
		pids=()
		for t in $(seq 1 $TERMINALS); do
			terminal "$t" "$round" 3>&- &
			pids+=($!)
		done
		each_acks 2
		old=$(ha_leader)
		[ -n "$old" ]
		head=$(cafe-log head | tr ' ' :)
		t0=$(date +%s%N)
		ha_kill "$old"
		# The seconds without a primary, as a terminal sees them.
		wait_for '! writable' 30 || :
		wait_for writable 120
		t1=$(date +%s%N)
		new=$(ha_leader)
		[ -n "$new" ]
		[ "$new" != "$old" ]
		down=$(( (t1 - t0) / 1000000 ))
		total_down=$((total_down + down))
		[ $down -le $max_down ] || max_down=$down
		each_acks 2
		touch "$T/stop"
		wait "${pids[@]}"
		ha_rejoin "$old"
		# The chain as it was before the kill is still the log's start.
		run cafe-log verify --head "$head"
		assert_success
		# Every order a terminal was told 0 for is there, with its charge.
		awk '$3 == 0 { print $1 }' "$T"/t*.out | sort >"$T/acked"
		db_sql "SELECT meta->>'key' FROM events WHERE type = 'PaymentRequested'
		    AND meta->>'key' IS NOT NULL AND CAST(data->>'order_id' AS BIGINT) IN
		    (SELECT CAST(data->>'order_id' AS BIGINT) FROM events
		     WHERE type = 'OrderPlaced')" | sort >"$T/placed"
		lost=$(comm -23 "$T/acked" "$T/placed" | wc -l)
		[ "$lost" = 0 ] || { comm -23 "$T/acked" "$T/placed" | head; false; }
		echo "# round $round: $old died, $new took over after ${down} ms" >&3
	done
	# Nothing but 0, or 75 tried again until 0, or a cut placement whose
	# charge was voided and which kept no order.
	awk '$3 == 1 { print $1 }' "$T"/t*.out | sort >"$T/voided"
	for key in $(cat "$T/voided"); do
		assert_equal "$(db_sql "SELECT string_agg(type, ' ' ORDER BY seq) FROM events
		    WHERE data->>'order_id' = (SELECT data->>'order_id' FROM events
		    WHERE meta->>'key' = '$key' AND type = 'PaymentRequested')
		    AND type LIKE 'Payment%'")" "PaymentRequested PaymentAbandoned PaymentVoided"
	done
	others=$(awk '$3 != 0 && $3 != 1' "$T"/t*.out | wc -l)
	[ "$others" = 0 ] || { awk '$3 != 0 && $3 != 1' "$T"/t*.out;
	    grep -hv 'no primary now' "$T"/t*.err | sort | uniq -c | sort -rn | head; false; }
	total=$(awk '$3 == 0' "$T"/t*.out | wc -l)
	tempfails=$(awk '$2 == 75' "$T"/t*.out | wc -l)
	cut=$(wc -l <"$T/voided")
	# Each order once, with its charge; the daemon started each once and
	# voided every charge requested and never placed.
	assert_equal "$(db_sql "SELECT count(*) FROM (SELECT meta->>'key' FROM events
	    WHERE type = 'PaymentRequested' AND meta->>'key' IS NOT NULL
	    GROUP BY 1 HAVING count(*) > 1) AS twice")" 0
	assert_equal "$(db_sql "SELECT count(*) FROM events e WHERE type = 'OrderPlaced'
	    AND NOT EXISTS (SELECT 1 FROM events a WHERE a.type = 'PaymentApproved'
	    AND a.data->>'order_id' = e.data->>'order_id')")" 0
	wait_for '[ "$(count DeliveryStarted)" = "$(count OrderPlaced)" ]' 120
	wait_for '[ "$(db_sql "SELECT count(*) FROM events r WHERE type = '"'"'PaymentRequested'"'"'
	    AND NOT EXISTS (SELECT 1 FROM events x WHERE x.type IN ('"'"'OrderPlaced'"'"',
	    '"'"'PaymentVoided'"'"', '"'"'PaymentDeclined'"'"')
	    AND x.data->>'"'"'order_id'"'"' = r.data->>'"'"'order_id'"'"')")" = 0 ]' 120
	no_duplicates
	alive "$DAEMON"
	echo "# $rounds failovers: $total placements acknowledged, 0 lost; $tempfails first tries got 75 ($cut of them cut between charge and order: voided, no order kept, placed again); without a primary $((total_down / rounds)) ms on average, $max_down ms at most" >&3
}

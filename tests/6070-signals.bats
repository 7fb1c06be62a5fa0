#!/usr/bin/env bats
# 6070-signals: following the log. SIGTERM and SIGINT finish the batch,
# commit, give up the leases and exit 0; SIGHUP reloads the config (a bad
# one is reported and the old one kept); -q and -v; a database locked by
# someone else is waited out, not fatal.

bats_require_minimum_version 1.5.0
load helpers/setup
load helpers/daemon

texts() {
	db_sql "SELECT (data->>'text') FROM events
	    WHERE type = 'NotificationQueued' AND (data->>'event') = '$1'
	    ORDER BY seq"
}

@test "SIGTERM and SIGINT: exit 0, checkpoints written, leases given up" {
	for sig in TERM INT; do
		start_daemon run
		place 2
		# reconcile looks at a fresh charge again after the processor's
		# timeout + 1s; the others write idle checkpoints within a second.
		wait_for caught_up
		kill -"$sig" "$DAEMON"
		wait "$DAEMON"      # exit 0
		run cafe-daemon --json status
		jq -e -s --argjson h "$(head_seq)" 'all(.[]; .holder == null and
		    .checkpoint == $h)' <<<"$output"
	done
	no_duplicates
}

@test "a daemon follows new orders as they come, without polling the CPU away" {
	start_daemon run
	for i in 1 2 3; do
		place 1
		wait_for '[ "$(count_of DeliveryStarted $ORDER)" = 1 ]' 30
	done
	# Every policy done with everything (a sanitizer's build is slow to
	# get there).
	wait_for 'cafe-daemon --json status | jq -e -s --argjson h "$(head_seq)" "all(.[]; .checkpoint == \$h)" >/dev/null' 30
	# Idle: its threads sleep (under 5% of a CPU over two seconds).
	t0=$(awk '{ print $14 + $15 }' "/proc/$DAEMON/stat")
	until=$(( $(now_ms) + 2000 ))
	wait_for '[ "$(now_ms)" -ge "$until" ]'
	t1=$(awk '{ print $14 + $15 }' "/proc/$DAEMON/stat")
	echo "ticks used while idle: $((t1 - t0))"
	# A sanitizer's build pays several times over for every wake-up (16
	# to 18 ticks measured): its budget is 15%, the release build's 5%.
	budget=10
	ldd "$(command -v cafe-daemon)" | grep -q libasan && budget=30
	[ $((t1 - t0)) -le "$budget" ]
}

@test "SIGHUP reloads the config; a bad one is reported and the old one kept" {
	conf=$T/daemon.yaml
	echo 'notify: {templates: {DeliveryStarted: "one {order_id}"}}' >"$conf"
	start_daemon --config "$conf" run
	place 1
	wait_for '[ "$(texts DeliveryStarted | wc -l)" = 1 ]'
	echo 'notify: {templates: {DeliveryStarted: "two {order_id}"}}' >"$conf"
	kill -HUP "$DAEMON"
	wait_for 'grep -q "config reloaded" "$T/daemon.err"'
	place 1
	wait_for '[ "$(texts DeliveryStarted | wc -l)" = 2 ]'
	echo 'notify: {templates: {DeliveryStarted: "{nope}"}}' >"$conf"
	kill -HUP "$DAEMON"
	wait_for 'grep -q "keeping the config in use" "$T/daemon.err"'
	run cat "$T/daemon.err"
	assert_output --partial "$conf:1: notify.templates.DeliveryStarted: unknown placeholder"
	place 1
	wait_for '[ "$(texts DeliveryStarted | wc -l)" = 3 ]'
	run texts DeliveryStarted
	assert_output $'one 1\ntwo 2\ntwo 3'
	alive "$DAEMON"
	kill -TERM "$DAEMON"
	wait "$DAEMON"
}

@test "-q silences the action lines, -v adds the leases" {
	place 1
	run cafe-daemon -q run --once
	assert_success
	assert_output ''
	place 1
	run cafe-daemon -v run --once
	assert_success
	assert_output --partial 'start-delivery: took the lease'
	assert_output --partial 'start-delivery: order 2: PaymentApproved -> DeliveryStarted'
	assert_output --partial 'start-delivery: gave up the lease'
}

@test "a database locked by someone else is waited out" {
	start_daemon run
	place 1
	# A generous wait: on a loaded machine a daemon's start on a server
	# took longer than the default ten seconds.
	wait_for '[ "$(count DeliveryStarted)" = 1 ]' 60
	place 1
	# Someone holds the write lock for a second and a half.
	if on_pg; then
		{ echo 'BEGIN; SELECT pg_advisory_xact_lock(4242002);'; sleep 1.5; echo 'COMMIT;'; } |
		    db_sql >/dev/null &
	else
		{ echo '.timeout 5000'; echo 'BEGIN IMMEDIATE;'; sleep 1.5; echo 'COMMIT;'; } |
		    db_sql &
	fi
	locker=$!
	place 1
	wait "$locker"
	wait_for '[ "$(count DeliveryStarted)" = 3 ]'
	alive "$DAEMON"
	no_duplicates
}

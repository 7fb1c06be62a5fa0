#!/usr/bin/env bats
# 6080-trouble: trouble is loud. Money owed (a refund failed for good), a
# daemon that cannot write the log, a lease holder that stopped renewing
# while work waits: each makes `cafe-daemon status` (and, where it fits,
# `run --once`) exit non-zero with a line that names it. Under systemd the
# daemon says READY=1, pings the watchdog and says STOPPING=1.

bats_require_minimum_version 1.5.0
load helpers/setup
load helpers/foundation
load helpers/daemon

teardown() {
	local p
	for p in "${DAEMONS[@]}"; do
		kill -CONT "$p" 2>/dev/null || :
		kill -KILL "$p" 2>/dev/null || :
		wait "$p" 2>/dev/null || :
	done
	DAEMONS=()
	foundation_teardown
}

refund_config() {
	export FAKE_LEDGER="$T/ledger" FAKE_COUNT_FILE="$T/calls" T
	cat >"$T/processor" <<-'EOF'
	#!/bin/sh
	line=$(head -n 1)
	if [ "$(printf '%s' "$line" | jq -r .op)" = refund ] && [ -s "$T/refund-mode" ]; then
		FAKE_MODE=$(cat "$T/refund-mode"); export FAKE_MODE
	fi
	printf '%s\n' "$line" | exec fake-processor
	EOF
	chmod +x "$T/processor"
	use_config <<-EOF
	payment:
	  processor: command
	  command: ["$T/processor"]
	  timeout_ms: 5000
	daemon: {max_attempts: 1}
	EOF
}

OWED="cafe-daemon: order 1: 4,000 KRW owed to the customer, the refund failed: processor declined the refund: card declined (refund it again with 'cafe-pay refund 1')"

@test "a refund failed for good: status and run --once exit 1 naming the order and the amount" {
	refund_config
	place 2
	cafe-order cancel 1
	echo decline >"$T/refund-mode"
	run cafe-daemon -q run --once
	assert_failure 1
	assert_output "$OWED"
	[ "$(count RefundFailed)" = 1 ]
	before=$(count)
	run --separate-stderr cafe-daemon status
	assert_failure 1
	assert_equal "$stderr" "$OWED"
	# Cron keeps mailing it, and nobody's looking appends anything.
	run cafe-daemon -q run --once
	assert_failure 1
	assert_output "$OWED"
	[ "$(count)" = "$before" ]
	# Refunded after all: quiet again.
	: >"$T/refund-mode"
	cafe-pay -q refund 1
	run cafe-daemon -q run --once
	assert_success
	assert_output ""
	[ "$(count PaymentRefunded)" = 1 ]
	run cafe-daemon status
	assert_success
}

@test "a daemon that may not write the log: 74, a line about permissions, nothing appended" {
	unwritable_dir
	CAFE_DB=$RO/cafe.db place 1
	# Counted by cafe-log, which leaves the WAL as a one-shot command does
	# (sqlite3 would check it in and remove it on close).
	before=$(cafe-log --db "$RO/cafe.db" --json stats | jq .events)
	make_unwritable "$RO"
	as_other sh -c ": >>'$RO/cafe.db'" 2>/dev/null &&
	    skip "this user can still write '$RO/cafe.db'"
	uid=$(as_other id -u)
	for mode in "run --once" "run"; do
		run --separate-stderr as_other "$CAFE_TOP/bin/cafe-daemon" --db "$RO/cafe.db" $mode
		assert_failure 74
		assert_equal "$output" ""
		assert_equal "$stderr" "cafe-daemon: database '$RO/cafe.db' is read-only for this user (uid $uid): the daemon must write it (check the permissions of the file and its directory)"
	done
	[ "$(CAFE_DB=$RO/cafe.db count)" = "$before" ]
	[ "$(sqlite3 "$RO/cafe.db" "SELECT count(*) FROM sqlite_master WHERE name = 'daemon_leases'")" = 0 ]
}

@test "a frozen lease holder while work waits: status exits 1 naming it; thawed, it is healthy" {
	use_config <<-EOF
	daemon: {lease_ms: 1000}
	EOF
	start_daemon run
	pid=$DAEMON
	wait_for 'holds_all $pid'
	run cafe-daemon status
	assert_success
	# Frozen in the middle of a write of its own (a lease renewed), it
	# holds the log's write lock, and the order is refused busy (75,
	# nothing appended): thaw it and freeze it again.
	for try in 1 2 3 4 5; do
		kill -STOP "$pid"
		if place 1 2>"$T/place.err"; then
			break
		fi
		grep -q 'is busy, try again' "$T/place.err" || fail "$(cat "$T/place.err")"
		kill -CONT "$pid"
	done
	[ "$(count OrderPlaced)" = 1 ] || fail "no order placed in $try tries"
	# Each policy's lease goes stale on its own renewal time: wait for
	# the one this is about, not the first.
	wait_for 'cafe-daemon status 2>&1 | grep -q "unhealthy: start-delivery"' 30
	run --separate-stderr cafe-daemon status
	assert_failure 1
	assert_regex "$stderr" "unhealthy: start-delivery: its lease holder $pid@[^ ]+ stopped renewing it [0-9]+s ago, with [0-9]+ events? waiting \(frozen or dead: see its log, or restart it\)"
	run --separate-stderr cafe-daemon --json status
	jq -e -s --arg p "$pid" 'map(select(.policy == "start-delivery"))[0] |
	    (.stale_holder | startswith($p + "@")) and .holder == null and
	    .healthy == false and (.last_seen | test("Z$"))' <<<"$output"
	kill -CONT "$pid"
	wait_for 'cafe-daemon status >/dev/null 2>&1' 30
	[ "$(count DeliveryStarted)" = 1 ]
}

@test "a dead lease holder while work waits is named until another daemon takes over" {
	use_config <<-EOF
	daemon: {lease_ms: 1000}
	EOF
	start_daemon run
	pid=$DAEMON
	wait_for 'holds_all $pid'
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || :
	place 1
	wait_for '! cafe-daemon status >/dev/null 2>&1' 30
	run cafe-daemon status
	assert_failure 1
	assert_output --partial "its lease holder $pid@"
	run cafe-daemon -q run --once
	assert_success
	run cafe-daemon status
	assert_success
}

@test "under systemd: READY=1 once running, the watchdog pinged, STOPPING=1 on SIGTERM" {
	socat -u UNIX-RECV:"$T/notify.sock",unlink-early OPEN:"$T/notes",creat,append 3>&- &
	DAEMONS+=("$!")
	wait_for '[ -S "$T/notify.sock" ]'
	NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=100000 start_daemon run
	wait_for 'grep -q "READY=1" "$T/notes"'
	wait_for '[ "$(grep -o "WATCHDOG=1" "$T/notes" | wc -l)" -ge 3 ]'
	! grep -q STOPPING=1 "$T/notes"
	kill -TERM "$DAEMON"
	wait "$DAEMON"
	wait_for 'grep -q "STOPPING=1" "$T/notes"'
	# A watchdog meant for another process is left alone.
	: >"$T/notes"
	NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=100000 WATCHDOG_PID=1 run cafe-daemon run --once
	assert_success
	wait_for 'grep -q "STOPPING=1" "$T/notes"'
	! grep -q WATCHDOG=1 "$T/notes"
}

# cmd...: at the clock moved by OFFSET (libfaketime), under any build.
shifted() {
	local offset=$1
	shift
	faked -f "$offset" -- "$@"
}

@test "no daemon at all while paid orders wait: status exits 1 once the oldest waited past lag_alert_ms" {
	shifted -2h cafe-order place latte >/dev/null
	before=$(count)
	run --separate-stderr cafe-daemon status
	assert_failure 1
	assert_line --partial --index 1 'start-delivery'
	[[ $stderr == *"cafe-daemon: unhealthy: start-delivery has left an event undone for 2h00m (alert at 5m): is a daemon running? (systemctl status cafe-daemon, or the cron line of cafe.cron)"* ]]
	run --separate-stderr cafe-daemon --json status
	assert_equal "$(jq -s -c 'map(.lag_ms > 7000000) | unique' <<<"$output")" '[true]'
	assert_equal "$(count)" "$before"
	# A shorter alert, a fresh order: still loud; a longer one: quiet.
	db_remove
	cafe-order place latte >/dev/null
	run cafe-daemon status
	assert_success
	# An order placed 5 s ago (the terminal's clock stamps the event; the
	# log's clock, a server's on PostgreSQL, measures the wait).
	use_config <<<'daemon: {lag_alert_ms: 1000}'
	db_remove
	shifted -5s cafe-order place latte >/dev/null
	run --separate-stderr cafe-daemon status
	assert_failure 1
	# 5s, or more on a machine slow between the order and the look.
	[[ $stderr =~ "start-delivery has left an event undone for "([0-9]+)"s (alert at 1s)" ]]
	(( BASH_REMATCH[1] >= 5 ))
	# The daemon catches up: healthy again.
	cafe-daemon -q run --once
	run cafe-daemon status
	assert_success
}

@test "a charge reconcile could not void in time and a dead message make status exit 1, each named" {
	use_config <<-EOF
	payment: {sim: {failure_rate: 1.0}}
	daemon: {reconcile_after_ms: 0, max_attempts: 1000, backoff_ms: 3600000}
	EOF
	run -69 cafe-order place latte
	cafe-daemon -q run --once
	# The void is being retried: within the grace, status says nothing.
	run cafe-daemon status
	assert_success
	before=$(count)
	run --separate-stderr shifted +10m cafe-daemon status
	assert_failure 1
	assert_equal "$stderr" "cafe-daemon: order 1: 4,000 KRW charged without an order waits to be voided (see 'cafe-pay breaker' and 'cafe-pay show 1')"
	assert_equal "$(count)" "$before"
	# A customer message no channel took, for good.
	db_remove
	use_config <<-EOF
	notify:
	  channels: [{type: command, command: ["$T/no-such-channel"]}]
	  retry: {max_attempts: 1}
	EOF
	cafe-order place latte >/dev/null
	cafe-daemon -q run --once
	run cafe-notify -q send --once
	[ "$(cafe-notify --json list --status dead | wc -l)" -ge 1 ]
	n=$(cafe-notify --json list --status dead | wc -l)
	before=$(count)
	run --separate-stderr cafe-daemon status
	assert_failure 1
	if [ "$n" = 1 ]; then
		assert_equal "$stderr" "cafe-daemon: 1 customer message is dead: no channel took it (see 'cafe-notify list --status dead'; 'cafe-notify retry --dead' sends it again)"
	else
		assert_equal "$stderr" "cafe-daemon: $n customer messages are dead: no channel took them (see 'cafe-notify list --status dead'; 'cafe-notify retry --dead' sends them again)"
	fi
	assert_equal "$(count)" "$before"
}

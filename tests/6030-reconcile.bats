#!/usr/bin/env bats
# 6030-reconcile: money is never kept without an order, and never an order
# whose charge was voided. The log decides who wins a charge that has no
# answer yet: reconcile appends PaymentAbandoned at the payment stream's
# next version before it voids, and a placement whose approval comes later
# conflicts there and places nothing (exit 69).
#
# "Not yet" is never raced against the clock here: the grace period is an
# hour, and a daemon that must see it passed runs under faketime(1) two
# hours ahead. A terminal is held between its approval and its commit with
# SIGSTOP, sent by its own processor after the reply is written and before
# the processor exits (cafe-order reads the reply only once it has reaped
# the processor).

bats_require_minimum_version 1.5.0
load helpers/setup
load helpers/daemon

local_setup() {
	export FAKE_LEDGER="$T/ledger" FAKE_COUNT_FILE="$T/calls" T
	unset FAKE_MODE
	# Approves (and books) every call, as FAKE_MODE says. After booking a
	# charge it kills its parent while $T/kill exists, and stops it while
	# $T/stop exists. A void waits for $T/go while $T/hold exists.
	cat >"$T/processor" <<-'EOF'
	#!/bin/sh
	line=$(head -n 1)
	op=$(printf '%s' "$line" | jq -r .op)
	if [ "$op" = void ] && [ -e "$T/hold" ]; then
		touch "$T/voiding"
		while [ ! -e "$T/go" ]; do sleep 0.01; done
	fi
	reply=$(printf '%s\n' "$line" | fake-processor) || exit $?
	if [ "$op" = charge ] && [ -e "$T/kill" ]; then
		kill -KILL "$PPID"
	fi
	printf '%s\n' "$reply"
	if [ "$op" = charge ] && [ -e "$T/stop" ]; then
		exec >&-
		kill -STOP "$PPID"
	fi
	EOF
	chmod +x "$T/processor"
}

config() {	# RECONCILE_AFTER_MS PAYMENT_TIMEOUT_MS
	use_config <<-EOF
	payment:
	  processor: command
	  command: ["$T/processor"]
	  timeout_ms: $2
	daemon: {reconcile_after_ms: $1}
	EOF
}

# A daemon whose clock is two hours ahead: every grace period has passed.
# (libfaketime preloaded directly, so that the daemon's pid is $!.)
later_daemon() {
	# (Under ASan, its runtime is then not the first library: allowed.)
	ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0" \
	    LD_PRELOAD='/usr/$LIB/faketime/libfaketime.so.1' FAKETIME=+2h cafe-daemon "$@"
}

# Money the processor holds for an order: charges - refunds - voids.
held() {
	awk -v id="$1" '$3 == id { $2 == "charge" ? s += $4 : s -= $4 } END { print s + 0 }' \
	    "$FAKE_LEDGER"
}

# charges - voids - refunds at the processor = the totals of the live paid
# orders in the log (placed, less what was refunded).
balanced() {
	local ledger kept
	ledger=$(awk '{ $2 == "charge" ? s += $4 : s -= $4 } END { print s + 0 }' "$FAKE_LEDGER")
	kept=$(db_sql "SELECT coalesce((SELECT sum(CAST(data->>'total' AS BIGINT))
	    FROM events WHERE type = 'OrderPlaced'), 0) - coalesce((SELECT
	    sum(CAST(data->>'amount' AS BIGINT)) FROM events WHERE type = 'PaymentRefunded'), 0)")
	[ "$ledger" = "$kept" ] || { echo "processor holds $ledger, the log keeps $kept"; return 1; }
}

stopped() {
	[[ $(ps -o stat= -p "$1" 2>/dev/null) == T* ]]
}

@test "a charge whose order never committed is voided, once, after the grace period" {
	config 3600000 5000
	touch "$T/kill"
	run cafe-order place latte --customer kim
	assert_failure 137
	rm "$T/kill"
	[ "$(count PaymentRequested)" = 1 ]
	[ "$(count OrderPlaced)" = 0 ]
	[ "$(held 1)" = 4000 ]
	# Too early: the charge may still be on its way.
	run cafe-daemon run --once
	assert_success
	[ "$(count PaymentVoided)" = 0 ]
	[ "$(count PaymentAbandoned)" = 0 ]
	run later_daemon run --once
	assert_success
	[ "$(count PaymentAbandoned)" = 1 ]
	[ "$(count PaymentVoided)" = 1 ]
	[ "$(held 1)" = 0 ]
	key=$(db_sql "SELECT (data->>'key') FROM events
	    WHERE type = 'PaymentRequested'")
	grep -qx "void void-$key" "$FAKE_COUNT_FILE"
	# The claim comes first, on the stream's next version, then the void.
	run db_sql "SELECT version || ' ' || type FROM events
	    WHERE stream = 'payment-1' ORDER BY version"
	assert_output $'1 PaymentRequested\n2 PaymentAbandoned\n3 PaymentVoided'
	run db_sql "SELECT stream, data FROM events WHERE type = 'PaymentVoided'"
	assert_output --partial 'payment-1|'
	jq -e --arg ref "$(awk '$2 == "void" { print $5 }' "$FAKE_LEDGER")" \
	    '.order_id == 1 and .amount == 4000 and .ref == $ref and
	    .reason == "no order was placed for this charge"' <<<"${output#*|}"
	run cafe-pay --json list
	jq -e '.status == "voided"' <<<"$output"
	# Nothing else happens to a charge without an order.
	[ "$(count DeliveryStarted)" = 0 ]
	run later_daemon run --once
	assert_success
	[ "$(grep -c '^void ' "$FAKE_COUNT_FILE")" = 1 ]
	no_duplicates
	balanced
}

@test "a running daemon keeps the unanswered charge waiting, then voids it" {
	config 3600000 5000
	touch "$T/kill"
	run cafe-order place latte
	assert_failure 137
	rm "$T/kill"
	start_daemon run
	# After the processor's timeout has passed it waits in the queue.
	wait_for '[ "$(cafe-daemon --json status | jq -s "map(select(.policy == \"reconcile\"))[0].waiting")" = 1 ]' 30
	[ "$(count PaymentAbandoned)" = 0 ]
	[ "$(count PaymentVoided)" = 0 ]
	kill -TERM "$DAEMON"
	wait "$DAEMON"
	# Once the grace period has passed, it is voided.
	run later_daemon run --once
	assert_success
	[ "$(count PaymentVoided)" = 1 ]
	[ "$(held 1)" = 0 ]
	run cafe-daemon --json status
	jq -e -s 'map(select(.policy == "reconcile"))[0].waiting == 0' <<<"$output"
	balanced
}

@test "a charge answered late, while the daemon watches, is not voided" {
	config 3600000 3000
	start_daemon run
	FAKE_MODE=sleep FAKE_SLEEP_MS=500 cafe-order place latte
	place 1
	# reconcile has looked at both charges again once they were answered.
	wait_for '[ "$(checkpoint reconcile)" -ge "$(db_sql "SELECT max(seq)
	    FROM events WHERE type = '\''PaymentRequested'\''")" ]' 30
	kill -TERM "$DAEMON"
	wait "$DAEMON"
	run grep -c '^void ' "$FAKE_COUNT_FILE"
	assert_output 0
	[ "$(count PaymentVoided)" = 0 ]
	[ "$(held 1)" = 4000 ]
	[ "$(held 2)" = 4000 ]
	[ "$(count DeliveryStarted)" = 2 ]
	balanced
}

@test "a terminal held between approval and commit past the grace period: voided, and no order" {
	config 3600000 5000
	touch "$T/stop"
	cafe-order place latte --customer kim 2>"$T/err" 3>&- &
	pid=$!
	DAEMONS+=("$pid")
	wait_for "stopped $pid" 30
	rm "$T/stop"
	[ "$(held 1)" = 4000 ]
	run later_daemon run --once
	assert_success
	[ "$(count PaymentAbandoned)" = 1 ]
	[ "$(count PaymentVoided)" = 1 ]
	[ "$(held 1)" = 0 ]
	before=$(count)
	kill -CONT "$pid"
	status=0; wait "$pid" || status=$?
	[ "$status" = 69 ]
	run cat "$T/err"
	assert_output "cafe-order: the charge for order 1 was given up before its answer came and is being voided: place the order again"
	[ "$(count)" = "$before" ]
	[ "$(count OrderPlaced)" = 0 ]
	[ "$(count PaymentApproved)" = 0 ]
	[ "$(count StockReserved)" = 0 ]
	run later_daemon run --once
	assert_success
	[ "$(count DeliveryStarted)" = 0 ]
	[ "$(grep -c '^void ' "$FAKE_COUNT_FILE")" = 1 ]
	balanced
}

@test "a void under way when the late approval comes: the order is refused, the void completes" {
	config 3600000 5000
	touch "$T/stop" "$T/hold"
	cafe-order place latte 2>"$T/err" 3>&- &
	pid=$!
	DAEMONS+=("$pid")
	wait_for "stopped $pid" 30
	rm "$T/stop"
	later_daemon run --once 2>"$T/daemon.err" 3>&- &
	daemon=$!
	DAEMONS+=("$daemon")
	# The claim is committed and the void is at the processor.
	wait_for '[ -e "$T/voiding" ]' 30
	[ "$(count PaymentAbandoned)" = 1 ]
	kill -CONT "$pid"
	status=0; wait "$pid" || status=$?
	[ "$status" = 69 ]
	assert_equal "$(cat "$T/err")" "cafe-order: the charge for order 1 was given up before its answer came and is being voided: place the order again"
	[ "$(count OrderPlaced)" = 0 ]
	touch "$T/go"
	wait "$daemon"
	[ "$(count PaymentVoided)" = 1 ]
	[ "$(held 1)" = 0 ]
	balanced
}

@test "a late approval that commits before reconcile looks: nothing is voided" {
	config 3600000 5000
	touch "$T/stop"
	cafe-order place latte 3>&- &
	pid=$!
	DAEMONS+=("$pid")
	wait_for "stopped $pid" 30
	rm "$T/stop"
	kill -CONT "$pid"
	wait "$pid"
	run later_daemon run --once
	assert_success
	[ "$(count PaymentAbandoned)" = 0 ]
	[ "$(count PaymentVoided)" = 0 ]
	[ "$(count DeliveryStarted)" = 1 ]
	[ "$(held 1)" = 4000 ]
	balanced
}

@test "an item sold out during its charge: given up in the log, then voided at once" {
	use_config <<-EOF
	payment:
	  processor: command
	  command: ["$T/processor"]
	  timeout_ms: 5000
	daemon: {reconcile_after_ms: 3600000}
	menu:
	  - {name: latte, price: 4000, stock: 1}
	EOF
	touch "$T/stop"
	cafe-order place latte 2>"$T/err" 3>&- &
	pid=$!
	DAEMONS+=("$pid")
	wait_for "stopped $pid" 30
	rm "$T/stop"
	# Another terminal sells the last latte meanwhile.
	run cafe-order place latte
	assert_success
	kill -CONT "$pid"
	status=0; wait "$pid" || status=$?
	[ "$status" = 1 ]
	assert_equal "$(cat "$T/err")" "cafe-order: out of stock: no latte left"
	run db_sql "SELECT version || ' ' || type FROM events
	    WHERE stream = 'payment-1' ORDER BY version"
	assert_output $'1 PaymentRequested\n2 PaymentAbandoned\n3 PaymentVoided'
	[ "$(held 1)" = 0 ]
	run later_daemon run --once
	assert_success
	[ "$(grep -c '^void ' "$FAKE_COUNT_FILE")" = 1 ]
	balanced
}

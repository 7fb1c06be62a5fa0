#!/usr/bin/env bats
# 6030-reconcile: money is never kept without an order. cafe-order is
# SIGKILLed by its processor right after the processor approved and booked
# the charge (tests/helpers/fake-processor's ledger), before cafe-order
# could commit the order; the reconcile policy voids the charge after
# daemon.reconcile_after_ms, with the key "void-" + the charge's key.

bats_require_minimum_version 1.5.0
load helpers/setup
load helpers/daemon

local_setup() {
	export FAKE_LEDGER="$T/ledger" FAKE_COUNT_FILE="$T/calls" T
	unset FAKE_MODE
	# Approves (and books) every call, as FAKE_MODE says; kills its parent
	# after booking a charge while $T/kill exists.
	cat >"$T/processor" <<-'EOF'
	#!/bin/sh
	line=$(head -n 1)
	reply=$(printf '%s\n' "$line" | fake-processor) || exit $?
	if [ -e "$T/kill" ] && [ "$(printf '%s' "$line" | jq -r .op)" = charge ]; then
		kill -KILL "$PPID"
	fi
	printf '%s\n' "$reply"
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

# Money the processor holds for an order: charges - refunds - voids.
held() {
	awk -v id="$1" '$3 == id { $2 == "charge" ? s += $4 : s -= $4 } END { print s + 0 }' \
	    "$FAKE_LEDGER"
}

@test "a charge whose order never committed is voided, once, after the grace period" {
	config 600 5000
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
	wait_for 'cafe-daemon -q run --once; [ "$(count PaymentVoided)" = 1 ]' 5
	[ "$(held 1)" = 0 ]
	key=$(sqlite3 "$CAFE_DB" "SELECT json_extract(data, '\$.key') FROM events
	    WHERE type = 'PaymentRequested'")
	grep -qx "void void-$key" "$FAKE_COUNT_FILE"
	run sqlite3 "$CAFE_DB" "SELECT stream, data FROM events WHERE type = 'PaymentVoided'"
	assert_output --partial 'payment-1|'
	jq -e --arg ref "$(awk '$2 == "void" { print $5 }' "$FAKE_LEDGER")" \
	    '.order_id == 1 and .amount == 4000 and .ref == $ref and
	    .reason == "no order was placed for this charge"' <<<"${output#*|}"
	# Nothing else happens to a charge without an order.
	[ "$(count DeliveryStarted)" = 0 ]
	run cafe-daemon run --once
	assert_success
	[ "$(grep -c '^void ' "$FAKE_COUNT_FILE")" = 1 ]
	no_duplicates
}

@test "a running daemon keeps the unanswered charge waiting, then voids it" {
	# Unanswered after the processor's timeout + 1s, it waits in the queue
	# for the rest of the 4s.
	config 4000 500
	touch "$T/kill"
	run cafe-order place latte
	assert_failure 137
	rm "$T/kill"
	start_daemon run
	# After the processor's timeout has passed it waits in the queue.
	wait_for '[ "$(cafe-daemon --json status | jq -s "map(select(.policy == \"reconcile\"))[0].waiting")" = 1 ]' 5
	[ "$(count PaymentVoided)" = 0 ]
	wait_for '[ "$(count PaymentVoided)" = 1 ]' 6
	[ "$(held 1)" = 0 ]
	run cafe-daemon --json status
	jq -e -s 'map(select(.policy == "reconcile"))[0].waiting == 0' <<<"$output"
}

@test "a charge answered late, while the daemon watches, is not voided" {
	config 1000 3000
	start_daemon run
	FAKE_MODE=sleep FAKE_SLEEP_MS=500 cafe-order place latte
	place 1
	# Past the grace period, reconcile has moved over both charges.
	wait_for '[ "$(checkpoint reconcile)" -ge "$(sqlite3 "$CAFE_DB" "SELECT max(seq)
	    FROM events WHERE type = \"PaymentRequested\"")" ]' 10
	kill -TERM "$DAEMON"
	wait "$DAEMON"
	run grep -c '^void ' "$FAKE_COUNT_FILE"
	assert_output 0
	[ "$(count PaymentVoided)" = 0 ]
	[ "$(held 1)" = 4000 ]
	[ "$(held 2)" = 4000 ]
	[ "$(count DeliveryStarted)" = 2 ]
}

#!/usr/bin/env bats
# 6050-kill: SIGKILL at random moments while the daemon drains a backlog of
# orders and cancels (about 10 kills; tests/soak/6050-kill.bats does 60).
# Afterwards every paid order has exactly one DeliveryStarted, every cancel
# exactly one RefundRequested and one refund, every status change one
# message; no gap, no duplicate.

bats_require_minimum_version 1.5.0
load helpers/setup
load helpers/daemon

local_setup() {
	# A slow processor, so that kills land between a refund and its record.
	use_config <<-EOF
	menu:
	  - {name: latte, price: 4000, stock: 1000000}
	  - {name: mocha, price: 4500}
	payment: {sim: {latency_ms: 3, jitter_ms: 2}}
	daemon: {lease_ms: 200, poll_ms: 20}
	EOF
}

@test "10 kills while draining: every order and cancel handled exactly once" {
	backlog 90
	kill_loop 10
	finish
	check_exactly_once
	run cafe-log verify
	assert_success
}

#!/usr/bin/env bats
# 6050-kill (soak, `make soak`): cafe-daemon killed with SIGKILL 60 times at
# random moments while it drains a backlog of orders and cancels that keeps
# growing; afterwards every paid order has exactly one DeliveryStarted,
# every cancel exactly one RefundRequested and one refund at the
# processor, every status change one message; no gap, no duplicate. The
# short version is tests/6050-kill.bats.

bats_require_minimum_version 1.5.0
load ../helpers/setup
load ../helpers/daemon

# setup.bash finds the top from the test's directory, one level too low here.
CAFE_TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
PATH="$CAFE_TOP/bin:$CAFE_TOP/${CAFE_BUILD:-build}/tests:$CAFE_TOP/tests/helpers:$PATH"

local_setup() {
	use_config <<-EOF
	menu:
	  - {name: latte, price: 4000, stock: 1000000}
	  - {name: mocha, price: 4500}
	payment: {sim: {latency_ms: 3, jitter_ms: 2}}
	daemon: {lease_ms: 200, poll_ms: 20}
	EOF
}

@test "60 kills while draining a growing backlog: exactly once, no gap" {
	backlog 300
	kill_loop 60
	finish
	check_exactly_once
	run cafe-log verify
	assert_success
}

@test "60 kills with three daemons running: exactly once, no gap" {
	backlog 150
	for n in 1 2; do
		start_daemon -q run
	done
	kill_loop 60
	finish
	check_exactly_once
}

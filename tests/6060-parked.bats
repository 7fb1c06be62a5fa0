#!/usr/bin/env bats
# 6060-parked: an event a policy cannot handle is parked (recorded, shown by
# status, retried by `cafe-daemon retry`) and the policy goes on with the
# next; `run --once` exits 1 while something is parked.

bats_require_minimum_version 1.5.0
load helpers/setup
load helpers/daemon

# A payment for order 9, which was never placed: start-delivery and notify
# cannot handle it.
orphan_payment() {
	log-append payment-9 PaymentApproved '{"order_id":9,"amount":4000,"ref":"x"}' >/dev/null
}

@test "an event that cannot be handled is parked; the policy goes on" {
	place 1
	orphan_payment
	place 1
	run cafe-daemon run --once
	assert_failure 1
	assert_output --partial 'start-delivery: order 9: PaymentApproved (seq 9) parked: order 9 was paid for but never placed'
	assert_output --partial "then 'cafe-daemon retry start-delivery'"
	assert_output --partial 'cafe-daemon: 2 events are parked'
	# The orders before and after it were handled.
	[ "$(count_of DeliveryStarted 1)" = 1 ]
	[ "$(count_of DeliveryStarted 2)" = 1 ]
	[ "$(checkpoint start-delivery)" = "$(head_seq)" ]

	run --separate-stderr cafe-daemon status
	assert_failure 1
	assert_line --regexp '^start-delivery .* 1$'
	assert_line --partial 'start-delivery: seq 9 PaymentApproved, order 9: order 9 was paid for'
	assert_line --partial 'notify: seq 9 PaymentApproved, order 9: order 9 was never placed'
	[[ $stderr == *'unhealthy: start-delivery has 1 parked event'* ]]
	run --separate-stderr cafe-daemon --json status
	jq -e -s 'map(select(.policy == "start-delivery"))[0] | .parked == 1 and
	    .healthy == false and .parked_events[0].seq == 9 and
	    .parked_events[0].type == "PaymentApproved" and
	    .parked_events[0].order_id == 9 and .parked_events[0].attempts == 0 and
	    (.parked_events[0].parked_at | test("Z$"))' <<<"$output"
	# Still parked: --once keeps saying so.
	run cafe-daemon -q run --once
	assert_failure 1
}

@test "retry: still failing stays parked (exit 1); once it can be handled it is" {
	place 1
	orphan_payment
	cafe-daemon -q run --once || :
	run cafe-daemon retry start-delivery
	assert_failure 1
	assert_output --partial '1 parked event is back in the queue'
	assert_output --partial 'parked: order 9 was paid for but never placed'
	[ "$(count_of DeliveryStarted 9)" = 0 ]
	# Someone puts the missing order in; now both policies can handle it.
	log-append order-9 OrderPlaced '{"order_id":9,"product":"tea","qty":1,
	    "unit_price":2500,"total":2500,"customer":"kim","address":"bar"}' >/dev/null
	run cafe-daemon retry
	assert_success
	assert_output --partial '2 parked events are back in the queue'
	assert_output --partial 'start-delivery: order 9: PaymentApproved -> DeliveryStarted'
	assert_output --partial 'notify: order 9: PaymentApproved -> NotificationQueued'
	[ "$(count_of DeliveryStarted 9)" = 1 ]
	run cafe-daemon status
	assert_success
	run cafe-daemon retry
	assert_success
	assert_output 'cafe-daemon: nothing is parked'
}

@test "retry while a daemon runs: the daemon that holds the lease handles it" {
	cafe-log init >/dev/null
	orphan_payment
	start_daemon run --policy start-delivery
	wait_for '[ "$(cafe-daemon --json status | jq -s "map(select(.policy == \"start-delivery\"))[0].parked")" = 1 ]'
	log-append order-9 OrderPlaced '{"order_id":9,"product":"tea","qty":1,
	    "unit_price":2500,"total":2500,"customer":"kim","address":"bar"}' >/dev/null
	run cafe-daemon retry start-delivery
	assert_success
	assert_output --partial "left to the daemon that holds its lease ($DAEMON@"
	wait_for '[ "$(count_of DeliveryStarted 9)" = 1 ]'
}

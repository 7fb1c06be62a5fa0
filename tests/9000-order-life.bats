#!/usr/bin/env bats
# 9000-order-life: whole lives of orders, from the counter to the customer's
# messages, with the real programs: cafe-order, cafe-daemon, cafe-deliver,
# cafe-notify and cafe-trace. Each life checks the exact messages the
# customer gets, in order, and where the order ends up.

load helpers/setup

local_setup() {
	[ -x "$CAFE_TOP/bin/cafe-daemon" ] || skip "cafe-daemon is not built (yet)"
	use_config <<EOF
notify:
  channels:
    - {type: file, path: $T/messages.log}
EOF
}

teardown() {
	local p
	for p in ${DAEMON:-} ${SENDER:-}; do kill -9 "$p" 2>/dev/null || :; done
}

# The daemon's policies until nothing more happens (a policy may append
# what an earlier one in the same run has already passed over).
daemon() {
	local before i
	for i in 1 2 3 4 5; do
		before=$(event_count)
		cafe-daemon -q run --once
		[ "$(event_count)" -ne "$before" ] || return 0
	done
	fail "the daemon did not settle in 5 runs"
}

# The messages the customer got: "EVENT: text" per line.
messages() {
	jq -r '"\(.event): \(.text)"' "$T/messages.log"
}

trace() {	# the trace of order $1 as "order payment delivery messages"
	cafe-trace --json list | jq -r "select(.order_id == $1) |
	    \"\(.order_status) \(.payment_status) \(.delivery_status) \(.messages)\""
}

@test "place to complete: exactly the expected messages, in order" {
	id=$(cafe-order place latte --customer kim --address 'table 4')
	daemon
	cafe-deliver ready "$id"
	daemon
	cafe-deliver dispatch "$id" --rider minho
	daemon
	cafe-deliver complete "$id"
	daemon
	run cafe-notify send --once
	assert_success
	assert_equal "$(messages)" "PaymentApproved: Order $id: thank you, 4,000 KRW received for your latte
DeliveryStarted: Order $id: your latte is being made
DrinkReady: Order $id: your latte is ready
DeliveryDispatched: Order $id: your latte is on its way with minho
DeliveryCompleted: Order $id: your latte has been delivered, enjoy"
	assert_equal "$(jq -r '"\(.order_id) \(.customer)"' "$T/messages.log" | sort -u)" "$id kim"
	assert_equal "$(trace "$id")" "delivered approved delivered 5"
	# Each message was recorded sent once, and nothing is left to send.
	run cafe-notify --json list
	assert_equal "$(jq -r .status <<<"$output" | sort | uniq -c | awk '{print $1, $2}')" "5 sent"
	before=$(event_count)
	daemon
	cafe-notify send --once
	[ "$(event_count)" -eq "$before" ]
}

@test "a pickup: ready then complete, no dispatch message" {
	id=$(cafe-order place americano --customer lee)
	daemon
	cafe-deliver ready "$id"
	cafe-deliver complete "$id"
	daemon
	cafe-notify send --once
	assert_equal "$(messages | cut -d: -f1 | paste -sd' ')" \
	    "PaymentApproved DeliveryStarted DrinkReady DeliveryCompleted"
	assert_equal "$(trace "$id")" "delivered approved delivered 4"
}

@test "reject: the refund and the messages that say so" {
	id=$(cafe-order place americano --customer lee)
	daemon
	run cafe-deliver reject "$id" --reason 'out of beans'
	assert_success
	daemon
	cafe-notify send --once
	assert_equal "$(messages)" "PaymentApproved: Order $id: thank you, 3,000 KRW received for your americano
DeliveryStarted: Order $id: your americano is being made
OrderRejected: Order $id: sorry, we cannot make your americano; your money will be refunded
DeliveryCancelled: Order $id: your americano is cancelled
PaymentRefunded: Order $id: 3,000 KRW has been refunded to you"
	assert_equal "$(trace "$id")" "rejected refunded cancelled 5"
	run cafe-pay --json show "$id"
	assert_success
	# After the refund, the kitchen cannot pick it up again.
	run cafe-deliver ready "$id"
	assert_failure 1
	assert_output --partial "is rejected ('out of beans')"
}

@test "cancelling a dispatched order: delivery cancelled, refunded, rider refused" {
	id=$(cafe-order place latte --customer park)
	daemon
	cafe-deliver ready "$id"
	cafe-deliver dispatch "$id" --rider minho
	cafe-order cancel "$id" --reason 'not at home'
	daemon
	before=$(event_count)
	run cafe-deliver complete "$id"
	assert_failure 1
	assert_output "cafe-deliver: order $id is cancelled ('not at home'): nothing more to do for it"
	[ "$(event_count)" -eq "$before" ]
	cafe-notify send --once
	assert_equal "$(messages | cut -d: -f1 | paste -sd' ')" \
	    "PaymentApproved DeliveryStarted DrinkReady DeliveryDispatched DeliveryCancelled PaymentRefunded"
	assert_equal "$(trace "$id")" "cancelled refunded cancelled 6"
	[ "$(db_sql "SELECT count(*) FROM events WHERE type = 'RefundRequested'")" -eq 1 ]
}

@test "live: daemon and sender running, the customer hears each step as it happens" {
	cafe-log init >/dev/null 2>&1
	cafe-daemon -q run & DAEMON=$!
	cafe-notify -q send & SENDER=$!
	id=$(cafe-order place latte --customer kim --address 'table 4')
	wait_for '[ "$(wc -l <"$T/messages.log" 2>/dev/null)" = 2 ]' 15
	cafe-deliver ready "$id"
	wait_for '[ "$(wc -l <"$T/messages.log")" = 3 ]' 15
	cafe-deliver dispatch "$id" --rider minho
	wait_for '[ "$(wc -l <"$T/messages.log")" = 4 ]' 15
	cafe-deliver complete "$id"
	wait_for '[ "$(wc -l <"$T/messages.log")" = 5 ]' 15
	kill -TERM "$SENDER" "$DAEMON"
	wait "$SENDER"
	wait "$DAEMON"
	SENDER= DAEMON=
	assert_equal "$(messages | cut -d: -f1 | paste -sd' ')" \
	    "PaymentApproved DeliveryStarted DrinkReady DeliveryDispatched DeliveryCompleted"
	assert_equal "$(trace "$id")" "delivered approved delivered 5"
}

#!/usr/bin/env bats
# 3030-returns: a delivered order brought back (seeds 001, 004: "a returned
# shipment goes back to stock"), and the delivery side calling an order off
# (001: "the MD cancels in the delivery system"). DESIGN §14.

bats_require_minimum_version 1.5.0
load helpers/setup
load helpers/daemon

local_setup() {
	use_config <<-'EOF'
		menu:
		  - {name: latte, price: 4000, stock: 10}
		  - {name: scone, price: 2500, stock: 5}
		  - {name: tea, price: 2000}
	EOF
}

delivered() {	# ITEMS...: places them, and the kitchen hands them over
	local id
	id=$(cafe-order place "$@") || return 1
	cafe-daemon -q run --once
	cafe-deliver -q ready "$id"
	cafe-deliver -q complete "$id"
	echo "$id"
}

level() { cafe-order --json stock "$1" | jq .stock; }

refused() {	# STATUS MESSAGE COMMAND...
	local want=$1 msg=$2 before
	shift 2
	before=$(event_count)
	run --separate-stderr "$@"
	assert_failure "$want"
	assert_equal "$stderr" "$msg"
	assert_output ""
	assert_equal "$(event_count)" "$before"
}

@test "return: all of it, refunded through the refund policy, its stock back, the customer told" {
	id=$(delivered latte:2 scone --contact +82-10-1234-5678)
	assert_equal "$(level latte) $(level scone)" "8 4"
	run cafe-deliver return "$id" --reason 'the wrong order'
	assert_success
	assert_output "$id returned (3 of 3 drinks)"
	assert_equal "$(db_sql "SELECT data FROM events WHERE type = 'OrderReturned'" | jq -c '[.items, .amount, .reason]')" \
	    '[[{"product":"latte","qty":2},{"product":"scone","qty":1}],10500,"the wrong order"]'
	cafe-daemon -q run --once
	assert_equal "$(level latte) $(level scone)" "10 5"
	assert_equal "$(count PaymentRefunded)" 1
	run cafe-trace --json list
	assert_equal "$(jq -c '[.order_status, .payment_status, .delivery_status]' <<<"$output")" \
	    '["returned","refunded","delivered"]'
	assert_equal "$(db_sql "SELECT data FROM events WHERE type = 'NotificationQueued' AND data->>'event' = 'OrderReturned'" | jq -r .text)" \
	    "Order $id: your return is taken back; 10,500 KRW will be refunded to you"
	# Nothing is left to return.
	refused 1 "cafe-deliver: order $id was returned already" cafe-deliver return "$id"
}

@test "return --item: those products only, their share of a charge with tax on top, to the card first" {
	use_config <<-'EOF'
		tax: {rate_percent: 10, included: false}
		menu:
		  - {name: latte, price: 4000, stock: 10}
		  - {name: scone, price: 2500, stock: 5}
	EOF
	cafe-pay -q till open --float 0
	id=$(delivered latte:2 scone --tender cash:3000 --tender card)
	run cafe-deliver --json return "$id" --item scone
	assert_success
	assert_equal "$(jq -c . <<<"$output")" "{\"order_id\":$id,\"order_status\":\"delivered\",\"returned\":1}"
	cafe-daemon -q run --once
	# 2,500 of 10,500 is 2,750 of the 11,550 charged; the card paid 8,550.
	assert_equal "$(db_sql "SELECT data FROM events WHERE type = 'RefundRequested'" | jq -c '[.amount, .tender]')" '[2750,null]'
	assert_equal "$(level scone) $(level latte)" "5 8"
	refused 1 "cafe-deliver: order $id: scone was returned already" cafe-deliver return "$id" --item scone
	refused 1 "cafe-deliver: order $id holds no tea" cafe-deliver return "$id" --item tea
	# The rest: the card's 5,800 left, then the cash.
	cafe-deliver -q return "$id"
	cafe-daemon -q run --once
	assert_equal "$(db_sql "SELECT data FROM events WHERE type = 'RefundRequested' ORDER BY seq" | jq -c '[.amount, .tender]' | paste -sd' ')" \
	    '[2750,null] [3000,"cash"] [5800,null]'
	assert_equal "$(cafe-trace --json list | jq -r .order_status)" returned
	assert_equal "$(cafe-pay --json till | jq .cash_out)" 3000
}

@test "only a delivered order is returned: 1 with where it stands, nothing appended" {
	id=$(cafe-order place latte)
	refused 1 "cafe-deliver: order $id is pending, not delivered: only a delivered order is returned (cancel it instead)" \
	    cafe-deliver return "$id"
	cafe-order -q cancel "$id"
	refused 1 "cafe-deliver: order $id is cancelled, not delivered: only a delivered order is returned (cancel it instead)" \
	    cafe-deliver return "$id"
	refused 1 "cafe-deliver: unknown order 99 (see 'cafe-trace list')" cafe-deliver return 99
	refused 65 "cafe-deliver: 'x' is not an order id" cafe-deliver return x
	run --separate-stderr cafe-deliver return
	assert_failure 64
	assert_equal "$stderr" "cafe-deliver: 'return' needs one order id (see 'cafe-deliver --help')"
	id=$(delivered tea)
	refused 65 "cafe-deliver: reason is not valid UTF-8 text (control characters or bad bytes)" \
	    cafe-deliver return "$id" --reason "$(printf 'a\007b')"
}

@test "a return over the staff's refund limit needs a manager: 77, nothing appended" {
	id=$(delivered latte:2)
	use_config <<-'EOF'
		staff: {managers_group: nogroup, refund_limit: 5000}
		menu:
		  - {name: latte, price: 4000, stock: 10}
	EOF
	refused 77 "cafe-deliver: only a manager may refund more than 5000: $(id -un) is not in the group 'nogroup' (ask a manager to run it)" \
	    cafe-deliver return "$id"
	refused 77 "cafe-deliver: only a manager may refund more than 5000: $(id -un) is not in the group 'nogroup' (ask a manager to run it)" \
	    cafe-deliver cancel "$(cafe-order place latte:2)"
}

@test "cafe-deliver cancel: the delivery side calls it off, as cafe-order cancel does" {
	id=$(cafe-order place latte)
	cafe-daemon -q run --once
	run cafe-deliver cancel "$id"
	assert_success
	assert_output "$id cancelled"
	assert_equal "$(db_sql "SELECT data->>'reason' FROM events WHERE type = 'OrderCancelled'")" "cancelled by delivery"
	cafe-daemon -q run --once
	assert_equal "$(cafe-trace --json list | jq -c '[.order_status, .payment_status, .delivery_status]')" \
	    '["cancelled","refunded","cancelled"]'
	assert_equal "$(level latte)" 10
	refused 1 "cafe-deliver: order $id is already cancelled" cafe-deliver cancel "$id"
	id=$(delivered tea)
	refused 1 "cafe-deliver: order $id is already delivered" cafe-deliver cancel "$id"
	run cafe-deliver --json cancel "$(cafe-order place tea)" --reason 'no rider'
	assert_equal "$(jq -c . <<<"$output")" '{"order_id":3,"status":"cancelled"}'
}

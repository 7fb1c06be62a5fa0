#!/usr/bin/env bats
# 6010-policies: what each policy appends (lib/policy/policy.c, pay.c,
# notify.c, template.c): start-delivery, compensate, refund (sim),
# notify with built-in and configured templates, trace.

bats_require_minimum_version 1.5.0
load helpers/setup
load helpers/daemon

# The data of the only event of a type for an order.
data_of() {
	db_sql "SELECT data FROM events WHERE type = '$1'
	    AND CAST(data->>'order_id' AS INTEGER) = $2"
}

texts() {
	db_sql "SELECT (data->>'text') FROM events
	    WHERE type = 'NotificationQueued' AND CAST(data->>'order_id' AS INTEGER) = $1
	    ORDER BY seq"
}

@test "start-delivery: one DeliveryStarted with the order's address, product, qty, customer" {
	ORDER=$(cafe-order place latte:2+oat tea --customer kim --address 'table 4')
	cafe-daemon -q run --once
	run data_of DeliveryStarted "$ORDER"
	jq -e '. == {order_id: 1, address: "table 4", product: "latte x2 + tea", qty: 3,
	    customer: "kim", ticket: 1}' <<<"$output"
	run db_sql "SELECT e.stream, (e.meta->>'correlation_id'),
	    CASE WHEN (e.meta->>'causation_id') = a.id THEN 'caused' END, (e.meta->>'tool')
	    FROM events e, events a WHERE e.type = 'DeliveryStarted'
	    AND a.type = 'PaymentApproved'"
	assert_output 'delivery-1|1|caused|cafe-daemon'
	run cafe-trace --json show 1
	run cafe-trace --json list
	jq -e 'select(.order_id == 1) | .delivery_status == "brewing"' <<<"$output"
}

@test "compensate: a cancel before the kitchen started refunds and releases the stock" {
	place 1
	cafe-order cancel 1 --reason 'changed their mind'
	cafe-daemon -q run --once
	[ "$(count_of DeliveryStarted 1)" = 0 ]
	# Called off before it started: the delivery is cancelled all the same,
	# so that the customer hears the order is cancelled.
	[ "$(count_of DeliveryCancelled 1)" = 1 ]
	run cafe-trace --json show 1
	[ "$(jq -s 'map(select(.type == "DeliveryCancelled"))[0].stream' <<<"$output")" = '"delivery-1"' ]
	run texts 1
	assert_line 'Order 1: your latte is cancelled'
	assert_line 'Order 1: 4,000 KRW has been refunded to you'
	run data_of RefundRequested 1
	jq -e '. == {order_id: 1, amount: 4000, reason: "changed their mind"}' <<<"$output"
	run data_of StockReleased 1
	jq -e '. == {order_id: 1, product: "latte", qty: 1}' <<<"$output"
	run data_of PaymentRefunded 1
	jq -e '.amount == 4000 and (.ref | startswith("sim-refund-"))' <<<"$output"
	run cafe-order --json stock latte
	jq -e '.stock == 100' <<<"$output"
	# The sim's books: charged once, refunded once, with the refund's key.
	run db_sql "SELECT op, amount FROM sim_ledger ORDER BY op"
	assert_output $'charge|4000\nrefund|4000'
}

@test "compensate: a cancel after the kitchen started also cancels the delivery" {
	place 1
	cafe-daemon -q run --once
	cafe-order cancel 1
	cafe-daemon -q run --once
	run data_of DeliveryCancelled 1
	jq -e '. == {order_id: 1, reason: "cancelled at the counter"}' <<<"$output"
	[ "$(count_of RefundRequested 1)" = 1 ]
	[ "$(count_of PaymentRefunded 1)" = 1 ]
	[ "$(count_of StockReleased 1)" = 1 ]
}

@test "compensate: an order cancelled while dispatched is called off and refunded" {
	place 1
	cafe-daemon -q run --once
	cafe-deliver ready 1
	cafe-deliver dispatch 1 --rider joon
	cafe-order cancel 1 --reason 'customer left'
	cafe-daemon -q run --once
	[ "$(count_of DeliveryCancelled 1)" = 1 ]
	[ "$(count_of PaymentRefunded 1)" = 1 ]
	# The drink was made: it is not put back in stock.
	[ "$(count_of StockReleased 1)" = 0 ]
	run cafe-order --json stock latte
	jq -e '.stock == 99' <<<"$output"
}

@test "compensate: a drink made (ready) is not put back; one still brewing is" {
	place 2
	cafe-daemon -q run --once
	cafe-deliver ready 1
	cafe-order cancel 1
	cafe-order cancel 2
	cafe-daemon -q run --once
	[ "$(count_of StockReleased 1)" = 0 ]
	[ "$(count_of StockReleased 2)" = 1 ]
	[ "$(count_of PaymentRefunded 1)" = 1 ]
	run cafe-order --json stock latte
	jq -e '.stock == 99' <<<"$output"
}

@test "compensate: a rejected order is refunded; untracked stock is not released" {
	place 1 mocha
	cafe-daemon -q run --once
	cafe-deliver reject 1 --reason 'out of milk'
	run cafe-daemon run --once
	assert_success
	assert_output --partial 'compensate: order 1: OrderRejected -> RefundRequested'
	assert_output --partial 'compensate: order 1: OrderRejected -> DeliveryCancelled'
	run data_of RefundRequested 1
	jq -e '.reason == "out of milk" and .amount == 4500' <<<"$output"
	[ "$(count_of StockReleased 1)" = 0 ]
	[ "$(count_of PaymentRefunded 1)" = 1 ]
	no_duplicates
}

@test "compensate: a delivered order is left alone, a refund already asked for is not asked again" {
	place 2
	cafe-daemon -q run --once
	cafe-deliver ready 1
	cafe-deliver complete 1
	run cafe-order cancel 1
	assert_failure 1
	cafe-order cancel 2
	cafe-daemon -q run --once --policy compensate
	# Handling the same cancel again (as after a crash) appends nothing.
	db_sql "UPDATE checkpoints SET seq = 0 WHERE name = 'compensate'"
	before=$(count)
	cafe-daemon -q run --once --policy compensate
	[ "$(count)" = "$before" ]
	[ "$(count_of RefundRequested 1)" = 0 ]
	[ "$(count_of RefundRequested 2)" = 1 ]
}

@test "start-delivery and notify: events handled again (as after a crash) append nothing" {
	place 3
	cafe-daemon -q run --once --policy start-delivery --policy notify
	before=$(count)
	# Each policy first appends trusting the log to refuse a duplicate,
	# then, refused, goes through the events one by one and skips them.
	db_sql "UPDATE checkpoints SET seq = 0
	    WHERE name IN ('start-delivery', 'notify')"
	run cafe-daemon -v run --once --policy start-delivery --policy notify
	assert_success
	refute_output --partial parked
	[ "$(count)" = "$before" ]
	[ "$(count_of DeliveryStarted 1)" = 1 ]
	[ "$(count_of NotificationQueued 3)" = 2 ]
	no_duplicates
	run cafe-daemon status
	assert_success
}

@test "notify: one message per status change, in the customer's terms, id from the cause" {
	place 1
	cafe-daemon -q run --once
	cafe-deliver ready 1
	cafe-deliver dispatch 1 --rider joon
	cafe-deliver complete 1
	cafe-daemon -q run --once
	run texts 1
	assert_output "Order 1: thank you, 4,000 KRW received for your latte
Order 1: your latte is being made
Order 1: your latte is ready
Order 1: your latte is on its way with joon
Order 1: your latte has been delivered, enjoy"
	# message_id is the causing event's id, and names the stream.
	run db_sql "SELECT count(*) FROM events n JOIN events c
	    ON c.id = (n.data->>'message_id')
	    WHERE n.type = 'NotificationQueued' AND n.stream = 'notify-' || c.id
	    AND (n.meta->>'causation_id') = c.id
	    AND (n.data->>'event') = c.type
	    AND (n.data->>'customer') = 'kim'"
	assert_output 5
}

@test "notify: cancel, refund and rejection messages" {
	place 2
	cafe-daemon -q run --once
	cafe-order cancel 1
	cafe-deliver reject 2 --reason 'out of milk'
	cafe-daemon -q run --once
	run texts 1
	assert_line 'Order 1: your latte is cancelled'
	assert_line 'Order 1: 4,000 KRW has been refunded to you'
	run texts 2
	assert_line 'Order 2: sorry, we cannot make your latte; your money will be refunded'
}

@test "notify: templates from the config, with every placeholder" {
	use_config <<-'EOF'
	currency: EUR
	notify:
	  templates:
	    DeliveryStarted: "{customer}, {qty} drinks: {product} ({order_id}) is {status}"
	    PaymentApproved: "paid {amount} for {items}"
	    DeliveryDispatched: "{rider} has it, {status}"
	EOF
	ORDER=$(cafe-order place tea:3 latte+large --customer 'Mina Park')
	cafe-daemon -q run --once
	cafe-deliver ready 1
	cafe-deliver dispatch 1 --rider joon
	cafe-daemon -q run --once
	run texts 1
	assert_output "paid 120.00 EUR for tea x3, latte (large, whole)
Mina Park, 4 drinks: tea x3 + latte (1) is brewing
Order 1: your tea x3 + latte is ready
joon has it, dispatched"
}

@test "notify: a dispatch with no rider named says nothing of a rider" {
	place 2
	cafe-daemon -q run --once
	cafe-deliver ready 1
	cafe-deliver dispatch 1
	cafe-daemon -q run --once
	run texts 1
	assert_line "Order 1: your latte is on its way"
	refute_output --partial "with"
	# A configured template is the shop's own words: it is used as written.
	use_config <<-'EOF'
	notify:
	  templates:
	    DeliveryDispatched: "on its way with [{rider}]"
	EOF
	cafe-deliver ready 2
	cafe-deliver dispatch 2
	cafe-daemon -q run --once
	run texts 2
	assert_line "on its way with []"
}

@test "trace: kept by a running daemon while readers catch it up too, it equals a fresh fold" {
	start_daemon -q run
	# The daemon creates the log; the readers start once it is there.
	wait_for 'cafe-trace --json list >/dev/null 2>&1' 30
	# Readers (cafe-trace) move the trace checkpoint under the daemon's
	# feet: what it folded ahead must then be folded again, not written.
	( for i in $(seq 60); do cafe-trace --json list >/dev/null || exit 1; done ) &
	readers=$!
	for i in $(seq 12); do
		place 1
		case $((i % 4)) in
		1) cafe-order cancel "$ORDER" >/dev/null ;;
		2) wait_for "[ \"\$(count_of DeliveryStarted $ORDER)\" = 1 ]" 10
		   cafe-deliver ready "$ORDER" >/dev/null
		   cafe-deliver dispatch "$ORDER" --rider joon >/dev/null ;;
		esac
	done
	wait "$readers"
	wait_for caught_up 20
	live=$(cafe-trace --json list)
	# --as-of folds the whole log into a TEMP table: a fresh fold.
	fresh=$(cafe-trace --json list --as-of 2999-01-01)
	assert_equal "$live" "$fresh"
	[ "$(jq -s length <<<"$live")" = 12 ]
	jq -s -e 'map(select(.order_status == "cancelled")) | length == 3' <<<"$live"
}

@test "trace: the order_trace projection follows the log" {
	place 2
	cafe-order cancel 2
	cafe-daemon -q run --once
	[ "$(checkpoint trace)" = "$(head_seq)" ]
	run db_sql "SELECT order_id, order_status, payment_status,
	    delivery_status FROM order_trace ORDER BY order_id"
	assert_output $'1|paid|approved|brewing\n2|cancelled|refunded|cancelled'
}

@test "compensate: a cancel after a partial refund gives back the rest, pending or not" {
	cafe-order place latte:2 >/dev/null
	cafe-pay refund 1 --amount 3000 --reason 'one was cold' >/dev/null
	# Cancelled while that refund is still pending (compensate runs before
	# the refund policy has sent it): the rest goes back too.
	cafe-order cancel 1 >/dev/null
	cafe-daemon -q run --once --policy compensate
	cafe-daemon -q run --once
	run db_sql "SELECT type, (data->>'amount') FROM events
	    WHERE type IN ('RefundRequested', 'PaymentRefunded') ORDER BY seq"
	assert_output "RefundRequested|3000
RefundRequested|5000
PaymentRefunded|3000
PaymentRefunded|5000"
	run cafe-trace --json list
	assert_equal "$(jq -r .payment_status <<<"$output")" refunded
	run texts 1
	assert_line 'Order 1: 3,000 KRW has been refunded to you'
	assert_line 'Order 1: 5,000 KRW has been refunded to you'
}

@test "refunds asked for at once from many terminals never exceed the charge" {
	cafe-order place latte:2 >/dev/null
	start_daemon run
	for round in 1 2 3 4; do
		pids=()
		for i in 1 2 3 4 5 6; do
			cafe-pay -q refund 1 --amount 1500 2>/dev/null 3>&- &
			pids+=($!)
		done
		wait "${pids[@]}" || :
		wait_for '[ "$(cafe-pay --json show 1 | jq -r .status)" != refund_pending ]' 30
	done
	refunded=$(db_sql "SELECT coalesce(sum(CAST(data->>'amount' AS INTEGER)), 0)
	    FROM events WHERE type = 'PaymentRefunded'")
	asked=$(db_sql "SELECT coalesce(sum(CAST(data->>'amount' AS INTEGER)), 0)
	    FROM events WHERE type = 'RefundRequested'")
	[ "$refunded" -le 8000 ] && [ "$asked" -le 8000 ]
	# 1500 five times fits in 8000, a sixth does not: at least that many
	# went through over four rounds, and the rest was refused.
	[ "$refunded" -ge 1500 ]
	[ "$refunded" = "$asked" ]
	run cafe-pay --json show 1
	assert_equal "$(jq -r .refunded <<<"$output")" "$refunded"
}

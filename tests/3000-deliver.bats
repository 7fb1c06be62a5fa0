#!/usr/bin/env bats
# 3000-deliver: the kitchen and delivery queue (cafe-deliver): the steps,
# every refusal with its exit status, its message and nothing appended, and
# what cancelling a dispatched order means. The daemon's start-delivery
# policy is stood in for by tests/helpers/log-append (DeliveryStarted).

load helpers/setup

# place PRODUCT [ARGS...]: places an order and sets ID to its id.
place() {
	ID=$(cafe-order place "$@")
}

# start ID: what the start-delivery policy would append.
start() {
	log-append "delivery-$1" DeliveryStarted "{\"order_id\":$1,\"address\":\"\"}" >/dev/null
}

# refused CMD...: exit 1, nothing appended; the message is left in $output.
refused() {
	local before
	before=$(event_count)
	run cafe-deliver "$@"
	assert_failure 1
	[ "$(event_count)" -eq "$before" ] || fail "'$*' appended events"
}

types() {	# the event types of order $1, in log order
	db_sql "SELECT type FROM events WHERE (meta->>'correlation_id') = '$1' ORDER BY seq" | paste -sd' '
}

@test "the delivery rules hold without a database" {
	run delivery-rules
	assert_success
	assert_output --partial "passed, 0 failed"
	no_db
}

@test "an order goes brewing, ready, dispatched, delivered" {
	place latte --customer kim --address 'table 4'
	start "$ID"
	run cafe-deliver ready "$ID"
	assert_success
	assert_output "$ID ready"
	run cafe-deliver dispatch "$ID" --rider minho
	assert_success
	assert_output "$ID dispatched"
	run cafe-deliver --json complete "$ID"
	assert_success
	assert_equal "$(jq -r '"\(.order_status) \(.delivery_status)"' <<<"$output")" "delivered delivered"
	assert_equal "$(types "$ID")" \
	    "PaymentRequested OrderPlaced PaymentApproved StockReserved DeliveryStarted DrinkReady DeliveryDispatched DeliveryCompleted"
	run db_sql "SELECT stream || ' ' || (data->>'rider') || ' ' || (meta->>'tool') FROM events WHERE type = 'DeliveryDispatched'"
	assert_output "delivery-$ID minho cafe-deliver"
	run cafe-trace --json show "$ID"
	assert_success
}

@test "a pickup at the counter goes from ready to delivered" {
	place americano
	start "$ID"
	cafe-deliver ready "$ID"
	run cafe-deliver complete "$ID"
	assert_success
	assert_output "$ID delivered"
	run cafe-trace --json list
	assert_equal "$(jq -r '"\(.order_status) \(.delivery_status)"' <<<"$output")" "delivered delivered"
}

@test "list shows the open orders oldest first, and filters by status" {
	place latte --customer kim --address 'table 4'; a=$ID
	place americano --qty 2 --customer lee --address '12 Main St'; b=$ID
	place latte --customer park; c=$ID
	place americano; d=$ID        # never started: pending
	for i in $a $b $c; do start "$i"; done
	cafe-deliver ready "$b"
	cafe-deliver ready "$c"
	cafe-deliver complete "$c"
	run cafe-deliver list
	assert_success
	assert_line --index 0 --regexp '^ *ORDER +STATUS +ITEMS +QTY +CUSTOMER +ADDRESS +RIDER +AGE$'
	assert_line --index 1 --regexp "^ +$a +brewing +latte \(regular, whole\) +1 +kim +table 4 +[0-9]+s$"
	assert_line --index 2 --regexp "^ +$b +ready +americano x2 \(regular\) +2 +lee +12 Main St +[0-9]+s$"
	[ "${#lines[@]}" -eq 3 ]
	run cafe-deliver --json list
	assert_success
	assert_equal "$(jq -r '"\(.order_id) \(.status) \(.product) \(.items | length) \(.qty) \(.customer) \(.address) \(.age_s >= 0)"' <<<"$output" | paste -sd,)" \
	    "$a brewing latte 1 1 kim table 4 true,$b ready americano x2 1 2 lee 12 Main St true"
	run cafe-deliver --json list --status delivered
	assert_equal "$(jq -r .order_id <<<"$output")" "$c"
	run cafe-deliver --json list --status pending
	assert_equal "$(jq -r .order_id <<<"$output")" "$d"
	run cafe-deliver list --status dispatched
	assert_success
	[ "${#lines[@]}" -eq 1 ]
}

@test "a cancelled order leaves the queue at once, before the daemon runs" {
	place latte; start "$ID"
	cafe-order cancel "$ID" --reason 'changed my mind'
	run cafe-deliver --json list
	assert_output ""
	run cafe-deliver --json list --status cancelled
	assert_equal "$(jq -r '"\(.order_id) \(.status) \(.order_status)"' <<<"$output")" "$ID cancelled cancelled"
}

@test "reject appends OrderRejected with the reason on the order stream" {
	place latte --customer kim; start "$ID"
	run cafe-deliver reject "$ID" --reason 'out of milk'
	assert_success
	assert_output "$ID rejected"
	run db_sql "SELECT stream || ' ' || (data->>'reason') || ' ' || (meta->>'correlation_id') FROM events WHERE type = 'OrderRejected'"
	assert_output "order-$ID out of milk $ID"
	run cafe-trace --json list
	assert_equal "$(jq -r .order_status <<<"$output")" rejected
}

@test "reject works before the kitchen starts and when the drink is ready" {
	place latte; a=$ID
	place latte; b=$ID
	start "$b"; cafe-deliver ready "$b"
	run cafe-deliver reject "$a" --reason 'no cups'
	assert_success
	run cafe-deliver reject "$b" --reason 'spilled'
	assert_success
}

@test "an unknown order is refused by every step" {
	place latte
	for step in ready dispatch complete; do
		refused "$step" 99
		assert_output "cafe-deliver: unknown order 99 (see 'cafe-trace list')"
	done
	refused reject 99 --reason x
	assert_output "cafe-deliver: unknown order 99 (see 'cafe-trace list')"
}

@test "an order not started yet is refused, saying so" {
	place latte
	for step in ready dispatch complete; do
		refused "$step" "$ID"
		assert_output --partial "order $ID is not started yet"
	done
}

@test "steps out of order are refused with the current state" {
	place latte; start "$ID"
	refused dispatch "$ID"
	assert_output "cafe-deliver: order $ID is still brewing (mark it ready first: 'cafe-deliver ready $ID')"
	refused complete "$ID"
	assert_output --partial "order $ID is still brewing"
	cafe-deliver ready "$ID"
	refused ready "$ID"
	assert_output "cafe-deliver: order $ID is already ready"
	cafe-deliver dispatch "$ID" --rider minho
	refused ready "$ID"
	assert_output "cafe-deliver: order $ID is already dispatched (rider minho)"
	refused dispatch "$ID"
	assert_output "cafe-deliver: order $ID is already dispatched (rider minho)"
	refused reject "$ID" --reason late
	assert_output "cafe-deliver: order $ID is already dispatched (rider minho): too late to reject it (to call it off and refund it: 'cafe-order cancel $ID')"
	cafe-deliver complete "$ID"
	for step in ready dispatch complete; do
		refused "$step" "$ID"
		assert_output "cafe-deliver: order $ID is already delivered"
	done
	refused reject "$ID" --reason late
	assert_output "cafe-deliver: order $ID is already delivered"
}

@test "a cancelled or rejected order is refused by every step" {
	place latte; a=$ID; start "$a"
	place latte; b=$ID; start "$b"
	cafe-order cancel "$a" --reason 'changed my mind'
	cafe-deliver reject "$b" --reason 'out of milk'
	for step in ready dispatch complete; do
		refused "$step" "$a"
		assert_output "cafe-deliver: order $a is cancelled ('changed my mind'): nothing more to do for it"
		refused "$step" "$b"
		assert_output "cafe-deliver: order $b is rejected ('out of milk'): nothing more to do for it"
	done
	refused reject "$a" --reason again
	assert_output --partial "order $a is cancelled"
	refused reject "$b" --reason again
	assert_output --partial "order $b is rejected"
}

@test "a delivery the daemon cancelled is refused" {
	place latte; start "$ID"
	log-append "delivery-$ID" DeliveryCancelled "{\"order_id\":$ID,\"reason\":\"test\"}" >/dev/null
	refused ready "$ID"
	assert_output "cafe-deliver: order $ID: its delivery is cancelled"
}

@test "cancelling a dispatched order calls the delivery off" {
	place latte --customer kim; start "$ID"
	cafe-deliver ready "$ID"
	cafe-deliver dispatch "$ID" --rider minho
	run cafe-order cancel "$ID" --reason 'not at home'
	assert_success
	# From now on the rider cannot complete it: the drink comes back.
	refused complete "$ID"
	assert_output "cafe-deliver: order $ID is cancelled ('not at home'): nothing more to do for it"
	run cafe-deliver --json list --status cancelled
	assert_equal "$(jq -r '"\(.order_id) \(.rider)"' <<<"$output")" "$ID minho"
	# What the compensate policy appends then (the daemon's part).
	if [ -x "$CAFE_TOP/bin/cafe-daemon" ]; then
		run cafe-daemon run --once
		assert_success
		run cafe-trace --json list
		assert_equal "$(jq -r '"\(.order_status) \(.delivery_status)"' <<<"$output")" "cancelled cancelled"
		[ "$(db_sql "SELECT count(*) FROM events WHERE type = 'RefundRequested'")" -eq 1 ]
	fi
}

@test "a delivered order cannot be cancelled" {
	place latte; start "$ID"
	cafe-deliver ready "$ID"
	cafe-deliver complete "$ID"
	before=$(event_count)
	run cafe-order cancel "$ID"
	assert_failure 1
	assert_output "cafe-order: order $ID is already delivered"
	[ "$(event_count)" -eq "$before" ]
}

@test "two riders completing at once: one wins, the other is refused" {
	place latte; start "$ID"
	cafe-deliver ready "$ID"
	cafe-deliver complete "$ID" >"$T/a" 2>&1 & p1=$!
	cafe-deliver complete "$ID" >"$T/b" 2>&1 & p2=$!
	s1=0; s2=0
	wait "$p1" || s1=$?
	wait "$p2" || s2=$?
	[ $((s1 + s2)) -eq 1 ] || fail "exit statuses $s1 and $s2"
	cat "$T/a" "$T/b" | grep -q "already delivered"
	[ "$(db_sql "SELECT count(*) FROM events WHERE type = 'DeliveryCompleted'")" -eq 1 ]
}

@test "bad command lines are usage errors and append nothing" {
	place latte; start "$ID"
	before=$(event_count)
	run cafe-deliver
	assert_failure 64
	run cafe-deliver brew "$ID"
	assert_failure 64
	assert_output --partial "unknown subcommand 'brew'"
	run cafe-deliver ready
	assert_failure 64
	assert_output --partial "'ready' needs one order id"
	run cafe-deliver ready "$ID" "$ID"
	assert_failure 64
	run cafe-deliver reject "$ID"
	assert_failure 64
	assert_output --partial "'reject' needs --reason TEXT"
	run cafe-deliver ready "$ID" --rider minho
	assert_failure 64
	assert_output --partial "'ready' takes no --rider"
	run cafe-deliver complete "$ID" --reason x
	assert_failure 64
	run cafe-deliver list --status lost
	assert_failure 64
	assert_output --partial "unknown status 'lost'"
	run cafe-deliver list extra
	assert_failure 64
	run cafe-deliver ready --bogus "$ID"
	assert_failure 64
	[ "$(event_count)" -eq "$before" ]
}

@test "bad input data is exit 65 and appends nothing" {
	place latte; start "$ID"
	cafe-deliver ready "$ID"
	before=$(event_count)
	run cafe-deliver ready abc
	assert_failure 65
	assert_output "cafe-deliver: 'abc' is not an order id"
	run cafe-deliver reject "$ID" --reason ''
	assert_failure 65
	assert_output "cafe-deliver: reason must not be empty"
	run cafe-deliver reject "$ID" --reason "$(printf 'bad\001byte')"
	assert_failure 65
	run cafe-deliver reject "$ID" --reason "$(head -c 501 /dev/zero | tr '\0' x)"
	assert_failure 65
	assert_output --partial "reason is too long (501 characters, at most 500)"
	run cafe-deliver dispatch "$ID" --rider "$(head -c 201 /dev/zero | tr '\0' r)"
	assert_failure 65
	assert_output --partial "rider is too long"
	[ "$(event_count)" -eq "$before" ]
}

@test "order-N is accepted as an order id" {
	place latte; start "$ID"
	run cafe-deliver ready "order-$ID"
	assert_success
	assert_output "$ID ready"
}

@test "a missing database is an I/O error, and is not created" {
	db_remove
	run cafe-deliver ready 1
	assert_failure 74
	assert_output --partial "cafe-log init"
	no_db
}

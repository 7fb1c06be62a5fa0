#!/usr/bin/env bats
# 2010-pay: cafe-pay list, show and refund (lib/view/payments.c): the payments
# view folded from the payment-N streams, and the manual refund rule.
# Payments go through the built-in sim processor; events that only the
# daemon's policies append (PaymentRefunded, RefundFailed, PaymentVoided)
# are written as fixtures with sqlite3.

bats_require_minimum_version 1.5.0
load helpers/setup

local_setup() {
	use_config <<-EOF
		payment:
		  sim: {decline_over: 5000}
	EOF
	cafe-log -q init
}

# Appends one event as a policy would: STREAM TYPE DATA ORDER_ID.
append_event() {
	log-append --corr "$4" "$1" "$2" "$3" >/dev/null
}

# Order 1 approved (4000), order 2 declined (8000 is over decline_over).
two_orders() {
	cafe-order place latte >/dev/null
	run -1 cafe-order place latte --qty 2
}

FIELDS='["amount","currency","decided_at","key","order_id","reason","ref","refund_error","refund_reason","refund_ref","refund_requested_at","refunded","requested_at","status","tenders","updated_at","void_ref"]'

@test "list: one JSON object per payment with the documented fields" {
	two_orders
	run --separate-stderr cafe-pay --json list
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_equal "$(jq -c 'keys' <<<"${lines[0]}")" "$FIELDS"
	assert_equal "$(jq -c 'keys' <<<"${lines[1]}")" "$FIELDS"
	assert_equal "$(jq -c '[.order_id, .status, .amount, .currency, .reason, .refund_reason]' \
	    <<<"${lines[0]}")" '[1,"approved",4000,"KRW",null,null]'
	jq -e '(.ref | startswith("sim-charge-")) and (.key | length == 32) and
	    (.requested_at <= .decided_at) and .decided_at == .updated_at' <<<"${lines[0]}"
	assert_equal "$(jq -c '[.order_id, .status, .amount, .ref, .reason]' <<<"${lines[1]}")" \
	    '[2,"declined",8000,null,"amount over limit"]'
}

@test "list: a table for people" {
	two_orders
	run --separate-stderr cafe-pay list
	assert_success
	assert_line --index 0 --regexp '^ORDER  STATUS    +AMOUNT  REF +UPDATED \(UTC\) +DETAIL$'
	assert_line --index 1 --regexp '^ +1  approved +4,000  sim-charge-[0-9a-f]+  [0-9]{2}:[0-9]{2}:[0-9]{2}'
	assert_line --index 2 --regexp '^ +2  declined +8,000 +[0-9]{2}:[0-9]{2}:[0-9]{2} +amount over limit$'
}

@test "list --status and --order filter; --status failed means refund_failed" {
	two_orders
	cafe-order place tea >/dev/null
	append_event payment-3 RefundRequested '{"order_id":3,"amount":2500,"reason":"cancelled"}' 3
	append_event payment-3 RefundFailed '{"order_id":3,"error":"card expired","attempts":8}' 3
	run cafe-pay --json list --status approved
	assert_equal "$(jq -c .order_id <<<"$output" | paste -sd,)" 1
	run cafe-pay --json list --status declined
	assert_equal "$(jq -c .order_id <<<"$output" | paste -sd,)" 2
	run cafe-pay --json list --status failed
	assert_equal "$(jq -c '[.order_id, .status, .refund_error, .refund_reason]' <<<"$output")" \
	    '[3,"refund_failed","card expired","cancelled"]'
	run cafe-pay --json list --status refund_failed
	assert_equal "$(jq -c .order_id <<<"$output")" 3
	run cafe-pay --json list --order 2
	assert_equal "$(jq -c .order_id <<<"$output")" 2
	run cafe-pay --json list --order 2 --status approved
	assert_success
	assert_output ''
	run cafe-pay --json list --order 99
	assert_success
	assert_output ''
}

@test "list follows refunds and voids through to their end" {
	two_orders
	cafe-order place tea >/dev/null
	append_event payment-1 RefundRequested '{"order_id":1,"amount":4000,"reason":"cancelled"}' 1
	append_event payment-1 PaymentRefunded '{"order_id":1,"amount":4000,"ref":"sim-refund-1"}' 1
	append_event payment-3 PaymentVoided '{"order_id":3,"amount":2500,"ref":"sim-void-3","reason":"no order after 60 s"}' 3
	run cafe-pay --json list --status refunded
	assert_equal "$(jq -c '[.order_id, .refund_ref, .refund_reason]' <<<"$output")" \
	    '[1,"sim-refund-1","cancelled"]'
	run cafe-pay --json list --status voided
	assert_equal "$(jq -c '[.order_id, .void_ref, .reason]' <<<"$output")" \
	    '[3,"sim-void-3","no order after 60 s"]'
}

@test "a charge the processor failed stays requested" {
	use_config <<-EOF
		payment:
		  sim: {failure_rate: 1.0}
	EOF
	run -69 cafe-order place latte
	run cafe-pay --json list
	assert_equal "$(jq -c '[.order_id, .status, .ref, .decided_at]' <<<"$output")" \
	    '[1,"requested",null,null]'
}

@test "refund appends RefundRequested on payment-N and the view shows it pending" {
	two_orders
	before=$(event_count)
	run --separate-stderr cafe-pay --json refund 1 --reason 'spilled at the counter'
	assert_success
	assert_equal "$(jq -c 'del(.requested_at)' <<<"$output")" \
	    '{"order_id":1,"status":"refund_pending","amount":4000,"tenders":[{"tender":"card","amount":4000}],"charged":4000,"refunded":0,"reason":"spilled at the counter","order_cancelled":true}'
	ts=$(jq -r .requested_at <<<"$output")
	# Not made yet: the same batch cancels the order (its own test below).
	assert_equal "$(event_count)" $((before + 2))
	assert_equal "$(db_sql "select stream, version, type, data, ts,
	    (meta->>'correlation_id') from events order by seq desc limit 1 offset 1")" \
	    "payment-1|3|RefundRequested|{\"order_id\":1,\"amount\":4000,\"reason\":\"spilled at the counter\"}|$ts|1"
	run cafe-pay --json list --order 1
	assert_equal "$(jq -c '[.status, .refund_reason, .refund_requested_at]' <<<"$output")" \
	    "[\"refund_pending\",\"spilled at the counter\",\"$ts\"]"
}

@test "refund without --reason says 'manual refund'; people get one line" {
	two_orders
	run --separate-stderr cafe-pay refund 1
	assert_success
	assert_output '1 refund requested (4,000 KRW of 4,000); the order is cancelled: it was not made yet'
	assert_equal "$(db_sql "select (data->>'reason') from events
	    where type = 'RefundRequested'")" 'manual refund'
}

@test "refund is refused for a pending refund, a refunded, declined, voided or unknown order" {
	two_orders
	cafe-order place tea >/dev/null
	cafe-order place mocha >/dev/null
	cafe-pay refund 1 >/dev/null
	append_event payment-3 RefundRequested '{"order_id":3,"amount":2500,"reason":"x"}' 3
	append_event payment-3 PaymentRefunded '{"order_id":3,"amount":2500,"ref":"r"}' 3
	append_event payment-4 PaymentVoided '{"order_id":4,"amount":4500,"ref":"v"}' 4
	before=$(event_count)
	run -1 cafe-pay refund 1
	assert_output "cafe-pay: order 1 already has a refund pending (see 'cafe-pay show 1')"
	run -1 cafe-pay refund 2
	assert_output "cafe-pay: the payment of order 2 was declined, not approved: there is nothing to refund"
	run -1 cafe-pay refund 3
	assert_output 'cafe-pay: order 3 is already refunded'
	run -1 cafe-pay refund 4
	assert_output "cafe-pay: the payment of order 4 was voided, not approved: there is nothing to refund"
	run -1 cafe-pay --json refund 99
	assert_output "cafe-pay: unknown order 99 (see 'cafe-pay list')"
	assert_equal "$(event_count)" "$before"
}

@test "refund is refused for a charge that never got an answer" {
	use_config <<-EOF
		payment:
		  sim: {failure_rate: 1.0}
	EOF
	run -69 cafe-order place latte
	before=$(event_count)
	run -1 cafe-pay refund 1
	assert_output 'cafe-pay: order 1 was never paid: the processor gave no answer (the reconcile policy voids the charge)'
	assert_equal "$(event_count)" "$before"
}

@test "a refund that failed may be requested again" {
	two_orders
	cafe-pay refund 1 >/dev/null
	append_event payment-1 RefundFailed '{"order_id":1,"error":"timeout","attempts":8}' 1
	run cafe-pay --json refund 1 --reason 'second try'
	assert_success
	run cafe-pay --json show 1
	assert_equal "$(jq -c '[.status, .refund_reason, .refund_error]' <<<"$output")" \
	    '["refund_pending","second try",null]'
}

@test "a partial refund: part of what is left, never more than was charged" {
	use_config </dev/null
	cafe-order place latte:2+oat >/dev/null
	run --separate-stderr cafe-pay --json refund 1 --amount 1200 --reason 'no oat after all'
	assert_success
	assert_equal "$(jq -c '[.amount, .charged, .refunded, .status]' <<<"$output")" \
	    '[1200,9200,0,"refund_pending"]'
	append_event payment-1 PaymentRefunded '{"order_id":1,"amount":1200,"ref":"r1"}' 1
	run cafe-pay --json show 1
	assert_equal "$(jq -c '[.status, .amount, .refunded]' <<<"$output")" \
	    '["partially_refunded",9200,1200]'
	run cafe-trace --json list
	assert_equal "$(jq -r .payment_status <<<"$output")" partially_refunded
	run cafe-pay --json list --status partially_refunded
	assert_equal "$(jq -r .order_id <<<"$output")" 1
	before=$(event_count)
	run -1 cafe-pay refund 1 --amount 8001
	assert_output 'cafe-pay: order 1: only 8000 is left to refund (of 9200 charged), not 8001'
	assert_equal "$(event_count)" "$before"
	# Without --amount: all that is left.
	run cafe-pay refund 1
	assert_success
	assert_output '1 refund requested (8,000 KRW of 9,200); the order is cancelled: it was not made yet'
	run -1 cafe-pay refund 1 --amount 1
	assert_output "cafe-pay: order 1 already has a refund pending (see 'cafe-pay show 1')"
	append_event payment-1 PaymentRefunded '{"order_id":1,"amount":8000,"ref":"r2"}' 1
	run cafe-pay --json show 1
	assert_equal "$(jq -c '[.status, .refunded]' <<<"$output")" '["refunded",9200]'
	before=$(event_count)
	run -1 cafe-pay refund 1 --amount 1
	assert_output 'cafe-pay: order 1 is already refunded'
	assert_equal "$(event_count)" "$before"
}

@test "a failed partial refund is owed, and may be asked for again" {
	cafe-order place latte >/dev/null
	cafe-pay refund 1 --amount 1000 >/dev/null
	append_event payment-1 RefundFailed '{"order_id":1,"amount":1000,"error":"timeout","attempts":8}' 1
	run cafe-pay --json show 1
	assert_equal "$(jq -c '[.status, .refunded]' <<<"$output")" '["refund_failed",0]'
	run -1 cafe-pay refund 1 --amount 4001
	assert_output 'cafe-pay: order 1: only 4000 is left to refund (of 4000 charged), not 4001'
	run cafe-pay refund 1 --amount 1000
	assert_success
	append_event payment-1 PaymentRefunded '{"order_id":1,"amount":1000,"ref":"r"}' 1
	run cafe-pay --json show 1
	assert_equal "$(jq -c '[.status, .refunded]' <<<"$output")" '["partially_refunded",1000]'
}

@test "bad input is refused with 64 or 65 and appends nothing" {
	two_orders
	before=$(event_count)
	for a in 0 -5 abc 1.5 '' 1e3; do
		run -65 cafe-pay refund 1 --amount "$a"
		assert_output "cafe-pay: --amount wants a whole number from 1 (in the smallest unit of the currency), not '$a'"
	done
	run -64 cafe-pay refund 1 --amount
	assert_output "cafe-pay: option '--amount' needs a value (see 'cafe-pay --help')"
	run -64 cafe-pay list --amount 5
	run -65 cafe-pay refund abc
	assert_output "cafe-pay: 'abc' is not an order id"
	run -65 cafe-pay refund 0
	run -65 cafe-pay refund 1 --reason "$(printf 'bad\001')"
	assert_output 'cafe-pay: reason is not valid UTF-8 text (control characters or bad bytes)'
	run -65 cafe-pay refund 1 --reason "$(head -c 501 /dev/zero | tr '\0' x)"
	assert_output 'cafe-pay: reason is too long (501 characters, at most 500)'
	run -65 cafe-pay show x
	run -65 cafe-pay list --order -3
	run -64 cafe-pay refund
	assert_output "cafe-pay: 'refund' needs one order id (see 'cafe-pay --help')"
	run -64 cafe-pay refund 1 2
	run -64 cafe-pay show
	run -64 cafe-pay list 1
	assert_output "cafe-pay: 'list' takes no arguments (use --order ID) (see 'cafe-pay --help')"
	run -64 cafe-pay list --status paid
	assert_output --partial "cafe-pay: unknown status 'paid'"
	run -64 cafe-pay show 1 --status approved
	assert_output "cafe-pay: 'show' takes no --status (see 'cafe-pay --help')"
	run -64 cafe-pay list --reason x
	run -64 cafe-pay refund 1 --order 1
	run -64 cafe-pay refund 1 --reason
	assert_output "cafe-pay: option '--reason' needs a value (see 'cafe-pay --help')"
	run -64 cafe-pay pay 1
	assert_output "cafe-pay: unknown subcommand 'pay' (see 'cafe-pay --help')"
	run -64 cafe-pay
	assert_equal "$(event_count)" "$before"
}

# A script that retries after a timeout must not refund twice.
@test "refund --key: a retry answers the first refund and appends nothing" {
	cafe-order place latte >/dev/null
	run --separate-stderr cafe-pay --json refund 1 --amount 600 --key r-1
	assert_success
	first=$output
	before=$(event_count)
	run --separate-stderr cafe-pay --json refund 1 --amount 600 --key r-1
	assert_success
	assert_equal "$output" "$first"
	assert_equal "$stderr" ""
	assert_equal "$(event_count)" "$before"
	assert_equal "$(jq -c '[.amount, .refunded, .charged]' <<<"$output")" '[600,0,4000]'
	assert_equal "$(db_sql "SELECT count(*) FROM events WHERE type = 'RefundRequested'")" 1
	# After the refund went through, the same key still answers the same.
	cafe-daemon -q run --once
	run cafe-pay refund 1 --amount 600 --key r-1
	assert_success
	assert_output '1 refund requested (600 KRW of 4,000)'
	assert_equal "$(db_sql "SELECT count(*) FROM events WHERE type = 'RefundRequested'")" 1
	# A new key is a new refund.
	run cafe-pay -q refund 1 --amount 600 --key r-2
	assert_success
	assert_equal "$(db_sql "SELECT count(*) FROM events WHERE type = 'RefundRequested'")" 2
}

@test "a key is one command's: reused for another, or empty, it is refused and nothing appended" {
	cafe-order place latte --key p-1 >/dev/null
	cafe-order place tea >/dev/null
	cafe-pay -q refund 2 --amount 100 --key r-2
	before=$(event_count)
	run --separate-stderr cafe-pay refund 1 --key p-1
	assert_failure 65
	assert_equal "$stderr" "cafe-pay: key 'p-1' was already used for another command (PaymentRequested, order 1)"
	run --separate-stderr cafe-pay refund 1 --key r-2
	assert_failure 65
	assert_equal "$stderr" "cafe-pay: key 'r-2' was already used for another command (RefundRequested, order 2)"
	for cmd in "cafe-pay refund 1" "cafe-order place latte" "cafe-order cancel 1"; do
		run --separate-stderr $cmd --key ''
		assert_failure 64
		assert_equal "$stderr" "${cmd%% *}: --key wants a key: an empty one would be no key, and a retry would do it twice (see '${cmd%% *} --help')"
	done
	run --separate-stderr cafe-order place --batch <<<'{"product":"latte","key":""}'
	assert_failure 65
	assert_equal "$stderr" "cafe-order: stdin:1: key must not be empty (leave it out for no key)"
	assert_equal "$(event_count)" "$before"
}

# Seed 002: "payment cancelled -> delivery cancelled".
@test "a refund of everything before the drink is made cancels the order; after, it stays a refund" {
	cafe-order place latte >/dev/null
	cafe-order place tea >/dev/null
	cafe-daemon -q run --once
	run cafe-pay refund 1 --reason 'wrong order'
	assert_success
	assert_output '1 refund requested (4,000 KRW of 4,000); the order is cancelled: it was not made yet'
	assert_equal "$(db_sql "SELECT type FROM events WHERE stream = 'order-1' ORDER BY seq DESC LIMIT 1")" OrderCancelled
	assert_equal "$(db_sql "SELECT data->>'reason' FROM events WHERE type = 'OrderCancelled'")" 'wrong order'
	cafe-daemon -q run --once
	run cafe-trace --json show 1
	run jq -r '.type' <<<"$output"
	assert_line DeliveryCancelled
	assert_line StockReleased
	assert_line PaymentRefunded
	assert_equal "$(cafe-trace --json list | jq -c 'select(.order_id == 1) | [.order_status, .payment_status, .delivery_status]')" '["cancelled","refunded","cancelled"]'
	# Made: the whole charge back is a refund, and the order stands.
	cafe-deliver -q ready 2
	run cafe-pay --json refund 2
	assert_success
	assert_equal "$(jq -c '[.amount, .order_cancelled]' <<<"$output")" '[2500,false]'
	cafe-daemon -q run --once
	assert_equal "$(cafe-trace --json list | jq -c 'select(.order_id == 2) | [.order_status, .payment_status, .delivery_status]')" '["paid","refunded","ready"]'
}

@test "part of a charge, then the rest before it is made: the rest cancels it; a retry with its key appends nothing" {
	cafe-order place latte >/dev/null
	cafe-pay -q refund 1 --amount 1000
	cafe-daemon -q run --once
	run cafe-pay --json refund 1 --key rest
	assert_success
	assert_equal "$(jq -c '[.amount, .refunded, .order_cancelled]' <<<"$output")" '[3000,1000,true]'
	first=$output
	before=$(event_count)
	run cafe-pay --json refund 1 --key rest
	assert_equal "$output" "$first"
	assert_equal "$(event_count)" "$before"
}

@test "show: one payment with its stream's events; an unknown order is refused" {
	two_orders
	cafe-pay refund 1 --reason cold >/dev/null
	run --separate-stderr cafe-pay --json show 1
	assert_success
	assert_equal "$(jq -c '.events | map(.type)' <<<"$output")" \
	    '["PaymentRequested","PaymentApproved","RefundRequested"]'
	assert_equal "$(jq -c '.events[2] | [(.seq | type), .data.reason, (.ts | test("Z$"))]' \
	    <<<"$output")" '["number","cold",true]'
	assert_equal "$(jq -c 'del(.events) | keys' <<<"$output")" "$FIELDS"
	run --separate-stderr cafe-pay show 1
	assert_line --regexp '^status +refund_pending$'
	assert_line --regexp '^refund_reason +cold$'
	assert_line --regexp '^ +[0-9]+  RefundRequested +20'
	run -1 cafe-pay show 42
	assert_output "cafe-pay: unknown order 42 (see 'cafe-pay list')"
}

@test "the view catches up from its checkpoint and is rebuilt from the log" {
	two_orders
	cafe-pay refund 1 >/dev/null
	first=$(cafe-pay --json list)
	assert_equal "$(db_sql "select seq from checkpoints where name = 'payments'")" \
	    "$(db_sql 'select max(seq) from events')"
	cafe-order place tea >/dev/null
	assert_equal "$(cafe-pay --json list | wc -l)" 3
	db_sql "drop table payments; delete from checkpoints where name = 'payments'"
	run cafe-pay --json list
	assert_equal "$(head -2 <<<"$output")" "$first"
	assert_equal "${#lines[@]}" 3
}

@test "--help prints the synopsis" {
	run cafe-pay --help
	assert_success
	assert_line --index 0 --partial 'usage: cafe-pay [--db PATH] [--config PATH] [--json] [-q] list'
	assert_line --partial 'cafe-pay breaker [reset]'
}

@test "a new, empty log: list shows nothing, show refuses an unknown order" {
	cafe-log -q init
	run cafe-pay list
	assert_success
	run cafe-pay --json list
	assert_success
	assert_output ""
	run cafe-pay show 1
	assert_failure 1
	assert_output "cafe-pay: unknown order 1 (see 'cafe-pay list')"
	[ "$(event_count)" = 0 ]
}

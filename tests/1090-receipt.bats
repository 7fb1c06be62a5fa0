#!/usr/bin/env bats
# 1090-receipt: cafe-order receipt - the items with their choices and
# prices, the tax (included, or charged on top), the payment and the
# refunds, for people (local time, amounts grouped by thousands) and as
# JSON (whole numbers, UTC).

load helpers/setup

bats_require_minimum_version 1.5.0

@test "a receipt: items, choices, prices, tax included, payment; JSON and people" {
	use_config <<-EOF
	timezone: Asia/Seoul
	tax: {rate_percent: 10, included: true}
	EOF
	cafe-order place latte:2+large+oat americano --customer kim --address 'table 4' >/dev/null
	run --separate-stderr cafe-order --json receipt 1
	assert_success
	run jq -c '[.order_id, .customer, .address, .subtotal, .total, .currency, .tax,
	    .payment.status, (.payment.ref | startswith("sim-")), .refunds,
	    (.placed_at | test("^[0-9-]{10}T[0-9:.]{12}Z$"))]' <<<"$output"
	assert_output '[1,"kim","table 4",13200,13200,"KRW",{"rate_percent":10,"amount":1200,"included":true},"approved",true,[],true]'
	run cafe-order --json receipt 1
	run jq -c '.items' <<<"$output"
	assert_output '[{"product":"latte","qty":2,"options":["large","oat"],"unit_price":5100,"total":10200},{"product":"americano","qty":1,"options":["regular"],"unit_price":3000,"total":3000}]'
	run cafe-order receipt 1
	assert_success
	assert_line --index 0 --regexp '^Ticket 1  Order 1, placed 20[0-9-]+ [0-9:]+ KST$'
	assert_line --index 1 'For kim, table 4'
	assert_line --index 2 --regexp '^ITEM +CHOICES +QTY +PRICE +AMOUNT$'
	assert_line --index 3 --regexp '^latte +large, oat +2 +5,100 +10,200$'
	assert_line --index 4 --regexp '^americano +regular +1 +3,000 +3,000$'
	assert_line --regexp '^Subtotal +13,200 KRW$'
	assert_line --regexp '^Tax 10% \(included\) +1,200 KRW$'
	assert_line --regexp '^Total +13,200 KRW$'
	assert_line --regexp '^Paid by card +13,200 KRW  sim-charge-[0-9a-f]+$'
}

@test "tax charged on top: the charge and the receipt's total include it" {
	use_config <<-EOF
	tax: {rate_percent: 7, included: false}
	EOF
	run cafe-order --json place latte tea
	output=$(jq -c 'del(.link)' <<<"$output")  # the link: its own test
	assert_output '{"order_id":1,"status":"paid","total":6955,"ticket":1,"tenders":[{"tender":"card","amount":6955}],"change":0}'
	run db_sql "SELECT (data->>'amount') FROM events WHERE type = 'PaymentApproved'"
	assert_output 6955
	run cafe-order --json receipt 1
	run jq -c '[.subtotal, .tax, .total]' <<<"$output"
	assert_output '[6500,{"rate_percent":7,"amount":455,"included":false},6955]'
	# The tax of an order is what it was when placed.
	use_config </dev/null
	run cafe-order --json receipt 1
	run jq -c '[.subtotal, .tax.amount, .total]' <<<"$output"
	assert_output '[6500,455,6955]'
	run cafe-order receipt 1
	assert_line --regexp '^Tax 7% \(added\) +455 KRW$'
}

@test "refunds are on the receipt, each with its reason and time" {
	cafe-order place latte:2+oat >/dev/null
	cafe-pay refund 1 --amount 600 --reason 'no oat left' >/dev/null
	cafe-daemon -q run --once
	run cafe-order --json receipt 1
	run jq -c '[.payment.status, [.refunds[] | [.amount, .reason, (.ts | test("Z$"))]]]' \
	    <<<"$output"
	assert_output '["partially_refunded",[[600,"no oat left",true]]]'
	run env TZ=UTC cafe-order receipt 1
	assert_line --regexp '^Refunded 20[0-9-]+ [0-9:]+ UTC +-600 KRW  no oat left$'
}

@test "receipt refuses what is no order: 1, 65, 64, and appends nothing" {
	cafe-order place tea >/dev/null
	before=$(event_count)
	run --separate-stderr cafe-order receipt 7
	assert_failure 1
	assert_equal "$stderr" "cafe-order: unknown order 7 (see 'cafe-trace list')"
	run --separate-stderr cafe-order receipt seven
	assert_failure 65
	assert_equal "$stderr" "cafe-order: 'seven' is not an order id"
	run --separate-stderr cafe-order receipt
	assert_failure 64
	assert_equal "$stderr" "cafe-order: 'receipt' needs one order id (see 'cafe-order --help')"
	run --separate-stderr cafe-order receipt 1 2
	assert_failure 64
	run --separate-stderr cafe-order receipt 1 --customer x
	assert_failure 64
	assert_equal "$stderr" "cafe-order: 'receipt' takes no --customer (see 'cafe-order --help')"
	assert_equal "$(event_count)" "$before"
	# A declined attempt is no order either.
	use_config <<-EOF
	payment: {sim: {decline_over: 1000}}
	EOF
	run -1 cafe-order place latte
	run --separate-stderr cafe-order receipt 2
	assert_failure 1
	assert_equal "$stderr" "cafe-order: unknown order 2 (see 'cafe-trace list')"
}

# Amounts stay whole numbers in the smallest unit; people read them in the
# currency's minor unit (ISO 4217) everywhere staff look.
@test "a currency with cents: 455 is 4.55 USD in every table, receipt, report and message" {
	use_config <<-EOF
	currency: USD
	menu:
	  - {name: tea, price: 455}
	  - {name: cake, price: 123456}
	notify: {channels: [{type: file, path: $T/messages.log}]}
	EOF
	cafe-order place tea cake >/dev/null
	run cafe-order menu
	assert_line --regexp '^tea +4\.55 +-'
	assert_line --regexp '^cake +1,234\.56 +-'
	run cafe-order receipt 1
	assert_line --regexp '^tea +1 +4\.55 +4\.55$'
	assert_line --regexp '^Total +1,239\.11 USD$'
	run cafe-pay refund 1 --amount 55
	assert_output '1 refund requested (0.55 USD of 1,239.11)'
	run cafe-pay show 1
	assert_line --regexp '^amount +1,239\.11$'
	run cafe-pay list
	assert_line --regexp '^ +1 +refund_pending +1,239\.11 '
	cafe-daemon -q run --once
	cafe-notify -q send --once
	run cafe-trace list
	assert_line --regexp '^ +1 +tea \+ cake +2 +1,239\.11 '
	run cafe-trace report
	assert_line --regexp '^gross +1,239\.11 USD$'
	assert_line --regexp '^refunds +-0\.55 USD$'
	assert_line --regexp '^cake +1 +1,234\.56$'
	run cafe-trace stats
	assert_line --index 1 'revenue    1,238.56 USD (charged 1,239.11, refunded 0.55)'
	run jq -r .text "$T/messages.log"
	assert_line 'Order 1: thank you, 1,239.11 USD received for your tea + cake'
	assert_line 'Order 1: 0.55 USD has been refunded to you'
	# JSON keeps the smallest unit.
	run cafe-order --json receipt 1
	assert_equal "$(jq -c '[.total, .refunds[0].amount]' <<<"$output")" '[123911,55]'
	run cafe-trace --json report
	assert_equal "$(jq -c '[.gross, .net]' <<<"$output")" '[123911,123856]'
}

@test "currencies without a minor unit and with three digits: KRW, JPY, BHD" {
	for cur in KRW:4,500 JPY:4,500 BHD:4.500; do
		db_remove
		use_config <<-EOF
		currency: ${cur%%:*}
		menu: [{name: tea, price: 4500}]
		EOF
		cafe-order place tea >/dev/null
		run cafe-order receipt 1
		assert_line --regexp "^Total +${cur#*:} ${cur%%:*}\$"
	done
}

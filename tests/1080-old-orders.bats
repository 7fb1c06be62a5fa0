#!/usr/bin/env bats
# 1080-old-orders: a log written before orders had items (one product per
# OrderPlaced: product, qty, unit_price) keeps working. The fixture,
# tests/fixtures/single-item-orders.db, was made by the suite as it stood
# then: four orders (delivered, cancelled, rejected, still brewing), the
# daemon's work done, and its projections in their older shape.

load helpers/setup

bats_require_minimum_version 1.5.0

local_setup() {
	cp "$CAFE_TOP/tests/fixtures/single-item-orders.db" "$T/old.db"
	if on_pg; then
		cafe-log --db "$T/old.db" export | cafe-log import >/dev/null
	else
		cp "$T/old.db" "$CAFE_DB"
	fi
}

@test "the old log verifies, and the trace reads each OrderPlaced as one item" {
	run cafe-log verify
	assert_success
	assert_output "cafe-log: ok: 46 events checked"
	run cafe-trace --json list
	assert_success
	run jq -c '[.order_id, .product, .qty, .total, .items, .order_status,
	    .delivery_status]' <<<"$output"
	assert_output '[1,"latte x2",2,8000,[{"product":"latte","qty":2,"options":[],"unit_price":4000,"total":8000}],"delivered","delivered"]
[2,"americano",1,3000,[{"product":"americano","qty":1,"options":[],"unit_price":3000,"total":3000}],"cancelled","cancelled"]
[3,"tea x3",3,7500,[{"product":"tea","qty":3,"options":[],"unit_price":2500,"total":7500}],"rejected","cancelled"]
[4,"mocha",1,4500,[{"product":"mocha","qty":1,"options":[],"unit_price":4500,"total":4500}],"paid","brewing"]'
	run cafe-trace list
	assert_line --index 1 --regexp '^ +1 +kim +latte x2 +2 +8,000 +delivered'
}

@test "the kitchen queue, a cancel and its compensation work on an old order" {
	run cafe-deliver list
	assert_success
	assert_line --index 1 --regexp '^ +4 +brewing +mocha +1 '
	run cafe-order cancel 4 --reason 'too slow'
	assert_success
	cafe-daemon -q run --once
	run cafe-trace --json show 4
	assert_line --partial '"type":"RefundRequested"'
	assert_line --partial '"type":"PaymentRefunded"'
	run db_sql "SELECT (data->>'text') FROM events WHERE type = 'NotificationQueued'
	    AND CAST(data->>'order_id' AS INTEGER) = 4 ORDER BY seq DESC LIMIT 2"
	assert_output --partial 'Order 4: your mocha is cancelled'
}

@test "a new order of several items goes on after the old ones, stock and all" {
	run cafe-order --json stock latte
	assert_output '{"product":"latte","price":4000,"stock":98}'
	run cafe-order place latte:2+oat americano
	assert_success
	assert_output 5
	run cafe-order --json stock latte
	assert_output '{"product":"latte","price":4000,"stock":96}'
	cafe-daemon -q run --once
	run cafe-trace --json list
	run jq -c 'select(.order_id == 5) | [.product, .qty, .total, .delivery_status]' \
	    <<<"$output"
	assert_output '["latte x2 + americano",3,12200,"brewing"]'
	run cafe-log verify
	assert_success
}

#!/usr/bin/env bats
# cafe-trace stats (orders, revenue, cancellations, payment-to-delivery
# times overall and per hour, a bar chart; --json for scripts) and
# cafe-trace rebuild, including a view of an older shape.

load helpers/setup
load helpers/trace-log

local_setup() {
	day_log > "$T/day.jsonl"
	cafe-log -q import --rechain < "$T/day.jsonl"
}

@test "stats --json: the day's figures, overall and per hour" {
	run cafe-trace --json stats
	assert_success
	# Delivered: order 2 in 30 minutes, order 3 in 10 (nearest rank).
	# Revenue is what the café kept: 16500 charged, less order 1's refund.
	# Order 4's refund failed: kept, but owed to the customer.
	run jq -c '{orders, delivered, cancelled, rejected, revenue, charged, refunds,
	    owed, voids, currency, delivery_p50_ms, delivery_p90_ms}' <<<"$output"
	assert_output '{"orders":4,"delivered":2,"cancelled":1,"rejected":1,"revenue":12500,"charged":16500,"refunds":4000,"owed":4500,"voids":0,"currency":"KRW","delivery_p50_ms":600000,"delivery_p90_ms":1800000}'
	# Per hour, as the close-out counts: orders, charges and delivery
	# times with the hour an order was placed; a cancellation, a refund,
	# a failed refund with the hour it happened (order 1's, at 11:00).
	run cafe-trace --json stats
	run jq -c '.hours[]' <<<"$output"
	assert_line --index 0 '{"hour":"2026-01-01T09:00:00Z","orders":1,"delivered":0,"cancelled":0,"rejected":0,"revenue":4000,"charged":4000,"refunds":0,"owed":0,"voids":0,"delivery_p50_ms":null,"delivery_p90_ms":null}'
	assert_line --index 1 '{"hour":"2026-01-01T10:00:00Z","orders":3,"delivered":2,"cancelled":0,"rejected":1,"revenue":12500,"charged":12500,"refunds":0,"owed":4500,"voids":0,"delivery_p50_ms":600000,"delivery_p90_ms":1800000}'
	assert_line --index 2 '{"hour":"2026-01-01T11:00:00Z","orders":0,"delivered":0,"cancelled":1,"rejected":0,"revenue":-4000,"charged":0,"refunds":4000,"owed":0,"voids":0,"delivery_p50_ms":null,"delivery_p90_ms":null}'
	# The same as the day's close-out.
	run cafe-trace --json report --day 2026-01-01
	run jq -c '[.orders, .gross, .refunds, .owed, .voids, .cancelled, .rejected]' <<<"$output"
	assert_output '[4,16500,4000,4500,0,1,1]'
}

@test "stats --since and --as-of" {
	run cafe-trace --json stats --since 2026-01-01T10:00:00Z
	run jq -c '[.orders, .cancelled, (.hours | length)]' <<<"$output"
	assert_output '[3,1,2]'
	# At 10:26 only order 3 was delivered, and order 1 not yet cancelled.
	run cafe-trace --json stats --as-of 2026-01-01T10:26:00Z
	run jq -c '[.orders, .delivered, .cancelled, .revenue, .delivery_p50_ms]' <<<"$output"
	assert_output '[3,1,0,12000,600000]'
}

@test "stats for people: totals and a bar per hour" {
	LANG=C run cafe-trace stats
	assert_success
	assert_line --index 0 "orders     4 (delivered 2, cancelled 1, rejected 1)"
	assert_line --index 1 "revenue    12,500 KRW (charged 16,500, refunded 4,000)"
	assert_line --index 2 "owed       4,500 KRW (refunds that failed: see 'cafe-pay list --status failed')"
	assert_line --index 3 "delivery   p50 10m00s, p90 30m00s (from payment to delivery)"
	assert_line --regexp '^2026-01-01 09:00 +1 +4,000 +0 +0 +- +- +#+$'
	assert_line --regexp '^2026-01-01 10:00 +3 +12,500 +0 +1 +10m00s +30m00s +#+$'
	assert_line --regexp '^2026-01-01 11:00 +0 +-4,000 +1 +0 +- +-$'
	assert_line --regexp '^HOUR \(UTC\) +ORDERS'
	# The busiest hour has the longest bar.
	short=$(grep '09:00' <<<"$output" | tr -cd '#' | wc -c)
	long=$(grep '10:00' <<<"$output" | tr -cd '#' | wc -c)
	[ "$long" -gt "$short" ]
	LANG=C.UTF-8 run cafe-trace stats
	assert_output --partial "█"
}

@test "stats of an empty log" {
	run cafe-trace --db "$T/empty.db" --json stats
	assert_failure 74
	cafe-log --db "$T/empty.db" -q init
	run cafe-trace --db "$T/empty.db" --json stats
	assert_success
	assert_output '{"orders":0,"delivered":0,"cancelled":0,"rejected":0,"revenue":0,"charged":0,"refunds":0,"owed":0,"voids":0,"delivery_p50_ms":null,"delivery_p90_ms":null,"hours":[],"currency":"KRW"}'
	run cafe-trace --db "$T/empty.db" stats
	assert_line --index 0 "orders     0 (delivered 0, cancelled 0, rejected 0)"
}

@test "stats takes only --since and --as-of" {
	n=$(event_count)
	run cafe-trace stats --limit 3
	assert_failure 64
	assert_output "cafe-trace: 'stats' takes only --since and --as-of (see 'cafe-trace --help')"
	run cafe-trace stats now
	assert_failure 64
	[ "$(event_count)" -eq "$n" ]
}

@test "rebuild folds the whole log again and answers the same" {
	before=$(cafe-trace --json list)
	run cafe-trace rebuild
	assert_success
	assert_output "cafe-trace: trace rebuilt from 25 events"
	[ "$(cafe-trace --json list)" = "$before" ]
	run cafe-trace --json rebuild
	assert_output '{"events":25}'
	run cafe-trace -q rebuild
	assert_output ""
	run cafe-trace rebuild now
	assert_failure 64
}

@test "a view of an older shape is folded again on the next answer" {
	cafe-trace list >/dev/null
	# The shape before delivered_at, with the checkpoint at the head.
	db_sql "DROP TABLE order_trace;
	    CREATE TABLE order_trace(order_id INTEGER PRIMARY KEY, customer TEXT NOT NULL,
	    product TEXT NOT NULL, qty INTEGER NOT NULL, total INTEGER NOT NULL,
	    order_status TEXT NOT NULL, payment_status TEXT NOT NULL,
	    delivery_status TEXT NOT NULL, messages INTEGER NOT NULL,
	    placed_at TEXT NOT NULL, updated_at TEXT NOT NULL, address TEXT NOT NULL,
	    rider TEXT NOT NULL, amount INTEGER NOT NULL)"
	run cafe-trace --json list
	assert_success
	assert_equal "${#lines[@]}" 4
	run db_sql "SELECT count(*) FROM order_trace WHERE delivered_at <> ''"
	assert_output 2
}

@test "stats for people: hours in the shop's zone, named in the heading" {
	use_config <<<'timezone: Asia/Seoul'
	LANG=C run cafe-trace stats
	assert_success
	assert_line --regexp '^HOUR \(KST\) +ORDERS +REVENUE'
	assert_line --regexp '^2026-01-01 18:00 +1 +4,000 +0'
	assert_line --regexp '^2026-01-01 20:00 +0 +-4,000 +1'
}

#!/usr/bin/env bats
# 4010-trace: `cafe-trace list` and `show` over what cafe-order wrote - the
# fields of DESIGN §6, read-after-write, the filters, one order's history
# in log order, and what they refuse.

load helpers/setup
load helpers/foundation

bats_require_minimum_version 1.5.0

# Three orders by two customers (2 cancelled), and a declined attempt (3).
orders() {
	use_config <<-EOF
	payment:
	  sim: {decline_over: 10000}
	EOF
	cafe-order place latte --qty 2 --customer kim --address 'table 4' >/dev/null
	cafe-order place tea --customer lee >/dev/null
	! cafe-order place mocha --qty 3 --customer kim 2>/dev/null
	cafe-order place americano --customer kim >/dev/null
	cafe-order cancel 2 --reason 'left' >/dev/null
}

ids() {
	jq -r .order_id <<<"$output" | tr '\n' ' '
}

@test "an empty log lists nothing; a missing one is an error" {
	run cafe-trace list
	assert_failure 74
	assert_output "$(no_log_msg cafe-trace)"
	no_db
	cafe-log -q init
	run cafe-trace --json list
	assert_success
	assert_output ""
	run cafe-trace list
	assert_success
	refute_output --regexp $'\n'
}

@test "list --json: the fields of DESIGN §6, with their types" {
	orders
	run cafe-trace --json list
	assert_success
	assert_equal "$(ids)" "1 2 4 "
	run jq -c 'select(.order_id == 1) | [.order_id, .customer, .product, .qty, .total,
	    .order_status, .payment_status, .delivery_status, .messages]' <<<"$output"
	assert_output '[1,"kim","latte x2",2,8000,"paid","approved","pending",0]'
	run cafe-trace --json list
	run jq -r '[.order_id, .order_status, .payment_status, .delivery_status] | @tsv' <<<"$output"
	assert_output "1	paid	approved	pending
2	cancelled	approved	cancelled
4	paid	approved	pending"
	run cafe-trace --json list
	run jq -c 'has("order_id") and has("customer") and has("product") and has("qty")
	    and has("total") and has("order_status") and has("payment_status")
	    and has("delivery_status") and has("messages") and has("placed_at")
	    and has("updated_at") and (.placed_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{3}Z$"))
	    and .updated_at >= .placed_at' <<<"$output"
	assert_output "true
true
true"
	# placed_at is the OrderPlaced's ts, updated_at the order's last event's.
	run cafe-trace --json list
	assert_equal "$(jq -r 'select(.order_id == 2) | .placed_at + " " + .updated_at' <<<"$output")" \
	    "$(db_sql "SELECT (SELECT ts FROM events WHERE type = 'OrderPlaced' AND stream = 'order-2') || ' ' ||
	        (SELECT ts FROM events WHERE type = 'OrderCancelled')")"
}

@test "list for people: a table with a header" {
	orders
	run cafe-trace
	assert_success
	assert_line --index 0 --regexp '^ORDER +CUSTOMER +PRODUCT +QTY +TOTAL +ORDER +PAYMENT +DELIVERY +MSGS +AT \(UTC\)$'
	assert_line --index 1 --regexp '^ +1 +kim +latte x2 +2 +8,000 +paid +approved +pending +0 +[0-9]{2}:[0-9]{2}:[0-9]{2}$'
	assert_line --index 2 --regexp '^ +2 +lee +tea +1 +2,500 +cancelled +approved +cancelled +0 '
	assert_equal "${#lines[@]}" 4
}

@test "read after write: every order shows up at once" {
	for i in 1 2 3 4 5 6 7 8 9 10; do
		id=$(cafe-order place tea --customer "c$i")
		run cafe-trace --json list --customer "c$i"
		assert_output --partial "\"order_id\":$id,"
		if (( i % 3 == 0 )); then
			cafe-order cancel "$id" >/dev/null
			run cafe-trace --json show "$id"
			assert_equal "$(jq -r .type <<<"$output" | tail -1)" OrderCancelled
			run cafe-trace --json list --status cancelled --customer "c$i"
			assert_equal "$(ids)" "$id "
		fi
	done
	run cafe-trace --json list
	assert_equal "$(wc -l <<<"$output")" 10
}

@test "--customer, --status, --since and --limit filter the list" {
	orders
	run cafe-trace --json list --customer kim
	assert_equal "$(ids)" "1 4 "
	run cafe-trace --json list --customer ki
	assert_output ""
	run cafe-trace --json list --status cancelled
	assert_equal "$(ids)" "2 "
	run cafe-trace --json list --status paid
	assert_equal "$(ids)" "1 4 "
	run cafe-trace --json list --status approved
	assert_equal "$(ids)" "1 2 4 "
	# Called off before the kitchen started: its delivery is cancelled too.
	run cafe-trace --json list --status pending --customer lee
	assert_equal "$(ids)" ""
	run cafe-trace --json list --status cancelled --customer lee
	assert_equal "$(ids)" "2 "
	# The latest N, still oldest first.
	run cafe-trace --json list --limit 2
	assert_equal "$(ids)" "2 4 "
	run cafe-trace --json list --limit 1 --customer kim
	assert_equal "$(ids)" "4 "
	run cafe-trace --json list --since 2000-01-01
	assert_equal "$(ids)" "1 2 4 "
	run cafe-trace --json list --since 2999-01-01
	assert_output ""
	since=$(db_sql "SELECT ts FROM events WHERE type = 'OrderPlaced' AND stream = 'order-2'")
	run cafe-trace --json list --since "$since"
	assert_equal "$(ids)" "2 4 "
	run cafe-trace --json list --since "$since" --limit 1 --customer kim
	assert_equal "$(ids)" "4 "
}

@test "show: every event of the order, in log order, with seq, type, stream, ts, data, meta" {
	orders
	run cafe-trace --json show 2
	assert_success
	run jq -c 'keys_unsorted' <<<"$output"
	assert_output '["seq","type","stream","ts","data","meta"]
["seq","type","stream","ts","data","meta"]
["seq","type","stream","ts","data","meta"]
["seq","type","stream","ts","data","meta"]'
	# The same rows the log holds for correlation id 2, in seq order.
	if on_pg; then
		row="json_build_array(seq, type, stream, ts, data, meta)"
	else
		row="json_array(seq, type, stream, ts, json(data), json(meta))"
	fi
	run cafe-trace --json show 2
	assert_equal "$(jq -c '[.seq, .type, .stream, .ts, .data, .meta]' <<<"$output")" \
	    "$(db_sql "SELECT $row FROM events WHERE (meta->>'correlation_id') = '2'
	        ORDER BY seq" | jq -c .)"
	assert_equal "$(jq -r .type <<<"$output" | tr '\n' ' ')" \
	    "PaymentRequested OrderPlaced PaymentApproved OrderCancelled "
	run cafe-trace show order-1
	assert_success
	assert_line --index 0 --regexp '^SEQ +TIME +EVENT +STREAM +DATA'
	assert_line --index 4 --regexp '^ +8 +[0-9-]+ [0-9:]+ UTC +StockReserved +stock-latte +\{"order_id":1,"product":"latte","qty":2,"stock":100\}$'
	assert_equal "${#lines[@]}" 5
}

@test "show of a declined attempt: its two payment events" {
	orders
	run cafe-trace --json show 3
	assert_success
	assert_equal "$(jq -r .type <<<"$output" | tr '\n' ' ')" "PaymentRequested PaymentDeclined "
	run cafe-trace --json list
	refute_output --partial '"order_id":3,'
}

@test "list and show refuse bad input" {
	orders
	before=$(event_count)
	run cafe-trace show 99
	assert_failure 1
	assert_output "cafe-trace: unknown order 99 (see 'cafe-trace list')"
	run cafe-trace show abc
	assert_failure 65
	assert_output --partial "cafe-trace: 'abc' is not an order id"
	run cafe-trace show
	assert_failure 64
	run cafe-trace show 1 2
	assert_failure 64
	run cafe-trace list --status frob
	assert_failure 64
	assert_output --partial "cafe-trace: unknown status 'frob'"
	run cafe-trace list --since bogus
	assert_failure 64
	assert_output --partial "cafe-trace: --since wants a time like"
	for n in 0 -1 abc; do
		run cafe-trace list --limit "$n"
		assert_failure 64
		assert_output "cafe-trace: --limit wants a whole number from 1, not '$n' (see 'cafe-trace --help')"
	done
	run cafe-trace frob
	assert_failure 64
	assert_output --partial "cafe-trace: unknown subcommand 'frob'"
	run cafe-trace show 1 --limit 2
	assert_failure 64
	assert_equal "$(event_count)" "$before"
}

@test "list works for a user who may read the log but not write it" {
	unwritable_dir
	CAFE_DB=$RO/cafe.db cafe-order place latte --customer kim >/dev/null
	make_unwritable "$RO"
	as_other sh -c ": >>'$RO/cafe.db'" 2>/dev/null &&
	    skip "this user can still write '$RO/cafe.db'"
	run --separate-stderr as_other "$CAFE_TOP/bin/cafe-trace" --db "$RO/cafe.db" --json list
	assert_success
	assert_equal "$(jq -r '.order_id, .customer' <<<"$output" | tr '\n' ' ')" "1 kim "
	run as_other "$CAFE_TOP/bin/cafe-trace" --db "$RO/cafe.db" --json show 1
	assert_success
	assert_equal "$(wc -l <<<"$output")" 4
}

@test "the daemon's fold ahead is folded again when a reader moved the view meanwhile" {
	cafe-order place latte --customer kim >/dev/null
	cafe-order place tea --customer lee >/dev/null
	cafe-trace list >/dev/null
	log-append notify-m1 NotificationSent '{"order_id":1,"first":true}' >/dev/null
	# Folded ahead: order 1's message. Meanwhile another program appends
	# order 2's and catches the view up past both.
	run trace-ahead "$CAFE_DB" 'log-append notify-m2 NotificationSent '"'"'{"order_id":2,"first":true}'"'"' >/dev/null && cafe-trace list >/dev/null'
	assert_success
	assert_output "applied=0"
	# Nothing was counted twice, nothing lost: the view is a fold of the log.
	live=$(cafe-trace --json list)
	assert_equal "$live" "$(cafe-trace --json list --as-of 2999-01-01)"
	assert_equal "$(jq -s -c 'map(.messages)' <<<"$live")" '[1,1]'
}

@test "the daemon's fold ahead is written as it stands when nothing moved" {
	cafe-order place latte --customer kim >/dev/null
	cafe-trace list >/dev/null
	log-append notify-m1 NotificationSent '{"order_id":1,"first":true}' >/dev/null
	run trace-ahead "$CAFE_DB" true
	assert_success
	assert_output "applied=1"
	assert_equal "$(db_sql "SELECT messages FROM order_trace")" 1
	assert_equal "$(db_sql "SELECT seq FROM checkpoints WHERE name = 'trace'")" \
	    "$(db_sql "SELECT max(seq) FROM events")"
}

@test "people read local times with the zone; JSON stays UTC; --since is local" {
	use_config <<-EOF
	timezone: Asia/Seoul
	EOF
	faked -f '@2026-12-01 14:30:00' -- cafe-order place latte --customer kim >/dev/null
	run cafe-trace --json list
	assert_regex "$(jq -r .placed_at <<<"$output")" "^2026-12-01T14:30:00\.[0-9]{3}Z$"
	run cafe-trace list
	assert_line --index 0 --regexp 'AT \(KST\)$'
	# 23:30 in Seoul, on a day that is not today for the clock of the test.
	assert_line --index 1 --regexp ' 12-01 23:30$| 2026-12-01$'
	run cafe-trace show 1
	assert_line --index 1 --regexp '^ +1  2026-12-01 23:30:00 KST  PaymentRequested '
	# The shop's midnight, not UTC's: the order is in Seoul's 1 December.
	run cafe-trace --json list --since 2026-12-01
	assert_equal "$(jq -r .order_id <<<"$output")" 1
	run cafe-trace --json list --since '2026-12-01 23:31'
	assert_output ''
	run cafe-trace --json list --since 2026-12-01T14:29:00Z
	assert_equal "$(jq -r .order_id <<<"$output")" 1
	# $TZ, when the config names no zone.
	use_config </dev/null
	run env TZ=America/New_York cafe-trace show 1
	assert_line --index 1 --regexp '^ +1  2026-12-01 09:30:00 EST  PaymentRequested '
	run env TZ=UTC cafe-trace list --since '2026-12-01 14:31'
	assert_equal "${#lines[@]}" 1
}

@test "a list longer than a table keeps in memory: every row, in order, aligned to the widest" {
	# Tables hold 2048 rows, then wait in a temporary file until printed;
	# the widest customer comes last, after the first rows went to disk.
	for ((i = 1; i <= 2100; i++)); do
		echo "{\"product\":\"tea\",\"customer\":\"c$i\"}"
	done >"$T/in.jsonl"
	echo '{"product":"tea","customer":"the widest customer of all"}' >>"$T/in.jsonl"
	cafe-order place --batch <"$T/in.jsonl" >/dev/null
	run cafe-trace list
	assert_success
	assert_equal "${#lines[@]}" 2102
	assert_equal "$(cafe-trace list | awk 'NR > 1 { print $1 }' | sort -n -c && echo sorted)" sorted
	assert_equal "$(cafe-trace list | awk 'NR > 1 { print $1 }' | tail -1)" 2101
	# Row 1 went to disk and back: padded to the widest name, as the header.
	head=$(cafe-trace list | head -1)
	first=$(cafe-trace list | sed -n 2p)
	assert_equal "$(expr index "$head" P)" "$(( $(echo "$first" | grep -bo 'tea' | head -1 | cut -d: -f1) + 1 ))"
	assert_equal "$(cafe-trace list | awk '{ print length($0) }' | sort -u | wc -l)" 1
}

# The README: projections can be dropped at any time. A dropped one is
# folded again from the start of the log, not from its old checkpoint.
@test "a projection dropped under a live log is rebuilt whole when next read" {
	cafe-order place latte --customer kim >/dev/null
	cafe-order place tea >/dev/null
	cafe-daemon -q run --once
	cafe-trace list >/dev/null
	cafe-pay list >/dev/null
	cafe-notify list >/dev/null
	cafe-trace report >/dev/null
	db_sql "DROP TABLE order_trace; DROP TABLE payments; DROP TABLE notify_outbox;
	    DROP TABLE sales; DROP TABLE sales_orders"
	cafe-order place mocha >/dev/null
	run cafe-trace --json list
	assert_success
	assert_equal "$(jq -s -c 'map(.order_id) | sort' <<<"$output")" '[1,2,3]'
	assert_equal "$(jq -s -c 'map(select(.order_id == 1)) | .[0].customer' <<<"$output")" '"kim"'
	run cafe-pay --json list
	assert_equal "$(jq -s -c 'map(.order_id)' <<<"$output")" '[1,2,3]'
	run cafe-notify --json list
	[ "$(jq -s 'map(.order_id) | unique | length' <<<"$output")" -eq 2 ]
	run cafe-trace --json report
	assert_equal "$(jq -c '[.orders, .gross]' <<<"$output")" '[3,11000]'
}

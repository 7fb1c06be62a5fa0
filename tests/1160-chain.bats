#!/usr/bin/env bats
# 1160-chain: many shops on one log (DESIGN §15). Each terminal's config
# names its shop; the shop goes into every event's meta, and tickets, stock,
# the till, the boards and the close-out are the shop's. The menu is the
# chain's, with a shop's own prices. A daemon serves the shops it is given.
# Shop names with spaces and Korean throughout; make check-pg runs it all on
# PostgreSQL too, where the events' ts is the server's clock.

bats_require_minimum_version 1.5.0
load helpers/setup
load helpers/daemon

local_setup() {
	printf 'shop: Gangnam Station\n' >"$T/gangnam.yaml"
	printf 'shop: "강남 2호점"\n' >"$T/korean.yaml"
	printf 'shop: main\n' >"$T/main.yaml"
}

at() {	# SHOP-CONFIG COMMAND ARGS...: a terminal of that shop
	local c=$1
	shift
	CAFE_CONFIG="$T/$c.yaml" "$@"
}

shop_of() {	# ORDER: the shop in its OrderPlaced's meta
	db_sql "SELECT meta->>'shop' FROM events WHERE type = 'OrderPlaced'
	    AND CAST(data->>'order_id' AS INTEGER) = $1"
}

@test "every event names its shop; tickets and stock are each shop's own" {
	run at main cafe-order place latte --customer ann
	assert_success
	run at gangnam cafe-order place latte --customer bo
	assert_success
	run at gangnam cafe-order --json place mocha --customer cy
	assert_success
	assert_equal "$(jq -r .ticket <<<"$output")" 2
	run at korean cafe-order --json place latte --customer dee
	assert_success
	assert_equal "$(jq -r .ticket <<<"$output")" 1
	# Every event has a shop; the orders' are where they were placed.
	assert_equal "$(db_sql "SELECT count(*) FROM events WHERE meta->>'shop' IS NULL")" 0
	assert_equal "$(shop_of 1)|$(shop_of 2)|$(shop_of 4)" "main|Gangnam Station|강남 2호점"
	run cafe-trace --json list --shop all
	assert_success
	assert_equal "$(jq -sc 'map([.order_id, .shop, .ticket])' <<<"$output")" \
	    '[[1,"main",1],[2,"Gangnam Station",1],[3,"Gangnam Station",2],[4,"강남 2호점",1]]'
	# Without --shop, a terminal lists its own shop's orders.
	run at gangnam cafe-trace --json list
	assert_equal "$(jq -sc 'map(.order_id)' <<<"$output")" '[2,3]'
	# Stock: each shop counts down from the menu's level on its own.
	run at gangnam cafe-order --json menu
	assert_equal "$(jq -c 'select(.product == "latte") | .stock' <<<"$output")" 99
	run at gangnam cafe-order stock latte --set 5
	assert_success
	run at korean cafe-order --json menu
	assert_equal "$(jq -c 'select(.product == "latte") | .stock' <<<"$output")" 99
	run at main cafe-order --json menu --shop "Gangnam Station"
	assert_equal "$(jq -c 'select(.product == "latte") | .stock' <<<"$output")" 5
}

@test "a shop's own price and menu; the chain's price changes leave it; the log says what was charged where" {
	at main cafe-order place latte >/dev/null
	at gangnam cafe-order place latte >/dev/null
	run cafe-order menu set latte --shop "Gangnam Station" --price 5000
	assert_success
	assert_output "latte changed"
	run cafe-order menu remove mocha --shop "Gangnam Station"
	assert_success
	run cafe-order menu set latte --price 4200
	assert_success
	run at gangnam cafe-order --json place latte
	assert_success
	assert_equal "$(jq .total <<<"$output")" 5000
	run at main cafe-order --json place latte
	assert_equal "$(jq .total <<<"$output")" 4200
	run at korean cafe-order --json place latte
	assert_equal "$(jq .total <<<"$output")" 4200
	before=$(event_count)
	run at gangnam cafe-order place mocha
	assert_failure 1
	assert_output --partial "unknown product 'mocha'"
	assert_equal "$(event_count)" "$before"
	run at main cafe-order place mocha
	assert_success
	# The charge and the shop, side by side in the log.
	assert_equal "$(db_sql "SELECT meta->>'shop', data->>'total' FROM events
	    WHERE type = 'OrderPlaced' AND CAST(data->>'order_id' AS INTEGER) IN (3, 4)
	    ORDER BY seq")" "Gangnam Station|5000
main|4200"
	# A shop sets a price only; the chain's menu is one.
	before=$(event_count)
	run cafe-order menu set latte --shop "Gangnam Station" --code lt
	assert_failure 64
	assert_output --partial "'menu set --shop' takes only --price"
	run cafe-order menu add tea2 --price 100 --shop "Gangnam Station"
	assert_failure 64
	assert_output --partial "--shop goes with 'menu', 'menu set' and 'menu remove'"
	assert_equal "$(event_count)" "$before"
}

@test "a --shop the log has never seen: 1, naming the shops it knows; nothing appended" {
	at gangnam cafe-order place latte >/dev/null
	at korean cafe-order place latte >/dev/null
	before=$(event_count)
	known="it knows 'Gangnam Station', '강남 2호점'"
	run cafe-trace list --shop Nowhere
	assert_failure 1
	assert_output "cafe-trace: no shop 'Nowhere' in the log ($known)"
	run cafe-trace report --shop "gangnam station"
	assert_failure 1
	assert_output "cafe-trace: no shop 'gangnam station' in the log ($known)"
	run cafe-order menu set latte --shop Nowhere --price 1
	assert_failure 1
	assert_output "cafe-order: no shop 'Nowhere' in the log ($known)"
	run cafe-daemon run --once --shop Nowhere
	assert_failure 1
	assert_output "cafe-daemon: no shop 'Nowhere' in the log ($known)"
	# all is the chain, never one shop's menu; a shop's policy is named
	# POLICY@SHOP, and the policy must be one there is.
	run cafe-order menu set latte --shop all --price 1
	assert_failure 64
	assert_output "cafe-order: --shop all is the chain's menu: leave --shop out"
	run cafe-daemon retry "nope@Gangnam Station"
	assert_failure 64
	assert_output --partial "unknown policy 'nope@Gangnam Station'"
	assert_equal "$(event_count)" "$before"
	assert_equal "$(db_sql "SELECT count(*) FROM events WHERE type = 'DeliveryStarted'")" 0
}

@test "shop: in the config: not 'all', no ':' or ',', not empty: 78, one line, nothing appended" {
	at main cafe-order place latte >/dev/null
	before=$(event_count)
	for bad in 'all' '"a:b"' '"a,b"' '""' '[x]'; do
		printf 'shop: %s\n' "$bad" >"$T/bad.yaml"
		run at bad cafe-order place latte
		assert_failure 78
		assert_output --regexp "^cafe-order: $T/bad.yaml:1: shop: "
		assert_equal "${#lines[@]}" 1
	done
	assert_equal "$(event_count)" "$before"
}

@test "the till is the shop's: its cash only; another shop's drawer stays closed" {
	run at gangnam cafe-pay till open --float 10000
	assert_success
	run at gangnam cafe-order place latte --tender cash
	assert_success
	before=$(event_count)
	run at korean cafe-order place latte --tender cash
	assert_failure 1
	assert_output --partial "open it with 'cafe-pay till open --float N'"
	assert_equal "$(event_count)" "$before"
	run at korean cafe-pay till open --float 500
	assert_success
	run at korean cafe-order place mocha --tender cash
	assert_success
	run at gangnam cafe-pay --json till
	assert_equal "$(jq -c '[.float, .cash_in, .expected]' <<<"$output")" '[10000,4000,14000]'
	run at korean cafe-pay --json till
	assert_equal "$(jq -c '[.float, .cash_in, .expected]' <<<"$output")" '[500,4500,5000]'
	assert_equal "$(db_sql "SELECT DISTINCT stream FROM events WHERE type = 'TillOpened'
	    ORDER BY stream")" "till-Gangnam Station
till-강남 2호점"
	run at gangnam cafe-pay till close --counted 14000
	assert_success
	run at korean cafe-pay --json till
	assert_equal "$(jq -r .status <<<"$output")" open
}

@test "the close-out per shop and for the chain, in every format" {
	at main cafe-order place latte >/dev/null
	at gangnam cafe-order place latte >/dev/null
	at gangnam cafe-order place mocha >/dev/null
	at korean cafe-order place latte --qty 2 >/dev/null
	run at gangnam cafe-trace --json report
	assert_success
	assert_equal "$(jq -c '[.shop, .orders, .gross]' <<<"$output")" '["Gangnam Station",2,8500]'
	run cafe-trace --json report --shop "강남 2호점"
	assert_equal "$(jq -c '[.shop, .orders, .gross]' <<<"$output")" '["강남 2호점",1,8000]'
	run cafe-trace --json report --shop all
	assert_success
	assert_equal "$(jq -c '[.shop, .orders, .gross, [.shops[] | [.shop, .orders, .gross]]]' \
	    <<<"$output")" \
	    '["all",4,20500,[["Gangnam Station",2,8500],["main",1,4000],["강남 2호점",1,8000]]]'
	run bash -c 'cafe-trace report --shop all --format csv | tr -d "\r"'
	assert_success
	assert_output "shop,orders,drinks,gross,refunds,net,tax,card,cash,cash_refunds,till_over_short
Gangnam Station,2,2,8500,0,8500,0,8500,0,0,
main,1,1,4000,0,4000,0,4000,0,0,
강남 2호점,1,2,8000,0,8000,0,8000,0,0,
all,4,5,20500,0,20500,0,20500,0,0,"
	run cafe-trace report --shop all
	assert_success
	assert_line --index 0 --regexp "^Close-out of .* the chain's 3 shops$"
	assert_line --regexp '^강남 2호점 +1 +8,000 +8,000 +0 +-$'
	assert_line --regexp '^chain +4 +20,500 +20,500 +0 +-$'
	run cafe-trace report --shop all --format html
	assert_success
	assert_output --partial '<table class="shops">'
	assert_output --partial '<tr><td>강남 2호점</td><td>1</td>'
}

@test "a daemon serves the shops it is given: its own by default, --shop all the rest, each once" {
	at main cafe-order place latte >/dev/null
	at gangnam cafe-order place latte >/dev/null
	at korean cafe-order place latte >/dev/null
	run at gangnam cafe-daemon -q run --once
	assert_success
	assert_equal "$(db_sql "SELECT meta->>'shop' FROM events WHERE type = 'DeliveryStarted'")" \
	    "Gangnam Station"
	run cafe-daemon --json status
	assert_equal "$(jq -r 'select(.policy == "start-delivery@Gangnam Station") | .shop' \
	    <<<"$output")" "Gangnam Station"
	run cafe-daemon -q run --once --shop all
	assert_success
	assert_equal "$(db_sql "SELECT meta->>'shop' FROM events WHERE type = 'DeliveryStarted'
	    ORDER BY CAST(data->>'order_id' AS INTEGER)")" "main
Gangnam Station
강남 2호점"
	run cafe-daemon -q run --once --shop all
	assert_success
	assert_equal "$(count DeliveryStarted)" 3
	# What a policy does follows the order: the Korean shop's stock goes
	# back to the Korean shop when its order is cancelled.
	run at korean cafe-order cancel 3
	assert_success
	run cafe-daemon -q run --once --shop "강남 2호점"
	assert_success
	assert_equal "$(db_sql "SELECT stream, meta->>'shop' FROM events WHERE type = 'StockReleased'")" \
	    "stock-강남 2호점:latte|강남 2호점"
}

@test "two daemons given the same shop share its leases: one works, one stands by, nothing twice" {
	use_config <<<'shop: Gangnam Station'
	cafe-order place latte >/dev/null
	start_daemon run
	first=$DAEMON
	wait_for '[ "$(holder "start-delivery@Gangnam Station")" = "$first" ]' 60
	start_daemon run --shop "Gangnam Station"
	second=$DAEMON
	for i in 1 2 3 4 5; do cafe-order place latte >/dev/null; done
	wait_for '[ "$(count DeliveryStarted)" -ge 6 ]' 60
	[ "$(holder "start-delivery@Gangnam Station")" = "$first" ]
	alive "$second"
	kill -KILL "$first"
	wait_for '[ "$(holder "start-delivery@Gangnam Station")" = "$second" ]' 60
	for i in 1 2 3; do cafe-order place latte >/dev/null; done
	wait_for '[ "$(count DeliveryStarted)" -ge 9 ]' 60
	no_duplicates
}

@test "on PostgreSQL an event's ts is the server's clock: a terminal a day behind cannot book yesterday" {
	on_pg || skip "PostgreSQL only: on SQLite the log's clock is its host's"
	command -v faketime >/dev/null || skip "no faketime"
	yesterday=$(date -u -d '-1 day' +%F)
	today=$(date -u +%F)
	run env ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0" \
	    faketime -f -1d cafe-order place latte --customer late
	assert_success
	run env ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0" \
	    faketime -f -1d cafe-order place latte --tender cash
	ts=$(db_sql "SELECT min(ts) FROM events")
	[[ $ts == "$today"T* ]] || fail "event stamped $ts, not today ($today)"
	run env TZ=UTC cafe-trace --json report --day "$today"
	assert_equal "$(jq .orders <<<"$output")" 1
	run env TZ=UTC cafe-trace --json report --day "$yesterday"
	assert_equal "$(jq .orders <<<"$output")" 0
}

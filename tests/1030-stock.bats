#!/usr/bin/env bats
# 1030-stock: `cafe-order menu` and `cafe-order stock` - the menu with
# stock levels, setting and adding stock, and what they refuse.

load helpers/setup
load helpers/foundation

bats_require_minimum_version 1.5.0

refused() {	# STATUS MESSAGE ARGS...
	local want=$1 msg=$2 before
	shift 2
	before=$(event_count)
	run --separate-stderr cafe-order "$@"
	assert_failure "$want"
	assert_equal "$output" ""
	assert_equal "$stderr" "cafe-order: $msg"
	assert_equal "$(event_count)" "$before"
}

@test "menu: the built-in products, a table and JSON Lines" {
	run cafe-order menu
	assert_success
	assert_output "PRODUCT    PRICE  STOCK
americano   3000    100
latte       4000    100
mocha       4500      -
tea         2500      -"
	run cafe-order --json menu
	assert_success
	assert_output '{"product":"americano","price":3000,"stock":100}
{"product":"latte","price":4000,"stock":100}
{"product":"mocha","price":4500,"stock":null}
{"product":"tea","price":2500,"stock":null}'
	run cafe-order --json stock
	assert_success
	assert_line --index 3 '{"product":"tea","price":2500,"stock":null}'
	assert_equal "$(event_count)" 0
}

@test "stock PRODUCT shows one level; placing lowers it" {
	cafe-order place latte --qty 3 >/dev/null
	run cafe-order stock latte
	assert_success
	assert_output "PRODUCT  STOCK
latte       97"
	run cafe-order --json stock latte
	assert_output '{"product":"latte","price":4000,"stock":97}'
	run cafe-order stock tea
	assert_output "PRODUCT  STOCK
tea          -"
}

@test "stock --set and --add append StockAdjusted with the new level" {
	run cafe-order stock latte --set 5
	assert_success
	assert_output "latte 5"
	run cafe-order stock latte --add 3
	assert_output "latte 8"
	run cafe-order --json stock latte --add -8
	assert_output '{"product":"latte","price":4000,"stock":0}'
	run db_sql "SELECT stream || ' ' || version || ' ' || data FROM events ORDER BY seq"
	assert_output 'stock-latte 1 {"product":"latte","stock":5}
stock-latte 2 {"product":"latte","stock":8}
stock-latte 3 {"product":"latte","stock":0}'
	run cafe-order -q stock latte --set 2
	assert_output ""
	run cafe-order place latte --qty 3
	assert_failure 1
}

@test "--set starts tracking an untracked product" {
	refused 1 "stock of 'tea' is not tracked (use --set to start tracking it)" stock tea --add 1
	run cafe-order stock tea --set 1
	assert_success
	run cafe-order place tea
	assert_success
	refused 1 "out of stock: no tea left" place tea
	run cafe-order --json stock tea
	assert_output '{"product":"tea","price":2500,"stock":0}'
}

@test "stock refuses unknown products and levels below zero with 1" {
	refused 1 "unknown product 'lattee' (see 'cafe-order menu')" stock lattee
	refused 1 "unknown product 'lattee' (see 'cafe-order menu')" stock lattee --set 3
	refused 1 "stock of 'latte' cannot go below 0 (it is 100)" stock latte --add -101
}

@test "stock refuses bad numbers with 65" {
	for n in -1 abc 1.5 '' 1000000001; do
		refused 65 "--set wants a whole number from 0, not '$n'" stock latte --set "$n"
	done
	for n in abc 1e3 2000000000; do
		refused 65 "--add wants a whole number, not '$n'" stock latte --add "$n"
	done
	cafe-order stock latte --set 1000000000 >/dev/null
	refused 65 "stock level 1000000001 is too large" stock latte --add 1
}

@test "stock and menu usage errors: 64" {
	refused 64 "'stock' takes at most one product (see 'cafe-order --help')" stock latte tea
	refused 64 "give --set or --add, not both (see 'cafe-order --help')" stock latte --set 1 --add 1
	refused 64 "--set and --add need a product (see 'cafe-order --help')" stock --set 2
	refused 64 "'stock' takes no --qty (see 'cafe-order --help')" stock latte --qty 2
	refused 64 "'menu' takes no --qty (see 'cafe-order --help')" menu --qty 2
	refused 64 "'menu' takes no arguments (see 'cafe-order --help')" menu latte
}

@test "the level a product starts from is the log's: editing the config's stock changes nothing" {
	use_config <<'EOF'
menu:
  - {name: latte, price: 4000, stock: 10}
EOF
	for i in 1 2 3; do cafe-order -q place latte; done
	run cafe-order --json stock latte
	assert_output --partial '"stock":7'
	# The snapshot is the fold as the last placement read it, before its own
	# reservation: two reserved.
	[ "$(db_sql "SELECT level FROM stock_levels WHERE product = 'latte'")" = 8 ]
	# The first reservation recorded where the log starts from.
	run db_sql "SELECT version, data FROM events WHERE stream = 'stock-latte'
	    ORDER BY version LIMIT 1"
	assert_output '1|{"order_id":1,"product":"latte","qty":1,"stock":10}'
	sed -i 's/stock: 10/stock: 1/' "$CAFE_CONFIG"
	run cafe-order --json stock latte
	assert_output --partial '"stock":7'
	sed -i 's/stock: 1}/stock: 20}/' "$CAFE_CONFIG"
	run cafe-order --json stock latte
	assert_output --partial '"stock":7'
	# Dropping the snapshot loses nothing.
	db_sql "DROP TABLE stock_levels"
	run cafe-order --json stock latte
	assert_output --partial '"stock":7'
	cafe-order -q place latte
	run cafe-order --json stock latte
	assert_output --partial '"stock":6'
	# Only the stock command changes it.
	cafe-order -q stock latte --set 30
	run cafe-order --json stock latte
	assert_output --partial '"stock":30'
}

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
	assert_output "PRODUCT    PRICE  STOCK  OPTIONS
americano  3,000    100  size
latte      4,000    100  size, milk
mocha      4,500      -  size, milk
tea        2,500      -

OPTION  CHOICES (the first is the default)
size    regular, large +500
milk    whole, oat +600"
	run cafe-order --json menu
	assert_success
	assert_output '{"product":"americano","code":null,"price":3000,"stock":100,"options":{"size":{"regular":0,"large":500}}}
{"product":"latte","code":null,"price":4000,"stock":100,"options":{"size":{"regular":0,"large":500},"milk":{"whole":0,"oat":600}}}
{"product":"mocha","code":null,"price":4500,"stock":null,"options":{"size":{"regular":0,"large":500},"milk":{"whole":0,"oat":600}}}
{"product":"tea","code":null,"price":2500,"stock":null,"options":{}}'
	run cafe-order --json stock
	assert_success
	assert_line --index 3 '{"product":"tea","code":null,"price":2500,"stock":null,"options":{}}'
	assert_equal "$(event_count)" 0
}

@test "menu: UTF-8 names and codes line up in columns, as wcwidth counts them" {
	# A cup (wide), Hangul syllables (wide), the same Hangul decomposed
	# into jamo (a wide lead and zero-width vowels), and plain ASCII.
	use_config <<-EOF
	menu:
	  - {name: "☕ drip", price: 3000}
	  - {name: 카페라떼, code: klatte, price: 4500, options: [size]}
	  - {name: "$(printf '\xe1\x84\x8f\xe1\x85\xa1\xe1\x84\x91\xe1\x85\xa6')", price: 100}
	  - {name: tea, price: 2500}
	EOF
	for lang in C.UTF-8 C; do
		run env LANG=$lang LC_ALL= cafe-order menu
		assert_success
		# The PRICE column is right-aligned, so each line of the products
		# ends in the same screen column when every width is right.
		widths=$(sed -n '1,5p' <<<"$output" | while IFS= read -r l; do
			printf '%s' "$l" | sed 's/ *size$//; s/ *OPTIONS$//' | LC_ALL=C.UTF-8 wc -L
		done | sort -u | wc -l)
		assert_equal "$widths" 1
	done
	assert_line --index 2 --regexp '^카페라떼  klatte  4,500 +- +size$'
	run cafe-order --json stock klatte
	assert_output '{"product":"카페라떼","price":4500,"stock":null}'
	run cafe-order place klatte+large 카페라떼
	assert_success
	run cafe-trace --json list
	assert_equal "$(jq -r .product <<<"$output")" "카페라떼 x2"
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
	refused 64 "'menu' takes add, set, remove or import, not 'latte' (see 'cafe-order --help')" menu latte
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

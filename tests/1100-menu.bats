#!/usr/bin/env bats
# 1100-menu: the menu in the log (stream "menu"): seeded from the config on
# first use, changed with cafe-order menu add|set|remove|import, charged by
# every terminal whatever its own config says, as it stood with --as-of.

load helpers/setup

bats_require_minimum_version 1.5.0

menu_events() {
	db_sql "SELECT type || ' ' || (data->>'name') FROM events WHERE stream = 'menu'
	    ORDER BY seq"
}

# refused STATUS MESSAGE ARGS...: cafe-order ARGS fails so, appending nothing.
refused() {
	local want=$1 msg=$2 before
	shift 2
	before=$(event_count)
	run --separate-stderr cafe-order "$@"
	assert_failure "$want"
	assert_equal "$stderr" "cafe-order: $msg"
	assert_equal "$(event_count)" "$before"
}

@test "the first order writes the config's menu to the log, then itself" {
	use_config <<-EOF
	menu:
	  - {name: americano, price: 3000, stock: 100, options: [size]}
	  - {name: latte, price: 4000, stock: 100, options: [size, milk]}
	  - {name: mocha, price: 4500, options: [size, milk]}
	  - {name: tea, price: 2500}
	EOF
	run cafe-order menu
	assert_success
	no_db
	cafe-order place latte >/dev/null
	run menu_events
	assert_output "ProductAdded americano
ProductAdded latte
ProductAdded mocha
ProductAdded tea"
	run db_sql "SELECT data FROM events WHERE stream = 'menu' AND (data->>'name') = 'latte'"
	assert_output '{"name":"latte","price":4000,"options":{"size":{"regular":0,"large":500},"milk":{"whole":0,"oat":600}},"stock":100}'
	run db_sql "SELECT type FROM events WHERE stream <> 'menu' ORDER BY seq LIMIT 1"
	assert_output PaymentRequested
	# Only once.
	cafe-order place tea >/dev/null
	run db_sql "SELECT count(*) FROM events WHERE stream = 'menu'"
	assert_output 4
}

@test "menu add, set and remove: one event each, and what they change is charged" {
	run cafe-order --json menu add 'flat white' --price 4200 --code flat --options size,milk --stock 20
	assert_success
	assert_output '{"product":"flat white","status":"added"}'
	run cafe-order menu set latte --price 4300
	assert_output 'latte changed'
	run cafe-order menu set latte --price 4300
	assert_output 'latte unchanged'
	run cafe-order menu remove tea
	assert_output 'tea removed'
	run menu_events
	assert_output "ProductAdded americano
ProductAdded latte
ProductAdded mocha
ProductAdded tea
ProductAdded flat white
ProductChanged latte
ProductRemoved tea"
	run cafe-order --json menu
	run jq -c '[.product, .code, .price, .stock]' <<<"$output"
	assert_output '["americano",null,3000,100]
["latte",null,4300,100]
["mocha",null,4500,null]
["flat white","flat",4200,20]'
	run cafe-order --json place flat+oat latte
	output=$(jq -c 'del(.link)' <<<"$output")  # the link: its own test
	assert_output '{"order_id":1,"status":"paid","total":9100,"ticket":1,"tenders":[{"tender":"card","amount":9100}],"change":0}'
	run cafe-order --json stock 'flat white'
	assert_output '{"product":"flat white","price":4200,"stock":19}'
	refused 1 "unknown product 'tea' (the menu: americano, latte, mocha, flat white)" place tea
}

@test "a price change applies to orders placed after it, never to one charged" {
	cafe-order place latte >/dev/null
	cafe-order menu set latte --price 4500 >/dev/null
	cafe-order place latte >/dev/null
	run db_sql "SELECT (data->>'amount') FROM events WHERE type = 'PaymentApproved' ORDER BY seq"
	assert_output "4000
4500"
	run cafe-order --json receipt 1
	assert_equal "$(jq -c '[.items[0].unit_price, .total]' <<<"$output")" '[4000,4000]'
	run cafe-order --json menu --as-of "$(db_sql "SELECT ts FROM events WHERE type = 'OrderPlaced' ORDER BY seq LIMIT 1")"
	assert_equal "$(jq -r 'select(.product == "latte") | .price' <<<"$output")" 4000
	run cafe-order --json menu
	assert_equal "$(jq -r 'select(.product == "latte") | .price' <<<"$output")" 4500
}

# --as-of showed every product's stock as "-", which means "not tracked".
@test "the menu as it stood: its stock then, and - only where none was kept" {
	cafe-order menu add scone --price 2800 --stock 10 >/dev/null
	cafe-order place scone:2 >/dev/null
	then=$(db_sql "SELECT ts FROM events WHERE type = 'OrderPlaced' ORDER BY seq LIMIT 1")
	cafe-order place scone:3 tea >/dev/null
	run cafe-order --json menu --as-of "$then"
	assert_success
	assert_equal "$(jq -c 'select(.product == "scone" or .product == "tea") | [.product, .stock]' <<<"$output" | tr '\n' ' ')" \
	    '["tea",null] ["scone",8] '
	run cafe-order menu --as-of "$then"
	assert_line --regexp '^scone +2,800 +8 *$'
	assert_line --regexp '^tea +2,500 +- *$'
	run cafe-order --json menu
	assert_equal "$(jq -c 'select(.product == "scone") | .stock' <<<"$output")" 5
}

@test "the built-in menu is written with the first order, as a config's is" {
	cafe-order place latte >/dev/null
	run menu_events
	assert_output "ProductAdded americano
ProductAdded latte
ProductAdded mocha
ProductAdded tea"
	cafe-order menu set tea --price 2600 >/dev/null
	run menu_events
	assert_output "ProductAdded americano
ProductAdded latte
ProductAdded mocha
ProductAdded tea
ProductChanged tea"
}

@test "whichever terminal comes first, none loses a product another can sell" {
	cat >"$T/shop.yaml" <<-EOF
	menu:
	  - {name: americano, price: 3000}
	  - {name: scone, price: 2500}
	EOF
	# A terminal with a config first: one without one sells its menu.
	env CAFE_CONFIG="$T/shop.yaml" cafe-order place scone >/dev/null
	run --separate-stderr cafe-order --json place scone
	assert_success
	assert_equal "$(jq .total <<<"$output")" 2500
	run --separate-stderr cafe-order place americano
	assert_success
	# A terminal without one first: the one with a config charges the
	# log's menu, says that its own differs, and sells every product.
	db_remove
	cafe-order place latte >/dev/null
	run --separate-stderr env CAFE_CONFIG="$T/shop.yaml" cafe-order place latte
	assert_success
	assert_equal "$stderr" "cafe-order: warning: the config's menu differs from the log's (americano has other choices in the config); the log's is charged ('cafe-order menu import' applies the config's)"
}

@test "every terminal charges the log's menu; its own config's differs with a warning" {
	cafe-order menu import >/dev/null
	cafe-order place latte >/dev/null
	cat >"$T/other.yaml" <<-EOF
	menu:
	  - {name: latte, price: 9999, options: [size, milk]}
	  - {name: tea, price: 2500}
	EOF
	run --separate-stderr env CAFE_CONFIG="$T/other.yaml" cafe-order --json place latte
	assert_success
	output=$(jq -c 'del(.link)' <<<"$output")  # the link: its own test
	assert_output '{"order_id":2,"status":"paid","total":4000,"ticket":2,"tenders":[{"tender":"card","amount":4000}],"change":0}'
	assert_equal "$stderr" "cafe-order: warning: the config's menu differs from the log's (latte costs 9,999 in the config, 4,000 in the log); the log's is charged ('cafe-order menu import' applies the config's)"
	# The built-in menu (no menu: in the file) says nothing.
	run --separate-stderr cafe-order place tea
	assert_equal "$stderr" ""
	# import: the events that differ, and then the terminals agree.
	run env CAFE_CONFIG="$T/other.yaml" cafe-order --json menu import
	assert_output '{"added":0,"changed":1,"removed":0,"kept":2}'
	run env CAFE_CONFIG="$T/other.yaml" cafe-order --json menu import --prune
	assert_output '{"added":0,"changed":0,"removed":2,"kept":0}'
	run --separate-stderr env CAFE_CONFIG="$T/other.yaml" cafe-order --json place latte
	output=$(jq -c 'del(.link)' <<<"$output")  # the link: its own test
	assert_output '{"order_id":4,"status":"paid","total":9999,"ticket":4,"tenders":[{"tender":"card","amount":9999}],"change":0}'
	assert_equal "$stderr" ""
	run cafe-order menu import "$T/other.yaml"
	assert_output 'menu: 0 added, 0 changed, 0 removed'
}

@test "menu refusals and bad input: 1, 65 or 64, one line, nothing appended" {
	cafe-order place tea >/dev/null
	refused 1 "'latte' is on the menu already (change it with 'cafe-order menu set')" \
	    menu add latte --price 10
	refused 1 "unknown product 'chai' (see 'cafe-order menu'; add it with 'cafe-order menu add')" \
	    menu set chai --price 10
	refused 1 "unknown product 'chai' (see 'cafe-order menu')" menu remove chai
	refused 1 "no option group 'syrup' (the config's options: define it first, see cafe.yaml(5))" \
	    menu add chai --price 10 --options size,syrup
	refused 1 "'latte' is on the menu already, as latte" menu add chai --price 10 --code latte
	refused 65 "--price wants a whole number from 1 (in the smallest unit of the currency), not '0'" \
	    menu add chai --price 0
	refused 65 "--stock wants a whole number from 0, not '-1'" menu add chai --price 1 --stock -1
	refused 65 "--code wants a word of a-z, 0-9, '_' and '-' starting with a letter (at most 32), not 'Chai'" \
	    menu add chai --price 1 --code Chai
	refused 65 "a product's name must be text of at most 40 characters without ':', '+' or ',' (not starting with '-'), not 'chai:2'" \
	    menu add chai:2 --price 1
	refused 65 "--options wants option groups like size,milk, not 'Size'" \
	    menu set latte --options Size
	refused 64 "'menu add' needs --price (see 'cafe-order --help')" menu add chai
	refused 64 "'menu set' needs --price, --code or --options (see 'cafe-order --help')" \
	    menu set latte
	refused 64 "'menu' takes add, set, remove or import, not 'delete' (see 'cafe-order --help')" \
	    menu delete latte
	refused 64 "'menu add' needs one product (see 'cafe-order --help')" menu add --price 3
	refused 64 "'menu remove' takes only the product (see 'cafe-order --help')" \
	    menu remove latte --price 3
	refused 64 "'menu set' takes no --stock (use 'cafe-order stock --set') (see 'cafe-order --help')" \
	    menu set latte --stock 3
	refused 64 "--as-of goes with 'menu' alone (see 'cafe-order --help')" \
	    menu add chai --price 3 --as-of 2026-01-01
	refused 64 "--price, --code, --options and --stock go with 'menu add' or 'menu set' (see 'cafe-order --help')" \
	    menu --price 3
	refused 78 "$T/none.yaml: cannot read: No such file or directory" menu import "$T/none.yaml"
	refused 64 "--prune goes with 'menu import' (see 'cafe-order --help')" menu --prune
	refused 64 "--prune goes with 'menu import' (see 'cafe-order --help')" \
	    menu remove latte --prune
}

# An import removed every product the file did not name: a config without
# menu: (or with a shorter one) emptied the shop's menu without asking.
@test "menu import adds and changes; it removes only with --prune" {
	cat >"$T/shop.yaml" <<-EOF
	menu:
	  - {name: chai, price: 3500}
	  - {name: scone, price: 2800}
	EOF
	cafe-order --config "$T/shop.yaml" menu import >/dev/null
	cafe-order menu add cookie --price 1500 >/dev/null
	before=$(event_count)
	echo "timezone: Asia/Seoul" >"$T/nomenu.yaml"
	run --separate-stderr cafe-order --config "$T/nomenu.yaml" menu import
	assert_success
	assert_output "menu: 4 added, 0 changed, 0 removed; 3 not in the config kept (--prune removes them)"
	assert_equal "$(event_count)" $(( before + 4 ))
	run cafe-order --json menu
	assert_equal "$(jq -r .product <<<"$output" | sort | tr '\n' ' ')" \
	    "americano chai cookie latte mocha scone tea "
	# A shorter menu: the change is made, the rest kept; --prune removes it.
	printf 'menu:\n  - {name: chai, price: 3600}\n' >"$T/short.yaml"
	run cafe-order --json menu import "$T/short.yaml"
	assert_output '{"added":0,"changed":1,"removed":0,"kept":6}'
	run cafe-order menu import "$T/short.yaml" --prune
	assert_output "menu: 0 added, 0 changed, 6 removed"
	run cafe-order --json menu
	assert_equal "$(jq -c '[.product, .price]' <<<"$output")" '["chai",3600]'
}

@test "import refuses a menu event off the menu stream" {
	cafe-order menu import >/dev/null
	cafe-log export | jq -c 'select(.stream == "menu")' | head -1 |
	    jq -c '.stream = "menu-1"' >"$T/in.jsonl"
	run --separate-stderr cafe-log --db "$T/other.db" import <"$T/in.jsonl"
	assert_failure 65
	assert_equal "$stderr" "cafe-log: stdin:1: ProductAdded belongs on the 'menu' stream, not 'menu-1'"
}

@test "menu import applies the config in use: --config, as every command reads it" {
	cat >"$T/shop.yaml" <<-EOF
	menu:
	  - {name: chai, price: 3500}
	EOF
	run cafe-order --config "$T/shop.yaml" --json menu import
	assert_success
	assert_output '{"added":1,"changed":0,"removed":0,"kept":0}'
	run cafe-order --json menu
	assert_equal "$(jq -r .product <<<"$output")" chai
}

# Products were looked up by walking the menu, for every product of the
# config and of the log: 20,000 products took 6.7 s, 100,000 more than
# 30 s. The deadline here is a hang's, not a speed's (tests/bench/ has speed).
@test "a menu of 50,000 products: placing and importing do not hang" {
	awk 'BEGIN { print "menu:"; for (i = 0; i < 50000; i++) printf "- {name: p%d, price: %d}\n", i, 100 + i }' \
	    >"$T/big.yaml"
	export CAFE_CONFIG="$T/big.yaml"
	# A hang's deadline, wide enough for a sanitizer's build.
	run timeout 120 cafe-order --json place p49999
	assert_success
	assert_equal "$(jq .total <<<"$output")" 50099
	run timeout 120 cafe-order --json place p7 p49998
	assert_success
	assert_equal "$(jq .total <<<"$output")" $(( 107 + 50098 ))
	assert_equal "$(db_sql "SELECT count(*) FROM events WHERE stream = 'menu'")" 50000
	run timeout 120 cafe-order menu import
	assert_success
	assert_output 'menu: 0 added, 0 changed, 0 removed'
	unset CAFE_CONFIG
	run timeout 120 cafe-order --json place p25000
	assert_success
	assert_equal "$(jq .total <<<"$output")" 25100
}

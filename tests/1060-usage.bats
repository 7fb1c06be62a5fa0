#!/usr/bin/env bats
# 1060-usage: cafe-order's command line - usage errors exit 64 with one
# line that points at --help and touch nothing; --help and --version.
# (Each other exit status of DESIGN §6 is checked where its cause lives:
# 1, 65, 69, 78 in 1010-place, 1020-cancel, 1030-stock, 1040-batch; 74 and
# 75 in 0010-log.)

load helpers/setup
load helpers/foundation

bats_require_minimum_version 1.5.0

usage_error() {	# MESSAGE ARGS...
	local msg=$1
	shift
	run --separate-stderr cafe-order "$@"
	assert_failure 64
	assert_equal "$output" ""
	assert_equal "$stderr" "cafe-order: $msg (see 'cafe-order --help')"
}

@test "usage errors: 64, one line, nothing appended" {
	cafe-order place tea >/dev/null
	usage_error "no subcommand given"
	usage_error "no subcommand given" --json
	usage_error "unknown subcommand 'order'" order latte
	usage_error "unknown option '--frob'" place latte --frob
	usage_error "unknown option '-x'" -x menu
	usage_error "'menu' takes no --qty" menu --qty 2
	usage_error "'stock' takes no --customer" stock --customer kim
	usage_error "'cancel' takes no --address" cancel 1 --address x
	usage_error "'place' takes no --reason" place latte --reason x
	usage_error "option '--qty' needs a value" place latte --qty
	usage_error "option '--db' needs a value" menu --db
	usage_error "'place' needs an item (PRODUCT[:QTY][+CHOICE...])" place
	usage_error "--qty is for a lone product; give each item its quantity as PRODUCT:QTY" \
	    place latte tea --qty 2
	usage_error "--qty is for a lone product; give each item its quantity as PRODUCT:QTY" \
	    place latte:2 --qty 2
	usage_error "an order holds at most 20 items, not 21" place $(printf 'tea %.0s' {1..21})
	usage_error "--wait wants a duration like 10s or 500ms, not 'soon'" place latte --wait soon
	assert_equal "$(event_count)" 7
}

@test "usage errors found before the database is opened create nothing" {
	usage_error "no subcommand given"
	usage_error "unknown subcommand 'order'" order
	usage_error "unknown option '--frob'" place latte --frob
	usage_error "'menu' takes no --qty" menu --qty 2
	no_db
}

@test "--help prints the synopsis on stdout and exits 0, also after a subcommand" {
	run --separate-stderr cafe-order --help
	assert_success
	assert_line --index 0 "usage: cafe-order [--db PATH] [--config PATH] [--json] [-q] menu [--as-of TIME]"
	assert_line --partial "cafe-order place --batch < orders.jsonl"
	assert_equal "$stderr" ""
	help=$output
	run cafe-order place --help
	assert_success
	assert_equal "$output" "$help"
	run cafe-order -h
	assert_equal "$output" "$help"
	no_db
}

@test "--version" {
	run cafe-order --version
	assert_success
	assert_output --regexp '^cafe-order [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "usage errors and a look at the menu leave no database behind" {
	for args in "place" "place --batch latte" "cancel" "stock --set 3" "place latte --wait soon" "menu extra"; do
		run cafe-order $args
		assert_failure 64
		no_db
	done
	run cafe-order menu
	assert_success
	assert_output --partial "latte"
	run cafe-order --json stock latte
	assert_success
	assert_output '{"product":"latte","price":4000,"stock":100}'
	no_db
}

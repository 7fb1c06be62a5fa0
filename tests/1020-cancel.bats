#!/usr/bin/env bats
# 1020-cancel: `cafe-order cancel` - what it appends, what it refuses
# (unknown, declined or cancelled orders, bad ids and reasons), and its
# idempotency keys.

load helpers/setup
load helpers/foundation

bats_require_minimum_version 1.5.0

local_setup() {
	cafe-order place latte --qty 2 >/dev/null
}

# Expects `cafe-order ARGS...` to exit with STATUS and MESSAGE on stderr,
# nothing on stdout, and to append nothing.
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

@test "cancel appends OrderCancelled with the reason and says so" {
	run --separate-stderr cafe-order cancel 1 --reason 'wrong milk'
	assert_success
	assert_output "1 cancelled"
	assert_equal "$stderr" ""
	run db_sql "SELECT seq, stream, version, type, data,
	    (meta->>'correlation_id') FROM events WHERE seq > 8"
	assert_output '9|order-1|2|OrderCancelled|{"order_id":1,"reason":"wrong milk"}|1'
}

@test "cancel --json, a default reason, and order-N as the id" {
	cafe-order place tea >/dev/null
	run cafe-order --json cancel order-2
	assert_success
	assert_output '{"order_id":2,"status":"cancelled"}'
	run db_sql "SELECT (data->>'reason') FROM events WHERE type = 'OrderCancelled'"
	assert_output "cancelled at the counter"
	run cafe-order -q cancel 1
	assert_success
	assert_output ""
}

@test "cancel refuses unknown, declined and cancelled orders with 1" {
	refused 1 "unknown order 99 (see 'cafe-trace list')" cancel 99
	use_config <<-EOF
	payment:
	  sim: {decline_over: 5000}
	EOF
	run cafe-order place mocha --qty 2
	assert_failure 1
	refused 1 "unknown order 2 (see 'cafe-trace list')" cancel 2
	cafe-order cancel 1 >/dev/null
	refused 1 "order 1 is already cancelled" cancel 1
	refused 1 "order 1 is already cancelled" cancel 1 --key another
}

@test "cancel refuses bad ids and reasons with 65" {
	for id in abc 0 1.5 '' order- order-x 99999999999999999999; do
		refused 65 "'$id' is not an order id" cancel "$id"
	done
	refused 65 "'-1' is not an order id" cancel -- -1
	refused 65 "reason is not valid UTF-8 text (control characters or bad bytes)" \
	    cancel 1 --reason "$(printf 'bad\xff')"
	refused 65 "reason is too long (501 characters, at most 500)" \
	    cancel 1 --reason "$(printf '%501s' | tr ' ' r)"
	refused 65 "key is not valid UTF-8 text" cancel 1 --key "$(printf 'k\xff')"
}

@test "cancel usage errors: 64" {
	refused 64 "'cancel' needs one order id (see 'cafe-order --help')" cancel
	refused 64 "'cancel' needs one order id (see 'cafe-order --help')" cancel 1 2
	refused 64 "'cancel' takes no --qty (see 'cafe-order --help')" cancel 1 --qty 2
	refused 64 "option '--reason' needs a value (see 'cafe-order --help')" cancel 1 --reason
}

@test "the same cancel --key twice: the first result, nothing appended" {
	run cafe-order cancel 1 --key c1
	assert_success
	assert_output "1 cancelled"
	before=$(event_count)
	run cafe-order cancel 1 --key c1
	assert_success
	assert_output "1 cancelled"
	run cafe-order --json cancel 1 --key c1
	assert_success
	assert_output '{"order_id":1,"status":"cancelled"}'
	assert_equal "$(event_count)" "$before"
}

@test "a cancel key reused for another order or command: 65, nothing appended" {
	cafe-order place tea --key p2 >/dev/null
	cafe-order cancel 1 --key c1 >/dev/null
	refused 65 "key 'c1' was already used for another command (OrderCancelled, order 1)" cancel 2 --key c1
	refused 65 "key 'p2' was already used for another command (PaymentRequested, order 2)" cancel 2 --key p2
	run cafe-order cancel 2
	assert_success
}

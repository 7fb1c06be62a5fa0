#!/usr/bin/env bats
# Time travel: cafe-trace list/show/stats --as-of TIME answer from the log
# as it stood then (every event stamped at or before TIME), whatever form
# the time stamps take, and never write the live view or its checkpoint.

load helpers/setup
load helpers/trace-log

local_setup() {
	day_log > "$T/day.jsonl"
	cafe-log -q import --rechain < "$T/day.jsonl"
}

# order_id:order_status:delivery_status of every order, as of $1.
states() {
	cafe-trace --json list --as-of "$1" |
	    jq -r '"\(.order_id):\(.order_status):\(.delivery_status)"' | tr '\n' ' '
}

@test "list --as-of: the orders as they stood then" {
	run states 2026-01-01T08:59:59Z
	assert_output ""
	run states 2026-01-01T09:30:00Z
	assert_output "1:paid:pending "
	run states 2026-01-01T10:12:00Z
	assert_output "1:paid:pending 2:paid:ready "
	run states 2026-01-01T10:50:00Z
	assert_output "1:paid:pending 2:delivered:delivered 3:delivered:delivered 4:rejected:cancelled "
	# Now: the cancellation of 11:00 is in.
	run cafe-trace --json list
	assert_line --index 0 --partial '"order_status":"cancelled"'
}

@test "--as-of includes an event stamped exactly then, and takes offsets" {
	run states 2026-01-01T10:29:59.999Z
	assert_output --partial "2:paid:dispatched"
	run states 2026-01-01T10:30:00Z
	assert_output --partial "2:delivered:delivered"
	# The same instant written in Seoul time.
	run states 2026-01-01T19:30:00+09:00
	assert_output --partial "2:delivered:delivered"
	# A date alone is midnight UTC.
	run states 2026-01-01
	assert_output ""
}

@test "--as-of reads time stamps that carry an offset (imported events)" {
	# Order 3 was stamped 19:15+09:00 (10:15Z) and the cancellation of
	# order 1 20:00+09:00 (11:00Z): as text they sort after 12:00Z.
	run states 2026-01-01T10:14:59Z
	refute_output --partial "3:"
	run states 2026-01-01T10:15:00Z
	assert_output --partial "3:paid:pending"
	run states 2026-01-01T10:59:59Z
	assert_output --partial "1:paid:pending"
	run states 2026-01-01T12:00:00Z
	assert_output --partial "1:cancelled:cancelled"
	# And the view shows every time in one form, UTC with milliseconds.
	run cafe-trace --json list --customer kim
	assert_line --index 1 --partial '"placed_at":"2026-01-01T10:15:00.000Z"'
	run cafe-trace --json list --as-of 2026-01-02 --customer kim
	assert_line --index 1 --partial '"placed_at":"2026-01-01T10:15:00.000Z"'
}

@test "list --as-of works with the other filters" {
	run cafe-trace --json list --as-of 2026-01-01T10:50:00Z --status delivered
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	run cafe-trace --json list --as-of 2026-01-01T10:50:00Z --customer kim --limit 1
	assert_output --partial '"order_id":3'
	run cafe-trace --json list --as-of 2026-01-01T10:50:00Z --since 2026-01-01T10:00:00Z
	[ "${#lines[@]}" -eq 3 ]
}

@test "show --as-of: the order's events up to then" {
	run cafe-trace --json show 2 --as-of 2026-01-01T10:10:00Z
	assert_success
	run jq -r .type <<<"$output"
	assert_output "$(printf 'PaymentRequested\nOrderPlaced\nPaymentApproved\nDeliveryStarted\nDrinkReady')"
	run cafe-trace --json show 3 --as-of 2026-01-01T10:15:00Z
	run jq -r .type <<<"$output"
	assert_output "$(printf 'PaymentRequested\nOrderPlaced\nPaymentApproved')"
	run cafe-trace show 1 --as-of 2026-01-01T11:30:00Z
	assert_output --partial OrderCancelled
	run cafe-trace show 1 --as-of 2026-01-01T10:59:00Z
	refute_output --partial OrderCancelled
	# Before it existed.
	run cafe-trace show 2 --as-of 2026-01-01T09:00:00Z
	assert_failure 1
	assert_output "cafe-trace: unknown order 2 at that time (see 'cafe-trace list --as-of TIME')"
}

@test "--as-of never writes: the live view and its checkpoint stay as they were" {
	cafe-trace list >/dev/null
	cafe-order place latte --customer late >/dev/null
	view() {
		db_sql "SELECT * FROM order_trace ORDER BY order_id;
		    SELECT name, seq FROM checkpoints ORDER BY name"
	}
	before=$(view)
	n=$(event_count)
	run cafe-trace list --as-of 2026-01-01T10:00:00Z
	assert_success
	run cafe-trace --json stats --as-of 2026-01-01T10:00:00Z
	assert_success
	run cafe-trace show 5 --as-of 2030-01-01
	assert_success
	[ "$(view)" = "$before" ] || fail "the live view or a checkpoint changed"
	[ "$(event_count)" -eq "$n" ]
	# Without --as-of the view catches up (the new order appears).
	run cafe-trace --json list --customer late
	assert_output --partial '"order_id":5'
	[ "$(view)" != "$before" ]
}

@test "--as-of in the future is now; a bad time is a usage error" {
	run cafe-trace --json list --as-of 2099-01-01T00:00:00Z
	[ "${#lines[@]}" -eq 4 ]
	n=$(event_count)
	run cafe-trace list --as-of yesterday
	assert_failure 64
	assert_output "cafe-trace: --as-of wants a time like 2026-11-22T09:30:00Z, '2026-11-22 09:30' (local) or a date, not 'yesterday' (see 'cafe-trace --help')"
	run cafe-trace show 1 --as-of 25:00
	assert_failure 64
	assert_output --partial "--as-of wants a time"
	run cafe-trace stats --as-of nope
	assert_failure 64
	run cafe-trace list --since 2026-13-01
	assert_failure 64
	assert_output --partial "--since wants a time"
	[ "$(event_count)" -eq "$n" ]
}

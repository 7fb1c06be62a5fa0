#!/usr/bin/env bats
# cafe-trace follow: each change to an order's row as it happens, like
# tail -f, from a real background process; SIGINT and SIGTERM end it with
# status 0; it only reads.

load helpers/setup

# Starts `cafe-trace ARGS... follow` in the background into $T/out and
# $T/err, and waits until it is waiting on the log, which it does only
# after it has read where to start: its inotify watch is set up (SQLite),
# or its connection runs the wait's own query (PostgreSQL, after LISTEN).
start_follow() {
	cafe-trace "$@" > "$T/out" 2> "$T/err" &
	FOLLOW=$!
	if on_pg; then
		wait_for "[ \"\$(db_sql \"SELECT count(*) FROM pg_stat_activity
		    WHERE application_name = 'cafe-trace' AND datname = current_database()
		    AND query LIKE '/* waiting for events */%'\")\" -ge 1 ]" 10
	else
		wait_for "ls -l /proc/$FOLLOW/fd 2>/dev/null | grep -q inotify" 10
	fi
}

# Stops it with signal $1 (TERM) and fails unless it exited 0.
stop_follow() {
	local rc=0
	kill -"${1:-TERM}" "$FOLLOW"
	wait "$FOLLOW" || rc=$?
	FOLLOW=
	[ "$rc" -eq 0 ] || fail "follow exited $rc after SIG${1:-TERM}"
}

teardown() {
	[ -n "${FOLLOW:-}" ] && kill "$FOLLOW" 2>/dev/null || true
}

@test "follow --json prints one line per change as it happens, with seq and event" {
	cafe-order place latte --customer old >/dev/null
	start_follow --json follow
	cafe-order place tea --customer kim --address 'table 4' >/dev/null
	wait_for '[ "$(wc -l < "$T/out")" -ge 2 ]'
	cafe-order cancel 2 --reason 'changed their mind' >/dev/null
	wait_for 'grep -q OrderCancelled "$T/out"'
	stop_follow TERM

	# Nothing from before it started; the placement and the cancel, in order.
	run jq -r '[.seq, .event, .order_id, .order_status, .payment_status] | @tsv' "$T/out"
	assert_output "$(printf '10\tOrderPlaced\t2\tpaid\trequested\n11\tPaymentApproved\t2\tpaid\tapproved\n12\tOrderCancelled\t2\tcancelled\tapproved')"
	# Every line carries the trace's fields.
	run jq -c 'keys' "$T/out"
	for k in order_id customer product qty total order_status payment_status \
	    delivery_status messages placed_at updated_at seq event; do
		[ "$(jq -r "select(has(\"$k\") | not)" "$T/out")" = "" ] ||
		    fail "a change lacks $k"
	done
	run jq -r 'select(.event == "OrderCancelled") | [.customer, .product, .qty] | @tsv' "$T/out"
	assert_output "$(printf 'kim\ttea\t1')"
	[ ! -s "$T/err" ]
}

@test "follow for people: one line per change with the statuses" {
	cafe-log -q init
	start_follow follow
	cafe-order place mocha --customer lee >/dev/null
	wait_for 'grep -q PaymentApproved "$T/out"'
	stop_follow INT
	run cat "$T/out"
	assert_line --index 0 --regexp '^20[0-9-]+ [0-9:]+ UTC +1  OrderPlaced +paid +requested +pending +lee mocha$'
	assert_line --index 1 --regexp ' +1  PaymentApproved +paid +approved +pending +lee mocha$'
	# No colour into a file.
	run grep -c $'\e' "$T/out"
	assert_output 0
}

@test "follow ends with status 0 on SIGINT and on SIGTERM" {
	cafe-log -q init
	start_follow follow
	stop_follow INT
	start_follow --json follow
	stop_follow TERM
	[ ! -s "$T/err" ]
}

@test "follow --after replays from that seq, then keeps following" {
	cafe-order place latte --customer a >/dev/null
	cafe-order place tea --customer b >/dev/null
	start_follow --json follow --after 7  # the first order and the menu
	wait_for '[ "$(wc -l < "$T/out")" -ge 2 ]'
	cafe-order place mocha --customer c >/dev/null
	wait_for '[ "$(wc -l < "$T/out")" -ge 4 ]'
	stop_follow
	run jq -r '.customer' "$T/out"
	assert_output "$(printf 'b\nb\nc\nc')"
	# --after 0: from the very beginning; stock and payment requests
	# change no row and print nothing.
	start_follow --json follow --after 0
	wait_for '[ "$(wc -l < "$T/out")" -ge 6 ]'
	stop_follow
	run jq -r '.event' "$T/out"
	refute_output --partial PaymentRequested
	refute_output --partial StockReserved
}

@test "follow only reads: the view and its checkpoint stay as they were" {
	cafe-order place latte >/dev/null
	cafe-trace list >/dev/null
	before=$(db_sql "SELECT seq FROM checkpoints WHERE name = 'trace'")
	start_follow --json follow
	cafe-order place tea >/dev/null
	wait_for 'grep -q PaymentApproved "$T/out"'
	stop_follow
	run db_sql "SELECT seq FROM checkpoints WHERE name = 'trace'"
	assert_output "$before"
	run db_sql "SELECT count(*) FROM order_trace"
	assert_output 1
}

@test "follow refuses bad use, says what to do, appends nothing" {
	cafe-order place latte >/dev/null
	n=$(event_count)
	run cafe-trace follow --after soon
	assert_failure 64
	assert_output "cafe-trace: --after wants a seq (a whole number from 0), not 'soon' (see 'cafe-trace --help')"
	run cafe-trace follow 12
	assert_failure 64
	assert_output --partial "'follow' takes no arguments"
	run cafe-trace follow --status paid
	assert_failure 64
	assert_output --partial "'follow' takes only --after"
	run cafe-trace list --after 3
	assert_failure 64
	[ "$(event_count)" -eq "$n" ]
	run cafe-trace --db "$T/none.db" follow
	assert_failure 74
	assert_output --partial "cafe-log init"
}

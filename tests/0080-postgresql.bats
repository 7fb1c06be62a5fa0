#!/usr/bin/env bats
# 0080-postgresql: the programs on PostgreSQL (DESIGN §10), on a throwaway
# cluster: a shop's day, moving a shop's whole history over with its
# chain, a follower woken by NOTIFY, and the ways a server can be missing.
# (The whole suite on PostgreSQL, `make check-pg`, is the rest of issue 12.)

load helpers/setup
load helpers/pg

bats_require_minimum_version 1.5.0

setup_file() {
	pg_start
}

teardown_file() {
	pg_stop
}

teardown() {
	[ -z "${FOLLOWER:-}" ] || kill "$FOLLOWER" 2>/dev/null || true
}

events_in() {
	cafe-log --db "$1" --json stats | jq .events
}

@test "a day on PostgreSQL: orders, a cancel, the daemon, the views, a sound chain" {
	db=$(pg_fresh_db)
	run cafe-log --db "$db" init
	assert_success
	for i in 1 2 3; do
		run cafe-order --db "$db" place latte --customer kim
		assert_success
		assert_output "$i"
	done
	run cafe-order --db "$db" cancel 2 --reason 'changed my mind'
	assert_success
	run cafe-daemon --db "$db" -q run --once
	assert_success
	run cafe-trace --db "$db" --json show 2
	assert_success
	run cafe-trace --db "$db" --json list
	assert_success
	assert_equal "$(jq -s -c 'map([.order_id, .order_status, .payment_status, .delivery_status])' <<<"$output")" \
	    '[[1,"paid","approved","brewing"],[2,"cancelled","refunded","cancelled"],[3,"paid","approved","brewing"]]'
	listed=$output
	run cafe-trace --db "$db" -q rebuild
	assert_success
	run cafe-trace --db "$db" --json list
	assert_success
	assert_equal "$output" "$listed"
	run cafe-pay --db "$db" --json show 2
	assert_success
	assert_equal "$(jq -r .status <<<"$output")" refunded
	run cafe-daemon --db "$db" status
	assert_success
	run cafe-log --db "$db" verify
	assert_success
	assert_output "cafe-log: ok: $(events_in "$db") events checked"
	# Append-only on the server too.
	run psql -q "$db" -c "UPDATE events SET type = 'x' WHERE seq = 1"
	assert_failure
	assert_output --partial "events are append-only: UPDATE refused"
	run psql -q "$db" -c "TRUNCATE events"
	assert_failure
	assert_output --partial "events are append-only: TRUNCATE refused"
}

@test "moving a shop: export | import carries the history and its chain; nothing is done twice" {
	for i in 1 2 3 4; do cafe-order place latte --customer kim >/dev/null; done
	cafe-order cancel 3 >/dev/null
	cafe-daemon -q run --once
	db=$(pg_fresh_db)
	run bash -c "cafe-log export | cafe-log --db '$db' import"
	assert_success
	assert_equal "$(cafe-log --db "$db" head)" "$(cafe-log head)"
	run cafe-log --db "$db" verify --head "$(cafe-log head)"
	assert_success
	before=$(events_in "$db")
	assert_equal "$before" "$(event_count)"
	run cafe-daemon --db "$db" -q run --once
	assert_success
	assert_equal "$(events_in "$db")" "$before"
	run cafe-log --db "$db" verify
	assert_success
}

@test "a follower on PostgreSQL sees each order as it commits" {
	db=$(pg_fresh_db)
	cafe-log --db "$db" -q init
	cafe-order --db "$db" place latte --customer kim >/dev/null
	cafe-trace --db "$db" --json follow --after 0 >"$T/follow.out" 2>"$T/follow.err" &
	FOLLOWER=$!
	wait_for "grep -q '\"order_id\":1' '$T/follow.out'" 20
	cafe-order --db "$db" place tea --customer lee >/dev/null
	wait_for "grep -q '\"order_id\":2' '$T/follow.out'" 20
	kill "$FOLLOWER"
	wait "$FOLLOWER" || true
	FOLLOWER=
	run cat "$T/follow.err"
	assert_output ""
}

@test "the breaker times calls by the server's clock, not the terminal's" {
	db=$(pg_fresh_db)
	cafe-log --db "$db" -q init
	# A terminal whose clock runs two hours ahead of the server's.
	run env ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0" \
	    LD_PRELOAD='/usr/$LIB/faketime/libfaketime.so.1' FAKETIME=+2h \
	    cafe-order --db "$db" place latte
	assert_success
	skew=$(psql -qAt "$db" -c "SELECT max(at_ms) - floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint FROM breaker_calls")
	[ "${skew#-}" -lt 600000 ] || fail "the call is stamped ${skew} ms off the server's clock"
}

@test "no server, a bad URI, a database never initialised: 74, one line, nothing appended" {
	mkdir "$T/empty"
	run --separate-stderr cafe-order --db "postgresql:///postgres?host=$T/empty" place latte
	assert_failure 74
	assert_equal "$output" ""
	assert_equal "$(printf '%s\n' "$stderr" | wc -l)" 1
	assert_regex "$stderr" "^cafe-order: cannot connect to database 'postgresql:///postgres\?host=$T/empty': "
	run --separate-stderr cafe-log --db "postgresql://cafe:pw@[bad/x" stats
	assert_failure 74
	assert_equal "$(printf '%s\n' "$stderr" | wc -l)" 1
	refute_regex "$stderr" ":pw@"
	db=$(pg_fresh_db)
	run --separate-stderr cafe-trace --db "$db" list
	assert_failure 74
	assert_equal "$stderr" "cafe-trace: '$db' is not a cafe database (run 'cafe-log init')"
	# A look at the menu takes it as a missing file: the menu, nothing made.
	run --separate-stderr cafe-order --db "$db" menu
	assert_success
	assert_line --index 0 --regexp '^PRODUCT +PRICE +STOCK$'
	assert_equal "$stderr" ""
	assert_equal "$(psql -qAt "$db" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 0
}

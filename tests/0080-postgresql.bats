#!/usr/bin/env bats
# 0080-postgresql: the programs on PostgreSQL (DESIGN §10), on a throwaway
# cluster: a shop's day, moving a shop's whole history over with its
# chain, a follower woken by NOTIFY, the ways a server can be missing, and
# a server restarted under a running daemon and under a command. (The
# whole suite runs on PostgreSQL too: `make check-pg`.)

load helpers/setup
load helpers/pg
load helpers/foundation

bats_require_minimum_version 1.5.0

setup_file() {
	pg_start
}

teardown_file() {
	pg_stop
}

teardown() {
	[ -z "${FOLLOWER:-}" ] || kill "$FOLLOWER" 2>/dev/null || true
	[ -z "${DAEMON:-}" ] || kill -9 "$DAEMON" 2>/dev/null || true
	[ -z "${PLACER:-}" ] || kill -9 "$PLACER" 2>/dev/null || true
	# A test that failed with the server down leaves it for the next one.
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1 || pg_server_start
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
	assert_line --index 0 --regexp '^PRODUCT +PRICE +STOCK +OPTIONS$'
	assert_equal "$stderr" ""
	assert_equal "$(psql -qAt "$db" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 0
}

started() {	# DB N: N orders have their DeliveryStarted
	[ "$(psql -qAt "$1" -c "SELECT count(*) FROM events WHERE type = 'DeliveryStarted'")" = "$2" ]
}

@test "the server restarted under a running daemon: it waits, reconnects, and goes on" {
	db=$(pg_fresh_db)
	cafe-log --db "$db" -q init
	cafe-daemon --db "$db" run 2>"$T/daemon.err" &
	DAEMON=$!
	for i in 1 2; do cafe-order --db "$db" place latte >/dev/null; done
	wait_for 'started "$db" 2' 30
	pg_server_stop
	# Meanwhile the counter is told, in one line, and nothing is kept.
	run --separate-stderr cafe-order --db "$db" place latte
	assert_failure 74
	[[ $stderr == "cafe-order: cannot connect to database '$db': "* ]]
	kill -0 "$DAEMON"
	pg_server_start
	for i in 3 4; do
		run cafe-order --db "$db" place latte
		assert_success
		assert_output "$i"
	done
	wait_for 'started "$db" 4' 30
	kill -0 "$DAEMON"
	kill -TERM "$DAEMON"
	wait "$DAEMON"
	DAEMON=
	# It said what happened; and did each thing once, with no gap in seq.
	grep -q "lost the connection to database '$db', try again" "$T/daemon.err"
	assert_equal "$(psql -qAt "$db" -c "SELECT count(*) - max(seq) FROM events")" 0
	assert_equal "$(psql -qAt "$db" -c "SELECT count(*) FROM (SELECT data->>'order_id'
	    FROM events WHERE type IN ('DeliveryStarted', 'NotificationQueued')
	    GROUP BY type, data->>'order_id', meta->>'causation_id'
	    HAVING count(*) > 1) AS twice")" 0
	run cafe-log --db "$db" verify
	assert_success
}

@test "a command whose connection the server ends mid-transaction: 75, nothing appended" {
	db=$(pg_fresh_db)
	cafe-log --db "$db" -q init
	cafe-order --db "$db" place latte >/dev/null
	before=$(events_in "$db")
	# A place held at the writers' lock (lib/store/pg.c), inside its
	# transaction; then the server ends that connection.
	CAFE_DB=$db hold_write_lock
	cafe-order --db "$db" place latte >"$T/place.out" 2>"$T/place.err" &
	PLACER=$!
	wait_for '[ -n "$(psql -qAt "$db" -c "SELECT pid FROM pg_stat_activity
	    WHERE application_name = '\''cafe-order'\'' AND wait_event_type = '\''Lock'\''")" ]' 30
	psql -qAt "$db" -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
	    WHERE application_name = 'cafe-order'" >/dev/null
	rc=0; wait "$PLACER" || rc=$?
	PLACER=
	release_write_lock
	assert_equal "$rc" 75
	assert_equal "$(cat "$T/place.out")" ""
	assert_equal "$(cat "$T/place.err")" \
	    "cafe-order: lost the connection to database '$db', try again (server closed the connection unexpectedly)"
	assert_equal "$(events_in "$db")" "$before"
	# Trying again helps.
	run cafe-order --db "$db" place latte
	assert_success
	assert_output 2
}

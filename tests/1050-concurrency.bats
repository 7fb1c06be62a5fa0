#!/usr/bin/env bats
# 1050-concurrency: many `cafe-order` processes at once on one log - no
# order lost, no seq gap, no stock oversold, and idempotency keys that hold
# when the retries race each other.

load helpers/setup
load helpers/foundation

bats_require_minimum_version 1.5.0

# Starts N workers; worker W runs `cafe-order ARGS...` M times, with the
# word WORKER in ARGS replaced by W; each worker's stdout, stderr and exit
# statuses go to $T/out.W, $T/err.W and $T/rc.W. Waits for all of them.
workers() {	# N M ARGS...
	local n=$1 m=$2 w i rc
	shift 2
	for ((w = 1; w <= n; w++)); do
		(
			for ((i = 1; i <= m; i++)); do
				rc=0
				cafe-order "${@//WORKER/$w}" >>"$T/out.$w" 2>>"$T/err.$w" || rc=$?
				echo $rc >>"$T/rc.$w"
			done
		) 3>&- &
	done
	wait
}

@test "8 processes x 50 orders: all placed, ids 1..400, tickets 1..400, seq gap-free" {
	# A zone where it is about noon: the business day does not turn meanwhile.
	off=$((12 - $(date -u +%-H)))
	zone=UTC
	[ "$off" -gt 0 ] && zone=Etc/GMT-$off
	[ "$off" -lt 0 ] && zone=Etc/GMT+$((-off))
	use_config <<<"timezone: $zone"
	cafe-order stock latte --set 1000 >/dev/null
	start=$(date +%s)
	workers 8 50 place latte --customer wWORKER
	elapsed=$(( $(date +%s) - start ))
	# For the reader only: speed is tests/bench/'s, never asserted here.
	echo "8 x 50 orders took ${elapsed}s" >&3
	run cat "$T"/err.*
	assert_output ""
	assert_equal "$(sort -u "$T"/rc.*)" 0
	assert_equal "$(cat "$T"/rc.* | wc -l)" 400
	assert_equal "$(sort -n "$T"/out.* | uniq | wc -l)" 400
	assert_equal "$(sort -n "$T"/out.* | head -1) $(sort -n "$T"/out.* | tail -1)" "1 400"
	# Each worker saw its own orders in increasing order.
	for w in 1 2 3 4 5 6 7 8; do
		sort -n -c "$T/out.$w"
	done
	run db_sql "SELECT count(*), min(seq), max(seq), count(DISTINCT id) FROM events"
	assert_output "1605|1|1605|1605"  # the menu's 4 and 400 orders of 4
	run db_sql "SELECT count(*), count(DISTINCT (data->>'order_id'))
	    FROM events WHERE type = 'OrderPlaced'"
	assert_output "400|400"
	# Each its own ticket, none skipped: given under the write lock.
	run db_sql "SELECT count(DISTINCT (data->>'ticket')), min(CAST(data->>'ticket' AS INTEGER)),
	    max(CAST(data->>'ticket' AS INTEGER)) FROM events WHERE type = 'OrderPlaced'"
	assert_output "400|1|400"
	run db_sql "SELECT max(version) FROM events WHERE stream = 'stock-latte'"
	assert_output 401
	for w in 1 2 3 4 5 6 7 8; do
		run db_sql "SELECT count(*) FROM events WHERE type = 'OrderPlaced'
		    AND (data->>'customer') = 'w$w'"
		assert_output 50
	done
	run cafe-order --json stock latte
	assert_output '{"product":"latte","price":4000,"stock":600}'
	run cafe-log verify
	assert_success
}

@test "first writers at once on a fresh log: the log is made once, and every order goes in" {
	# Each round: a log that does not exist yet, six placements released
	# together. One makes it; the others, between their looks, may see it
	# appear, and must take it for the cafe log it is.
	for round in $(seq 1 15); do
		if on_pg; then
			db_admin -c "DROP DATABASE IF EXISTS t1050_fresh WITH (FORCE)" \
			    -c "CREATE DATABASE t1050_fresh"
			CAFE_DB="postgresql:///t1050_fresh?host=$CAFE_TEST_PG&user=cafe"
		else
			CAFE_DB=$T/fresh-$round.db
		fi
		rm -f "$T"/rc.* "$T"/out.* "$T"/err.*
		workers 6 1 place latte --customer wWORKER
		run cat "$T"/err.*
		assert_output ""
		assert_equal "$(sort -u "$T"/rc.*)" 0
		run db_sql "SELECT count(*) FROM events WHERE type = 'OrderPlaced'"
		assert_output 6
		run cafe-log verify
		assert_success
	done
	if on_pg; then db_admin -c "DROP DATABASE t1050_fresh WITH (FORCE)"; fi
}

@test "stock is never oversold: 10 left, 24 orders at once, 10 placed" {
	cafe-order stock latte --set 10 >/dev/null
	workers 8 3 place latte
	assert_equal "$(cat "$T"/rc.* | sort | uniq -c | awk '{ print $2 "x" $1 }' | tr '\n' ' ')" "0x10 1x14 "
	assert_equal "$(cat "$T"/out.* | wc -l)" 10
	# Refused for the one reason there is, whether seen before or after
	# charging (a charge then found sold out is voided on the spot).
	run cat "$T"/err.*
	[ "$(grep -c -v -x "cafe-order: out of stock: no latte left" <<<"$output")" -eq 0 ]
	assert_equal "$(count_type OrderPlaced)" 10
	assert_equal "$(count_type StockReserved)" 10
	run cafe-order --json stock latte
	assert_output '{"product":"latte","price":4000,"stock":0}'
	# Every charge has its answer: no money is taken for an order that
	# was not placed, unless it was voided at once.
	run db_sql "SELECT count(*) FROM events r WHERE r.type = 'PaymentRequested'
	    AND NOT EXISTS (SELECT 1 FROM events a WHERE a.stream = r.stream AND a.version > 1)"
	assert_output 0
}

# Holds the write lock while N workers start, so that all of them look
# their key up before any of them may write, then lets them go. The pause
# after they are all running only widens the race the test looks for; it
# cannot hide one.
racing_workers() {	# N ARGS...
	local n=$1
	shift
	hold_write_lock
	workers "$n" 1 --db "$CAFE_DB" "$@" &
	# pgrep takes a pattern: a URI's ? and . are taken literally.
	PAT=$(printf -- '--db %s' "$CAFE_DB" | sed 's/[][\.*^$?+(){}|]/\\&/g')
	wait_for '[ "$(pgrep -c -f -- "$PAT")" -ge '"$n"' ]' 10
	sleep 0.5
	release_write_lock
	wait
}

@test "the same place --key from 8 processes at once: one order" {
	cafe-order menu >/dev/null
	racing_workers 8 place tea --key same-key
	assert_equal "$(count_type PaymentRequested)" 1
	assert_equal "$(count_type OrderPlaced)" 1
	# Those who lost the race either got the order's id or were told to
	# try again while it was being paid for.
	for w in 1 2 3 4 5 6 7 8; do
		if [ "$(cat "$T/rc.$w")" = 0 ]; then
			assert_equal "$(cat "$T/out.$w")" 1
		else
			assert_equal "$(cat "$T/rc.$w")" 75
			assert_equal "$(cat "$T/err.$w")" "cafe-order: the order with key 'same-key' is still being paid for, try again shortly"
		fi
	done
}

@test "the same cancel --key from 6 processes at once: one cancel, every one told so" {
	cafe-order place tea >/dev/null
	racing_workers 6 cancel 1 --key same-key
	assert_equal "$(count_type OrderCancelled)" 1
	run cat "$T"/err.1 "$T"/err.2 "$T"/err.3 "$T"/err.4 "$T"/err.5 "$T"/err.6
	assert_output ""
	assert_equal "$(sort -u "$T"/rc.*)" 0
	assert_equal "$(sort -u "$T"/out.*)" "1 cancelled"
}

# --- the writers' queue (lib/store/lock-queue.c): an flock on DB-lock ---

@test "the writers' queue: DB-lock beside the log, with the log's mode" {
	sqlite_only "the queue is the SQLite file's (PostgreSQL queues its own lock waits)"
	(umask 077 && cafe-log init >/dev/null)
	run cafe-order place tea
	assert_success
	assert_equal "$(stat -c %a "$CAFE_DB")" 600
	assert_equal "$(stat -c %a "$CAFE_DB-lock")" 600
	assert_equal "$(stat -c %s "$CAFE_DB-lock")" 0
}

@test "a queue held by a hung process is waited for up to the busy timeout, then the order goes in" {
	sqlite_only "the queue is the SQLite file's"
	cafe-log init >/dev/null
	: >"$CAFE_DB-lock"
	# A holder that never lets go (as a stopped or debugged one would).
	flock "$CAFE_DB-lock" sleep 60 3>&- &
	holder=$!
	wait_for '! flock -n "$CAFE_DB-lock" true'
	start=$(date +%s)
	run cafe-order place tea
	elapsed=$(( $(date +%s) - start ))
	alive=0
	kill "$holder" 2>/dev/null && alive=1
	assert_success
	assert_output 1
	# It queued once (the holder held it the whole time), then went on
	# without the queue for the placement's other transactions.
	[ "$alive" = 1 ] || fail "the holder was gone before the order went in"
	[ "$elapsed" -ge 9 ] && [ "$elapsed" -lt 40 ] || fail "took ${elapsed}s"
	assert_equal "$(count_type OrderPlaced)" 1
}

@test "a lock file that cannot be opened means no queue: the order goes in at once" {
	sqlite_only "the queue is the SQLite file's"
	cafe-log init >/dev/null
	# A dangling symlink is not followed, not made, not written through.
	rm "$CAFE_DB-lock"
	ln -s "$T/elsewhere" "$CAFE_DB-lock"
	run cafe-order place tea
	assert_success
	assert_output 1
	[ -L "$CAFE_DB-lock" ] && [ ! -e "$T/elsewhere" ]
	assert_equal "$(count_type OrderPlaced)" 1
}

@test "a lock file its user may not open means no queue for that user: the order goes in" {
	sqlite_only "the queue is the SQLite file's"
	[ "$(id -u)" = 0 ] || skip "needs root, to be another user"
	unwritable_dir          # a directory another user can reach
	chmod 777 "$RO"
	db=$RO/shared.db
	run as_other "$CAFE_TOP/bin/cafe-log" --db "$db" init
	assert_success
	rm -f "$db-lock"
	: >"$db-lock"
	chmod 000 "$db-lock"
	run as_other "$CAFE_TOP/bin/cafe-order" --db "$db" place tea
	assert_success
	assert_output 1
	assert_equal "$(stat -c %a "$db-lock")" 0
	assert_equal "$(CAFE_DB=$db count_type OrderPlaced)" 1
}

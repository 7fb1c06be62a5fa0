#!/usr/bin/env bats
# 0010-log: the event log's file (DESIGN §3, lib/store/log.c): the schema, the
# append-only triggers, refusing files it must not touch (newer schema, not
# SQLite, read-only), optimistic concurrency (tests/helpers/log-conflict.c)
# and a write lock held by another process.

load helpers/setup
load helpers/foundation

bats_require_minimum_version 1.5.0

# A log with one paid order (PaymentRequested, OrderPlaced, PaymentApproved,
# StockReserved).
one_order() {
	run cafe-order place latte --customer kim
	assert_success
	assert_output 1
}

@test "a fresh database has the events table of DESIGN §3" {
	# The first use creates it, even by a command that is then refused.
	run cafe-order cancel 1
	assert_failure 1
	if on_pg; then
		run db_sql "SELECT string_agg(column_name || ':' || data_type || ':' || is_nullable,
		    ' ' ORDER BY ordinal_position) FROM information_schema.columns
		    WHERE table_name = 'events'"
		assert_output "seq:bigint:NO id:text:NO stream:text:NO version:bigint:NO type:text:NO data:json:NO meta:json:NO ts:text:NO hash:text:NO"
		run db_sql "SELECT string_agg(pg_get_constraintdef(oid), ' '
		    ORDER BY pg_get_constraintdef(oid)) FROM pg_constraint
		    WHERE conrelid = 'events'::regclass AND contype IN ('p', 'u')"
		assert_output "PRIMARY KEY (seq) UNIQUE (id) UNIQUE (stream, version)"
		run db_sql "SELECT string_agg(tgname, ' ' ORDER BY tgname) FROM pg_trigger
		    WHERE tgrelid = 'events'::regclass AND NOT tgisinternal"
		assert_output "events_no_delete events_no_truncate events_no_update events_notify"
		run db_sql "SELECT version FROM cafe_schema"
		assert_output 2
	else
		run sqlite3 "$CAFE_DB" "SELECT group_concat(name || ':' || type || ':' || \"notnull\" || ':' || pk, ' ')
		    FROM pragma_table_info('events')"
		assert_output "seq:INTEGER:0:1 id:TEXT:1:0 stream:TEXT:1:0 version:INTEGER:1:0 type:TEXT:1:0 data:TEXT:1:0 meta:TEXT:1:0 ts:TEXT:1:0 hash:TEXT:1:0"
		# UNIQUE(stream, version) and UNIQUE(id), as constraints, not just indexes.
		run sqlite3 "$CAFE_DB" "SELECT group_concat(cols, ' ') FROM (SELECT
		    (SELECT group_concat(name, ',') FROM pragma_index_info(il.name)) AS cols
		    FROM pragma_index_list('events') AS il WHERE il.\"unique\" = 1
		    AND il.origin = 'u' ORDER BY cols)"
		assert_output "id stream,version"
		run sqlite3 "$CAFE_DB" .schema
		assert_output --partial "UNIQUE(stream, version)"
		assert_output --partial "CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
		assert_output --partial "CREATE TRIGGER events_no_delete BEFORE DELETE ON events"
		run sqlite3 "$CAFE_DB" "PRAGMA journal_mode; PRAGMA user_version"
		assert_output "wal
2"
	fi
	assert_equal "$(event_count)" 0
}

@test "cafe-log init makes the same schema" {
	run cafe-log init
	assert_success
	if on_pg; then
		run db_sql "SELECT version FROM cafe_schema"
		assert_output 2
		run db_sql "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'events'::regclass
		    AND tgname IN ('events_no_update', 'events_no_delete', 'events_no_truncate')"
		assert_output 3
	else
		run sqlite3 "$CAFE_DB" "PRAGMA journal_mode; PRAGMA user_version;
		    SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"
		assert_output "wal
2
2"
	fi
}

@test "appended events are well formed: ids, versions, ts, meta" {
	one_order
	run db_sql "SELECT seq, stream, version, type FROM events ORDER BY seq"
	assert_output "1|payment-1|1|PaymentRequested
2|menu|1|ProductAdded
3|menu|2|ProductAdded
4|menu|3|ProductAdded
5|menu|4|ProductAdded
6|order-1|1|OrderPlaced
7|payment-1|2|PaymentApproved
8|stock-latte|1|StockReserved"
	# Each backend's own patterns and JSON types, on the rows as stored.
	if on_pg; then
		run db_sql "SELECT count(*) FROM events WHERE id ~ '^[0-9a-f]{32}$'
		    AND ts ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}Z$'
		    AND (meta->>'correlation_id') = '1'
		    AND (meta->>'tool') = 'cafe-order'
		    AND json_typeof(meta->'actor') = 'string' AND json_typeof(meta->'host') = 'string'
		    AND CAST(data->>'order_id' AS INTEGER) = 1"
	else
		run sqlite3 "$CAFE_DB" "SELECT count(*) FROM events WHERE length(id) = 32
		    AND id NOT GLOB '*[^0-9a-f]*'
		    AND ts GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'
		    AND (meta->>'correlation_id') = '1'
		    AND (meta->>'tool') = 'cafe-order'
		    AND json_type(meta, '$.actor') = 'text' AND json_type(meta, '$.host') = 'text'
		    AND CAST(data->>'order_id' AS INTEGER) = 1"
	fi
	assert_output 4
}

@test "UPDATE through the sqlite3 shell fails with the trigger's message and changes nothing" {
	one_order
	before=$(db_sql "SELECT * FROM events ORDER BY seq")
	run db_sql "UPDATE events SET data = '{\"order_id\":1,\"total\":1}' WHERE seq = 2"
	assert_failure
	assert_output --partial "events are append-only: UPDATE refused"
	run db_sql "UPDATE events SET type = 'X'"
	assert_failure
	assert_output --partial "events are append-only: UPDATE refused"
	assert_equal "$(db_sql "SELECT * FROM events ORDER BY seq")" "$before"
}

@test "DELETE through the sqlite3 shell fails with the trigger's message and changes nothing" {
	one_order
	before=$(db_sql "SELECT * FROM events ORDER BY seq")
	run db_sql "DELETE FROM events WHERE seq = 4"
	assert_failure
	assert_output --partial "events are append-only: DELETE refused"
	run db_sql "DELETE FROM events"
	assert_failure
	assert_output --partial "events are append-only: DELETE refused"
	assert_equal "$(db_sql "SELECT * FROM events ORDER BY seq")" "$before"
}

@test "a database with a newer schema is refused with 74 and touched not" {
	one_order
	if on_pg; then
		db_sql "UPDATE cafe_schema SET version = 99"
		sum=$(db_sql "SELECT * FROM events ORDER BY seq" | cksum)
	else
		sqlite3 "$CAFE_DB" "PRAGMA user_version = 99"
		sum=$(cksum <"$CAFE_DB")
	fi
	for args in "place latte" "menu" "cancel 1" "stock latte --set 5"; do
		run cafe-order $args
		assert_failure 74
		assert_output "cafe-order: database '$CAFE_DB' has schema version 99, newer than this cafe understands (2): upgrade cafe"
	done
	for verb in verify export stats import; do
		run cafe-log $verb </dev/null
		assert_failure 74
		assert_output --partial "schema version 99, newer than this cafe understands"
	done
	if on_pg; then
		assert_equal "$(db_sql "SELECT version FROM cafe_schema")" 99
		assert_equal "$(db_sql "SELECT * FROM events ORDER BY seq" | cksum)" "$sum"
	else
		assert_equal "$(sqlite3 "$CAFE_DB" "PRAGMA user_version; SELECT count(*) FROM events")" "99
8"
		assert_equal "$(cksum <"$CAFE_DB")" "$sum"
	fi
}

@test "a file that is not SQLite is refused with 74 and left as it was" {
	head -c 8192 /dev/urandom >"$T/random.db"
	cp "$T/random.db" "$T/random.orig"
	printf 'order 1: latte\n' >"$T/text.db"
	for db in "$T/random.db" "$T/text.db"; do
		for args in "place latte" "menu"; do
			run cafe-order --db "$db" $args
			assert_failure 74
			assert_output "cafe-order: '$db' is not a cafe database or is damaged (file is not a database)"
		done
		run cafe-log --db "$db" verify
		assert_failure 74
		assert_output --partial "is not a cafe database"
	done
	cmp "$T/random.db" "$T/random.orig"
	assert_equal "$(cat "$T/text.db")" "order 1: latte"
	[ ! -e "$T/random.db-wal" ]
}

@test "a directory where the database should be: 74" {
	mkdir "$T/dir.db"
	run cafe-order --db "$T/dir.db" place latte
	assert_failure 74
	assert_output "cafe-order: '$T/dir.db' is not a regular file"
	run cafe-order --db "$T/no/such/dir/cafe.db" place latte
	assert_failure 74
	assert_output "cafe-order: cannot open database '$T/no/such/dir/cafe.db': its directory '$T/no/such/dir' does not exist (make it with mkdir -p, then run 'cafe-log init')"
	[ ! -e "$T/no" ]
	# The advice works: every reader and init give it, and following it works.
	for cmd in "cafe-trace list" "cafe-log init" "cafe-log verify" "cafe-pay list"; do
		run --separate-stderr ${cmd%% *} --db "$T/no/such/dir/cafe.db" ${cmd#* }
		assert_failure 74
		assert_equal "$stderr" "${cmd%% *}: cannot open database '$T/no/such/dir/cafe.db': its directory '$T/no/such/dir' does not exist (make it with mkdir -p, then run 'cafe-log init')"
	done
	[ ! -e "$T/no" ]
	mkdir -p "$T/no/such/dir"
	run cafe-log --db "$T/no/such/dir/cafe.db" init
	assert_success
	run cafe-trace --db "$T/no/such/dir/cafe.db" list
	assert_success
}

@test "a database the process may not write: 74, one line, nothing appended" {
	unwritable_dir
	CAFE_DB=$RO/cafe.db one_order
	make_unwritable "$RO"
	as_other sh -c ": >>'$RO/cafe.db'" 2>/dev/null &&
	    skip "this user can still write '$RO/cafe.db'"
	run --separate-stderr as_other "$CAFE_TOP/bin/cafe-order" --db "$RO/cafe.db" place latte
	assert_failure 74
	assert_equal "$output" ""
	assert_equal "$stderr" "cafe-order: database '$RO/cafe.db' is read-only (check its permissions)"
	run as_other "$CAFE_TOP/bin/cafe-order" --db "$RO/cafe.db" cancel 1
	assert_failure 74
	assert_output "cafe-order: database '$RO/cafe.db' is read-only (check its permissions)"
	assert_equal "$(CAFE_DB=$RO/cafe.db event_count)" 8
}

@test "a database on a read-only file system: 74, one line, nothing appended" {
	mkdir "$T/rofs"
	CAFE_DB=$T/rofs/cafe.db one_order
	unshare -m true 2>/dev/null || skip "cannot make a mount namespace here (unshare -m)"
	run unshare -m sh -c 'mount --bind -o ro "$1" "$1" && : >>"$1/cafe.db"' sh "$T/rofs"
	[ "$status" -ne 0 ] || skip "a read-only bind mount stays writable here"
	run unshare -m sh -c 'mount --bind -o ro "$1" "$1" &&
	    exec cafe-order --db "$1/cafe.db" place latte' sh "$T/rofs"
	assert_failure 74
	assert_equal "${#lines[@]}" 1
	assert_output --regexp "^cafe-order: (database '$T/rofs/cafe.db' is read-only|cannot open database '$T/rofs/cafe.db')"
	assert_equal "$(CAFE_DB=$T/rofs/cafe.db event_count)" 8
}

@test "an append with a stale expected version fails with 75 naming the stream" {
	run log-conflict "$CAFE_DB" conflict
	assert_success
	assert_line "status=75 calls=0 version=2 head=2"
	assert_line "msg=stream 'order-7' is at version 2, expected 1 (concurrent change, try again)"
}

@test "an append that expects a new stream fails with 75 when the stream exists" {
	run log-conflict "$CAFE_DB" new
	assert_success
	assert_line "status=75 calls=0 version=2 head=2"
	assert_line "msg=stream 'order-7' is at version 2, expected 0 (concurrent change, try again)"
}

@test "a batch with one conflicting event appends none of its events" {
	run log-conflict "$CAFE_DB" atomic
	assert_success
	assert_line "status=75 calls=0 version=2 head=2"
	assert_line --partial "msg=stream 'order-7' is at version 2, expected 1"
	run db_sql "SELECT count(*) FROM events WHERE stream = 'order-8'"
	assert_output 0
}

@test "cafe_log_transact runs a function again after a conflict, from a fresh read" {
	run log-conflict "$CAFE_DB" transact
	assert_success
	assert_output "status=0 calls=2 version=3 head=3"
	run db_joined ' ' "SELECT seq || ':' || version FROM events ORDER BY seq"
	assert_output "1:1 2:2 3:3"
}

@test "cafe_log_transact gives up with 75 when every try conflicts" {
	run log-conflict "$CAFE_DB" always
	assert_success
	assert_line --regexp "^status=75 calls=[0-9]+ version=2 head=2$"
	assert_line --partial "msg=stream 'order-7' is at version 2, expected 1"
}

@test "a write lock held past the busy timeout: 75 'busy, try again', nothing appended" {
	one_order
	hold_write_lock
	start=$(date +%s)
	run cafe-order place latte
	assert_failure 75
	assert_output "cafe-order: database '$CAFE_DB' is busy, try again"
	# Readers are not blocked by a writer in WAL mode.
	run cafe-order menu
	assert_success
	release_write_lock
	assert_equal "$(event_count)" 8
	# The busy timeout (10 s in lib/store/log.c) decides how long that took.
	[ $(( $(date +%s) - start )) -le 15 ]
}

@test "a write lock released within the busy timeout: place waits and succeeds" {
	one_order
	hold_write_lock
	( sleep 1; release_write_lock ) 3>&- &
	releaser=$!
	run cafe-order place latte
	assert_success
	assert_output 2
	wait "$releaser" 2>/dev/null || :   # run may have reaped it
	assert_equal "$(event_count)" 12
}

@test "event data reads back as written, however its JSON is spelled" {
	cafe-log init
	# Rows as another writer may have spelled them: spaces, escapes,
	# fractions, nesting, non-ASCII text, a repeated key. lib/store/log.c reads
	# plain flat objects itself and hands the rest to jansson.
	n=0
	while IFS= read -r data; do
		n=$((n + 1))
		db_sql "INSERT INTO events(seq, id, stream, version, type, data, meta, ts, hash)
		    VALUES ($n, 'id$n', 'test-$n', 1, 'TestEvent', '$data', '{}',
		    '2026-01-01T00:00:00.000Z', '')"
	done <<'DATA'
{"a":1,"b":"x","c":true,"d":false,"e":null,"f":-12,"g":0,"h":-0}
 { "a" : 7 ,	"b" : "y z" } 
{}
{"f":1.5,"e":1e3,"big":1234567890123456789}
{"s":"caf\u00e9 \"q\" \\ /","k":"한글"}
{"nested":{"x":[1,2,{"y":null}]},"after":3}
{"dup":1,"dup":2}
{"min":-9223372036854775808,"max":9223372036854775807}
DATA
	run cafe-log export
	assert_success
	jq -s -e 'map(.data) == [
	    {a: 1, b: "x", c: true, d: false, e: null, f: -12, g: 0, h: 0},
	    {a: 7, b: "y z"},
	    {},
	    {f: 1.5, e: 1000, big: 1234567890123456789},
	    {s: "café \"q\" \\ /", k: "한글"},
	    {nested: {x: [1, 2, {y: null}]}, after: 3},
	    {dup: 2}, {min: -9223372036854775808, max: 9223372036854775807}]' <<<"$output"
	# Nineteen digits go to jansson: the flat reader never overflows.
	run cafe-log export
	[ "$(tail -1 <<<"$output" | grep -o '"min":-[0-9]*')" = '"min":-9223372036854775808' ]
	# Numbers stay whole numbers, not reals.
	jq -s -e '.[0].data.a | tostring == "1"' <<<"$output"
}

@test "event data that is not a JSON object is named when read, never half-read" {
	cafe-log init
	if on_pg; then
		# PostgreSQL's json type refuses it at the door: nothing to half-read.
		run db_sql "INSERT INTO events(seq, id, stream, version, type, data, meta, ts, hash)
		    VALUES (1, 'id1', 'test-1', 1, 'TestEvent', '{\"a\":1,}', '{}',
		    '2026-01-01T00:00:00.000Z', '')"
		assert_failure
		assert_output --partial 'invalid input syntax for type json'
		assert_equal "$(event_count)" 0
		return
	fi
	sqlite3 "$CAFE_DB" "PRAGMA ignore_check_constraints = ON;
	    INSERT INTO events(id, stream, version, type, data, meta, ts, hash)
	    VALUES ('id1', 'test-1', 1, 'TestEvent', '{\"a\":1,}', '{}',
	    '2026-01-01T00:00:00.000Z', '')"
	run cafe-log export
	assert_failure 74
	assert_output --partial "event 1 holds invalid JSON (run 'cafe-log verify')"
}

@test "waiting forever (timeout -1) wakes on the next commit, and a timeout says so" {
	cafe-log -q init
	run log-wait "$CAFE_DB" 0 150
	assert_success
	assert_output timeout
	# Forever: its distance to the deadline once overflowed (UBSan saw it).
	log-wait "$CAFE_DB" 0 -1 >"$T/woke" 2>&1 3>&- &
	pid=$!
	cafe-order place latte >/dev/null
	wait_for '! kill -0 '"$pid"' 2>/dev/null' 30
	wait "$pid"
	assert_equal "$(cat "$T/woke")" new
}

#!/usr/bin/env bats
# 0040-cafe-log: the log's administration - init, verify (and what it
# catches once the triggers were dropped), export/import round trips and
# imports that must append nothing, stats.

load helpers/setup
load helpers/foundation

bats_require_minimum_version 1.5.0

# The menu (4 events), orders, a decline, a cancel and a stock change: 15 events.
history() {
	use_config <<-EOF
	payment:
	  sim: {decline_over: 20000}
	EOF
	cafe-order place latte --qty 2 --customer 'Kim "K" 김' --address 'table 4' >/dev/null
	cafe-order place tea --key tea-1 >/dev/null
	! cafe-order place mocha --qty 5 2>/dev/null
	cafe-order cancel 1 --reason 'changed her mind' >/dev/null
	cafe-order stock latte --set 5 >/dev/null
	[ "$(event_count)" -eq 15 ]
}

# Rewrites history the only way there is: drop (or on PostgreSQL, disable)
# the triggers, change rows, put the triggers back so that nothing looks
# amiss.
tamper() {
	local triggers

	if on_pg; then
		db_sql "ALTER TABLE events DISABLE TRIGGER USER; $1;
		    ALTER TABLE events ENABLE TRIGGER USER" >/dev/null
		return
	fi
	triggers=$(sqlite3 "$CAFE_DB" "SELECT group_concat(sql, ';' || char(10)) || ';'
	    FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'")
	sqlite3 "$CAFE_DB" "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;
	    $1; $triggers"
}

@test "init creates the log, says where, and is harmless twice" {
	run --separate-stderr cafe-log init
	assert_success
	assert_equal "$output" ""
	assert_equal "$stderr" "cafe-log: log ready at '$CAFE_DB' (schema version 2)"
	db_made
	cafe-order place latte >/dev/null
	run cafe-log --json init
	assert_success
	assert_output "{\"db\":\"$CAFE_DB\",\"schema_version\":2}"
	run cafe-log -q init
	assert_success
	assert_output ""
	assert_equal "$(event_count)" 8
}

@test "init with no CAFE_DB makes the default database's directory" {
	unset CAFE_DB
	run cafe-log init
	assert_success
	[ -f "$XDG_DATA_HOME/cafe/cafe.db" ]
}

@test "usage errors: 64, nothing created" {
	run cafe-log
	assert_failure 64
	assert_output --partial "cafe-log: no subcommand given"
	run cafe-log frob
	assert_failure 64
	assert_output --partial "cafe-log: unknown subcommand 'frob'"
	run cafe-log verify now
	assert_failure 64
	assert_output --partial "'verify' takes no arguments"
	run cafe-log stats --since 3
	assert_failure 64
	assert_output --partial "only 'export' takes --since"
	run cafe-log init --frob
	assert_failure 64
	assert_output --partial "unknown option '--frob'"
	no_db
	cafe-log init
	run cafe-log export --since abc
	assert_failure 64
	assert_output --partial "--since wants a seq (a whole number), not 'abc'"
}

@test "verify, export and stats never create a database" {
	why=$(no_log_msg cafe-log)
	for verb in verify export stats; do
		run cafe-log $verb
		assert_failure 74
		assert_output "$why"
	done
	no_db
}

@test "verify passes on a good log and counts its events" {
	cafe-log init
	run cafe-log verify
	assert_success
	assert_output "cafe-log: ok: 0 events checked"
	history
	run cafe-log verify
	assert_success
	assert_output "cafe-log: ok: 15 events checked"
	run cafe-log --json verify
	assert_success
	assert_output '{"ok":true,"checked":15,"error":null}'
}

@test "verify catches a version changed behind the triggers' back, naming the seq" {
	history
	tamper "UPDATE events SET version = 5 WHERE seq = 3"
	run cafe-log verify
	assert_failure 1
	assert_output "cafe-log: seq 3: the hash chain is broken (this event, or the order of events, was changed)"
	run --separate-stderr cafe-log --json verify
	assert_failure 1
	assert_equal "$(jq -r '[.ok, .error] | @tsv' <<<"$output")" "false	seq 3: the hash chain is broken (this event, or the order of events, was changed)"
}

@test "verify catches a deleted event as a gap in seq" {
	history
	tamper "DELETE FROM events WHERE seq = 4"
	run cafe-log verify
	assert_failure 1
	assert_output "cafe-log: seq 5: gap, expected seq 4"
}

@test "verify catches data that is not a JSON object any more" {
	history
	if on_pg; then
		# The json type holds only JSON: an array, then, past the CHECK.
		tamper "ALTER TABLE events DROP CONSTRAINT events_data_check;
		    UPDATE events SET data = '[1]' WHERE seq = 7"
	else
		tamper "PRAGMA ignore_check_constraints = 1; UPDATE events SET data = '{oops' WHERE seq = 7"
	fi
	run cafe-log verify
	assert_failure 1
	assert_output "cafe-log: seq 7: data is not a valid JSON object"
}

@test "verify catches a malformed ts" {
	history
	tamper "UPDATE events SET ts = 'yesterday' WHERE seq = 6"
	run cafe-log verify
	assert_failure 1
	assert_output "cafe-log: seq 6: malformed ts"
}

@test "verify reports dropped triggers" {
	history
	if on_pg; then
		db_sql "DROP TRIGGER events_no_delete ON events"
	else
		sqlite3 "$CAFE_DB" "DROP TRIGGER events_no_delete"
	fi
	run cafe-log verify
	assert_failure 1
	assert_output "cafe-log: the append-only triggers on events are missing (history may have been rewritten)"
	if on_pg; then
		# Disabled is as good as dropped.
		db_sql "CREATE TRIGGER events_no_delete BEFORE DELETE ON events
		    FOR EACH ROW EXECUTE FUNCTION cafe_events_append_only();
		    ALTER TABLE events DISABLE TRIGGER events_no_truncate"
		run cafe-log verify
		assert_failure 1
		assert_output "cafe-log: the append-only triggers on events are missing (history may have been rewritten)"
	fi
}

@test "export then import into a fresh file gives the same events, byte for byte" {
	history
	cafe-log export >"$T/a.jsonl"
	[ "$(wc -l <"$T/a.jsonl")" -eq 15 ]
	run jq -sc 'map(.seq) == [range(1; 16)] and all(.[]; (keys | sort) ==
	    ["data", "hash", "id", "meta", "seq", "stream", "ts", "type", "version"])' "$T/a.jsonl"
	assert_output true
	run cafe-log --db "$T/b.db" import <"$T/a.jsonl"
	assert_success
	assert_output "cafe-log: imported 15 events"
	cafe-log --db "$T/b.db" export >"$T/b.jsonl"
	cmp "$T/a.jsonl" "$T/b.jsonl"
	run cafe-log --db "$T/b.db" verify
	assert_success
	# The copy is a working log: the counter carries on where it left off.
	run cafe-order --db "$T/b.db" place tea --key tea-1
	assert_success
	assert_output 2
	run cafe-order --db "$T/b.db" place tea
	assert_output 4
}

@test "export --since SEQ starts after it" {
	history
	run cafe-log export --since 13
	assert_success
	assert_equal "$(jq -c .seq <<<"$output" | tr '\n' ' ')" "14 15 "
	run cafe-log export --since 15
	assert_success
	assert_output ""
	cafe-log export --since 0 | cmp - <(cafe-log export)
}

@test "import --json says how many; an empty input imports nothing" {
	history
	cafe-log export >"$T/a.jsonl"
	run cafe-log --json --db "$T/b.db" import <"$T/a.jsonl"
	assert_success
	assert_output '{"imported":15}'
	run cafe-log --db "$T/c.db" import </dev/null
	assert_success
	assert_output "cafe-log: imported 0 events"
	assert_equal "$(CAFE_DB=$T/c.db event_count)" 0
}

# Imports $T/in.jsonl into a log that holds one event already; expects 65,
# the message, and that log unchanged. Its lines are edited on purpose to
# reach each check behind the chain's: --rechain.
import_refused() {
	run cafe-log --db "$T/target.db" import --rechain <"$T/in.jsonl"
	assert_failure 65
	assert_output "cafe-log: $1"
	assert_equal "$(CAFE_DB=$T/target.db event_count)" 1
}

@test "import of bad input appends nothing" {
	history
	cafe-log export >"$T/a.jsonl"
	cafe-order --db "$T/target.db" stock tea --set 3 >/dev/null

	{ head -3 "$T/a.jsonl"; echo '{"seq":4,'; } >"$T/in.jsonl"
	import_refused "stdin:4: string or '}' expected near end of file"

	{ head -3 "$T/a.jsonl"; echo '[1, 2]'; } >"$T/in.jsonl"
	import_refused "stdin:4: not a JSON object"

	# jansson's words; the line and the field are what matter.
	head -3 "$T/a.jsonl" | jq -c 'del(.ts)' >"$T/in.jsonl"
	run cafe-log --db "$T/target.db" import --rechain <"$T/in.jsonl"
	assert_failure 65
	assert_output --regexp "^cafe-log: stdin:1: .*ts$"

	head -1 "$T/a.jsonl" | jq -c '.type = "order placed"' >"$T/in.jsonl"
	import_refused "stdin:1: type 'order placed' is not a PascalCase event name"

	head -1 "$T/a.jsonl" | jq -c '.ts = "yesterday"' >"$T/in.jsonl"
	import_refused "stdin:1: ts 'yesterday' is not RFC 3339"

	head -1 "$T/a.jsonl" | jq -c '.data = [1]' >"$T/in.jsonl"
	import_refused "stdin:1: data and meta must be JSON objects"

	head -1 "$T/a.jsonl" | jq -c '.id = "not-hex"' >"$T/in.jsonl"
	import_refused "stdin:1: id must be 32 lowercase hex digits"
}

# A backup proves itself: each line's hash links it to the one before, so
# an edited export is refused before anything is appended.
@test "import checks every link: an edited export is 65 'event SEQ: broken link', nothing appended" {
	history
	cafe-log export >"$T/a.jsonl"
	cafe-order --db "$T/target.db" stock tea --set 3 >/dev/null
	# The customer's name edited in event 2, the data of an order.
	{ sed -n 1p "$T/a.jsonl"; sed -n 2p "$T/a.jsonl" | jq -c '.data.customer = "Lee"';
	    sed -n '3,$p' "$T/a.jsonl"; } >"$T/in.jsonl"
	run --separate-stderr cafe-log --db "$T/target.db" import <"$T/in.jsonl"
	assert_failure 65
	assert_equal "$stderr" "cafe-log: stdin:2: event 2: broken link (it was changed after it was exported; 'cafe-log import --rechain' imports it anyway, with a new chain)"
	assert_equal "$(CAFE_DB=$T/target.db event_count)" 1
	# An event taken out.
	sed 4d "$T/a.jsonl" >"$T/in.jsonl"
	run --separate-stderr cafe-log --db "$T/target.db" import <"$T/in.jsonl"
	assert_failure 65
	assert_equal "$stderr" "cafe-log: stdin:4: event 5: broken link (it follows event 3: events are missing or out of order)"
	assert_equal "$(CAFE_DB=$T/target.db event_count)" 1
	# An export from before the chain (no hash): only with --rechain.
	jq -c 'del(.hash)' "$T/a.jsonl" >"$T/old.jsonl"
	run --separate-stderr cafe-log --db "$T/fresh.db" import <"$T/old.jsonl"
	assert_failure 65
	assert_equal "$stderr" "cafe-log: stdin:1: no seq and hash to check it by (an export from before the chain: 'cafe-log import --rechain' links it anew)"
	[ ! -e "$T/fresh.db" ]
	run cafe-log --db "$T/fresh.db" import --rechain <"$T/old.jsonl"
	assert_success
	run cafe-log --db "$T/fresh.db" verify
	assert_success
	# An edit made on purpose: --rechain takes it, with a chain of its own.
	{ sed -n 1p "$T/a.jsonl"; sed -n 2p "$T/a.jsonl" | jq -c '.data.customer = "Lee"';
	    sed -n '3,$p' "$T/a.jsonl"; } >"$T/in.jsonl"
	run cafe-log --db "$T/edited.db" import --rechain <"$T/in.jsonl"
	assert_success
	run cafe-log --db "$T/edited.db" verify
	assert_success
	[ "$(cafe-log --db "$T/edited.db" head)" != "$(cafe-log head)" ]
	# An export that starts later (--since) links from its first line on.
	cafe-log export --since 4 >"$T/tail.jsonl"
	sed 2d "$T/tail.jsonl" >"$T/in.jsonl"
	run --separate-stderr cafe-log --db "$T/tail.db" import <"$T/in.jsonl"
	assert_failure 65
	assert_equal "$stderr" "cafe-log: stdin:2: event 7: broken link (it follows event 5: events are missing or out of order)"
}

@test "import of a bad version sequence appends nothing" {
	history
	cafe-log export >"$T/a.jsonl"
	cafe-order --db "$T/target.db" stock tea --set 3 >/dev/null
	# payment-1: version 1, then 3 (events 2-5 are the menu's).
	{ sed -n 1,6p "$T/a.jsonl"; sed -n 7p "$T/a.jsonl" | jq -c '.version = 3'; } >"$T/in.jsonl"
	import_refused "event 7 (PaymentApproved on 'payment-1', version 3) does not continue its stream; nothing imported"
	# A stream that does not start at 1.
	sed -n 6p "$T/a.jsonl" | jq -c '.version = 2' >"$T/in.jsonl"
	import_refused "event 1 (OrderPlaced on 'order-1', version 2) does not continue its stream; nothing imported"
	# The same events again: they do not continue the streams already there.
	sqlite3 "$T/target.db" "SELECT 1" >/dev/null
	cafe-log --db "$T/target2.db" import <"$T/a.jsonl"
	run cafe-log --db "$T/target2.db" import <"$T/a.jsonl"
	assert_failure 65
	assert_output "cafe-log: event 1 (PaymentRequested on 'payment-1', version 1) does not continue its stream; nothing imported"
	assert_equal "$(CAFE_DB=$T/target2.db event_count)" 15
}

@test "import of a duplicate event id appends nothing" {
	history
	cafe-log export >"$T/a.jsonl"
	cafe-order --db "$T/target.db" stock tea --set 3 >/dev/null
	id=$(head -1 "$T/a.jsonl" | jq -r .id)
	{ sed -n 1,6p "$T/a.jsonl"; sed -n 7p "$T/a.jsonl" | jq -c --arg id "$id" '.id = $id'; } >"$T/in.jsonl"
	import_refused "event 7: event PaymentApproved on 'payment-1' refused: UNIQUE constraint failed: events.id; nothing imported"
}

@test "stats counts events, streams and types" {
	history
	run cafe-log stats
	assert_success
	assert_line --regexp '^events +15$'
	assert_line --regexp '^streams +7$'
	assert_line --regexp '^ +OrderPlaced +2$'
	assert_line --regexp '^ +PaymentDeclined +1$'
	run cafe-log --json stats
	assert_success
	run jq -c '[.events, .head, .streams, .types.PaymentRequested, .types.StockAdjusted,
	    (.bytes > 0), (.first_ts <= .last_ts)]' <<<"$output"
	assert_output '[15,15,7,3,1,true,true]'
}

# The hash chain (DESIGN §3): each of these is found by its seq, with the
# triggers dropped and put back around the change.
chain_broken() {	# SEQ
	run cafe-log verify
	assert_failure 1
	assert_output "cafe-log: seq $1: the hash chain is broken (this event, or the order of events, was changed)"
}

@test "verify names the first broken link: edited data, type, ts, id or meta" {
	history
	db_save
	if on_pg; then
		data="data = jsonb_set(data::jsonb, '{qty}', '9')::json"
		meta="meta = jsonb_set(meta::jsonb, '{actor}', '\"mallory\"')::json"
	else
		data="data = json_set(data, '\$.qty', 9)" meta="meta = json_set(meta, '\$.actor', 'mallory')"
	fi
	for change in "$data" "type = 'OrderRejected'" \
	    "ts = '2026-01-01T00:00:00.000Z'" "id = '00000000000000000000000000000bad'" \
	    "$meta"; do
		db_restore
		tamper "UPDATE events SET $change WHERE seq = 2"
		chain_broken 2
	done
}

@test "verify finds two swapped rows, a forged row at the end, and a deleted row" {
	history
	db_save
	# Rows 5 and 6 trade places, each keeping its own hash.
	tamper "UPDATE events SET seq = -5 WHERE seq = 5; UPDATE events SET seq = 5 WHERE seq = 6;
	    UPDATE events SET seq = 6 WHERE seq = -5"
	chain_broken 5
	# A row written at the end without the chain (hash of the one before).
	db_restore
	db_sql "INSERT INTO events(seq, id, stream, version, type, data, meta, ts, hash)
	    SELECT 16, '0000000000000000000000000000f0f0', 'payment-1', 4, 'PaymentRefunded',
	    '{\"order_id\":1,\"amount\":8000,\"ref\":\"x\"}', meta, ts, hash FROM events WHERE seq = 15"
	chain_broken 16
	db_restore
	tamper "DELETE FROM events WHERE seq = 7"
	run cafe-log verify
	assert_failure 1
	assert_output "cafe-log: seq 8: gap, expected seq 7"
}

@test "head prints the newest link; verify --head finds a tail cut off or rewritten" {
	history
	run cafe-log head
	assert_success
	assert_output --regexp '^15 [0-9a-f]{64}$'
	head=$(cafe-log head | tr ' ' :)
	run cafe-log --json head
	assert_equal "$(jq -r '"\(.seq):\(.hash)"' <<<"$output")" "$head"
	run cafe-log verify --head "$head"
	assert_success
	assert_output "cafe-log: ok: 15 events checked"
	# The log goes on: the old head still holds.
	cafe-order place tea >/dev/null
	run cafe-log verify --head "$head"
	assert_success
	# Cut off the end: every remaining link is fine, but the head is gone.
	tamper "DELETE FROM events WHERE seq >= 10"
	run cafe-log verify
	assert_success
	n=$(event_count)
	run cafe-log verify --head "$head"
	assert_failure 1
	assert_output "cafe-log: the log ends at seq 9, before the head that was kept (seq 15): events were cut off the end"
	[ "$(event_count)" = "$n" ]
	# A whole chain computed again over rewritten history: only the head tells.
	run cafe-log verify --head "9:$(printf '%064d' 0)"
	assert_failure 1
	assert_output "cafe-log: seq 9: the link is not the head that was kept (the history up to it was rewritten)"
}

@test "verify --head and head refuse what they do not take: 64, nothing created" {
	for bad in 11 11: :abc 0:$(printf '%064d' 0) "11:$(printf '%063d' 0)" "x:$(printf '%064d' 0)"; do
		run cafe-log verify --head "$bad"
		assert_failure 64
		assert_output --partial "cafe-log: --head wants SEQ:HASH"
	done
	run cafe-log head --head 1:x
	assert_failure 64
	assert_output --partial "only 'verify' takes --head"
	run cafe-log head
	assert_failure 74
	no_db
	# An empty log's head is seq 0 and the chain's genesis.
	cafe-log -q init
	run cafe-log head
	assert_success
	assert_output "0 $(printf '%064d' 0)"
}

@test "a log made before the chain is migrated once: every link computed, verify passes" {
	sqlite_only "version 1 logs were SQLite files; a PostgreSQL log starts at version 2"
	cp "$CAFE_TOP/tests/fixtures/schema-v1.db" "$CAFE_DB"
	run cafe-log verify
	assert_failure 74
	assert_output "cafe-log: database '$CAFE_DB' needs a schema upgrade, which a read-only open cannot do"
	before=$(db_sql "SELECT seq, id, data, meta, ts FROM events ORDER BY seq")
	run cafe-log init
	assert_success
	[ "$(sqlite3 "$CAFE_DB" "PRAGMA user_version")" = 2 ]
	# Nothing but the chain changed, and the triggers are back.
	[ "$(db_sql "SELECT seq, id, data, meta, ts FROM events ORDER BY seq")" = "$before" ]
	run db_sql "UPDATE events SET type = 'x' WHERE seq = 1"
	assert_failure
	run cafe-log verify
	assert_success
	assert_output "cafe-log: ok: 30 events checked"
	# The old orders read as before, and the log goes on from its head.
	run cafe-trace --json list
	jq -s -e 'length == 3 and .[0].customer == "kim"' <<<"$output"
	cafe-order place tea >/dev/null
	run cafe-log verify
	assert_success
}

@test "export, import into a fresh file: the same chain" {
	history
	cafe-log export >"$T/a.jsonl"
	cafe-log --db "$T/copy.db" import <"$T/a.jsonl"
	assert_equal "$(cafe-log --db "$T/copy.db" head)" "$(cafe-log head)"
	run cafe-log --db "$T/copy.db" verify --head "$(cafe-log head | tr ' ' :)"
	assert_success
}

# The next order's id came from the last PaymentRequested: a log whose
# orders have none (imported from another system) refused every new order
# with "stream 'payment-1' is at version 1, expected 0".
@test "orders imported without PaymentRequested: the next order follows the last one" {
	for o in 1 2 3; do
		meta='"meta":{"correlation_id":"'$o'","causation_id":null,"actor":"pos","tool":"pos","host":"pos"}'
		printf '{"id":"%032x","stream":"order-%d","version":1,"type":"OrderPlaced","data":{"order_id":%d,"items":[{"product":"tea","qty":1,"options":[],"unit_price":2500,"total":2500}],"total":2500,"customer":"kim"},%s,"ts":"2026-11-30T09:0%d:00.000Z"}\n' $((2 * o)) $o $o "$meta" $o
		printf '{"id":"%032x","stream":"payment-%d","version":1,"type":"PaymentApproved","data":{"order_id":%d,"amount":2500,"ref":"pos-%d"},%s,"ts":"2026-11-30T09:0%d:00.000Z"}\n' $((2 * o + 1)) $o $o $o "$meta" $o
	done >"$T/pos.jsonl"
	cafe-log import --rechain <"$T/pos.jsonl"
	run --separate-stderr cafe-order --json place tea
	assert_success
	assert_equal "$(jq .order_id <<<"$output")" 4
	run cafe-trace --json list
	assert_equal "$(jq -c '[.order_id, .payment_status]' <<<"$output" | tr '\n' ' ')" \
	    '[1,"approved"] [2,"approved"] [3,"approved"] [4,"approved"] '
}

#!/usr/bin/env bats
# 0050-trust: nobody else gets in, nothing half-made is left. The actor in
# meta is the real user, new logs are group-shared and never
# world-readable, a failed import into a new path leaves no file, and
# JSON from outside is held to the catalogue: no duplicate keys, every
# event's required fields, no order without payment.

bats_require_minimum_version 1.5.0
load helpers/setup
load helpers/foundation

mode() { stat -c %a "$1"; }

@test "meta.actor is the real user, whatever USER says" {
	USER=mallory LOGNAME=mallory cafe-order place latte >/dev/null
	run db_sql "SELECT DISTINCT (meta->>'actor') FROM events"
	assert_output "$(id -un)"
	[ "$(id -u)" = 0 ] || skip "needs root to run as another user"
	unwritable_dir
	chmod 777 "$RO"
	USER=root run as_other "$CAFE_TOP/bin/cafe-order" --db "$RO/n.db" place latte
	assert_success
	run sqlite3 "$RO/n.db" "SELECT DISTINCT (meta->>'actor') FROM events"
	assert_output "$(as_other id -un)"
}

@test "a new log and its -wal and -shm are 0660 under umask 022, 0600 under 077" {
	sqlite_only "file modes; on PostgreSQL the server owns the files and roles grant access"
	(umask 022 && cafe-order place latte >/dev/null)
	for f in "$CAFE_DB" "$CAFE_DB-wal" "$CAFE_DB-shm"; do
		[ -e "$f" ] || continue
		[ "$(mode "$f")" = 660 ] || fail "$f is $(mode "$f"), not 660"
	done
	[ -e "$CAFE_DB-wal" ]
	(umask 077 && cafe-log --db "$T/private.db" -q init)
	cafe-order --db "$T/private.db" place latte >/dev/null
	[ "$(mode "$T/private.db")" = 600 ]
	[ "$(mode "$T/private.db-wal")" = 600 ]
	# An existing file keeps its mode.
	chmod 640 "$CAFE_DB"
	cafe-order place latte >/dev/null
	[ "$(mode "$CAFE_DB")" = 640 ]
}

@test "a failed import into a new path leaves no file behind" {
	echo '{"not":"an event"}' >"$T/bad.jsonl"
	run cafe-log --db "$T/new.db" import <"$T/bad.jsonl"
	assert_failure 65
	assert_output --partial "cafe-log: stdin:1: "
	run ls -A "$T"
	refute_output --partial new.db
	# Into an existing log it appends nothing and leaves the file.
	cafe-log --db "$T/old.db" -q init
	run cafe-log --db "$T/old.db" import <"$T/bad.jsonl"
	assert_failure 65
	[ -f "$T/old.db" ]
	[ "$(CAFE_DB=$T/old.db event_count)" = 0 ]
}

@test "place --batch refuses duplicate keys: 65, nothing appended" {
	before=$(event_count)
	run --separate-stderr cafe-order place --batch <<<'{"product":"latte","product":"mocha"}'
	assert_failure 65
	assert_equal "$stderr" "cafe-order: stdin:1: duplicate object key near '\"product\"'"
	[ "$(event_count)" = "$before" ]
}

# An import of $T/in.jsonl into a fresh log: refused with 65 and MESSAGE,
# and no file left.
refused() {
	run --separate-stderr cafe-log --db "$T/target.db" import <"$T/in.jsonl"
	assert_failure 65
	assert_equal "$stderr" "cafe-log: $1"
	[ ! -e "$T/target.db" ]
}

# The events of one paid order, exported.
one_paid() {
	cafe-order place latte --customer kim >/dev/null
	cafe-log export >"$T/a.jsonl"
}

@test "import refuses duplicate keys, unknown types and events off their catalogue entry" {
	one_paid
	# 1 PaymentRequested, 2-5 the menu, 6 OrderPlaced, 7 PaymentApproved,
	# 8 StockReserved.
	sed -n 6p "$T/a.jsonl" | sed 's/"type":"OrderPlaced"/"type":"OrderPlaced","type":"OrderPlaced"/' >"$T/in.jsonl"
	refused "stdin:1: duplicate object key near '\"type\"'"
	sed -n 1p "$T/a.jsonl" | jq -c '.type = "PaymentTaken"' >"$T/in.jsonl"
	refused "stdin:1: unknown event type 'PaymentTaken' (see cafe-log(5))"
	sed -n 6p "$T/a.jsonl" | jq -c 'del(.data.items)' >"$T/in.jsonl"
	refused "stdin:1: OrderPlaced on 'order-1' has no 'items'"
	sed -n 6p "$T/a.jsonl" | jq -c '.data.items = {}' >"$T/in.jsonl"
	refused "stdin:1: OrderPlaced on 'order-1': 'items' must be a list"
	sed -n 6p "$T/a.jsonl" | jq -c '.data.items[0].qty = "2"' >"$T/in.jsonl"
	refused "stdin:1: OrderPlaced on 'order-1': items[0] needs a qty (a whole number from 1)"
	sed -n 6p "$T/a.jsonl" | jq -c '.data.items[0].options = [1]' >"$T/in.jsonl"
	refused "stdin:1: OrderPlaced on 'order-1': items[0] options must be a list of strings"
	sed -n 1p "$T/a.jsonl" | jq -c '.stream = "order-1"' >"$T/in.jsonl"
	refused "stdin:1: PaymentRequested belongs on a 'payment-...' stream, not 'order-1'"
	sed -n 1p "$T/a.jsonl" | jq -c '.data.order_id = 7' >"$T/in.jsonl"
	refused "stdin:1: PaymentRequested on 'payment-1' is for order 7"
	# The real thing imports.
	run cafe-log --db "$T/target.db" import <"$T/a.jsonl"
	assert_success
}

@test "import refuses an order without payment" {
	one_paid
	sed -n 6p "$T/a.jsonl" >"$T/in.jsonl"
	refused "event 1: OrderPlaced of order 1 has no PaymentApproved (no order without payment); nothing imported"
	# Its payment may be in the file, or already in the log.
	sed -n 1,7p "$T/a.jsonl" >"$T/in.jsonl"
	run cafe-log --db "$T/target.db" import <"$T/in.jsonl"
	assert_success
	sed -n 8p "$T/a.jsonl" >"$T/in.jsonl"
	run cafe-log --db "$T/target.db" import <"$T/in.jsonl"
	assert_success
	[ "$(CAFE_DB=$T/target.db event_count)" = 8 ]
}

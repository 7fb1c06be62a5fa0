#!/usr/bin/env bats
# 6000-daemon: cafe-daemon's command line, `status`, `run --once`, catching
# up after downtime and --policy (lib/daemon/daemon.c, cmd/cafe-daemon.c).

bats_require_minimum_version 1.5.0
load helpers/setup
load helpers/daemon

@test "usage mistakes: exit 64, a message, nothing appended" {
	place 1
	before=$(count)
	run cafe-daemon
	assert_failure 64
	assert_output --partial 'no subcommand given'
	run cafe-daemon walk
	assert_failure 64
	assert_output --partial "unknown subcommand 'walk'"
	run cafe-daemon run --policy kitchen
	assert_failure 64
	assert_output --partial "unknown policy 'kitchen'"
	run cafe-daemon run extra
	assert_failure 64
	run cafe-daemon status --once
	assert_failure 64
	assert_output --partial "'status' takes no --once"
	run cafe-daemon retry start-delivery notify
	assert_failure 64
	run cafe-daemon retry kitchen
	assert_failure 64
	assert_output --partial "unknown policy 'kitchen'"
	run cafe-daemon run --policy
	assert_failure 64
	[ "$(count)" = "$before" ]
	[ "$(checkpoint start-delivery)" = 0 ]
}

@test "status of a database that does not exist: exit 74, nothing created" {
	run cafe-daemon status
	assert_failure 74
	assert_output --partial "$CAFE_DB"
	no_db
}

@test "with no daemon orders are still taken; run --once catches up" {
	place 3
	[ "$(count OrderPlaced)" = 3 ]
	[ "$(count DeliveryStarted)" = 0 ]
	run cafe-daemon --json status
	assert_success
	jq -e -s 'all(.[]; .checkpoint == 0 and .lag == 16)' <<<"$output"
	run cafe-daemon run --once
	assert_success
	[ "$(count DeliveryStarted)" = 3 ]
	for id in 1 2 3; do
		[ "$(count_of DeliveryStarted $id)" = 1 ]
	done
	# One line per action on stderr.
	assert_output --partial 'start-delivery: order 2: PaymentApproved -> DeliveryStarted'
	assert_output --partial 'notify: order 3: DeliveryStarted -> NotificationQueued'
	run cafe-daemon status
	assert_success
}

@test "run --once a second time appends nothing" {
	place 2
	cafe-daemon -q run --once
	before=$(count)
	run cafe-daemon run --once
	assert_success
	assert_output ''
	[ "$(count)" = "$before" ]
	no_duplicates
}

@test "the WAL is emptied when run --once ends and when the log falls quiet" {
	sqlite_only "SQLite's WAL file; a PostgreSQL server checkpoints its own"
	place 3
	[ -s "$CAFE_DB-wal" ]
	cafe-daemon -q run --once
	# The next program to open the log has no WAL to read.
	assert_equal "$(stat -c %s "$CAFE_DB-wal")" 0
	[ "$(count DeliveryStarted)" = 3 ]
	# Leases renewed seldom: each renewal is a write, which fills the WAL
	# again (a loaded machine's renewals came between truncation and look).
	use_config <<<'daemon: {lease_ms: 60000}'
	start_daemon -q run
	place 2
	wait_for '[ "$(count DeliveryStarted)" = 5 ]' 30
	# Looked at without opening the log: a reader would be in the way of
	# the checkpoint it waits for.
	wait_for '[ "$(stat -c %s "$CAFE_DB-wal")" = 0 ]' 60
	alive "$DAEMON"
}

@test "a reader in the way: run --once leaves the WAL and does not wait for it" {
	sqlite_only "SQLite's WAL checkpoint and its readers"
	place 3
	# sqlite3 holds a read transaction open until its stdin closes.
	mkfifo "$T/reader"
	db_sql <"$T/reader" >"$T/reader.out" &
	reader=$!
	exec 4>"$T/reader"
	echo "BEGIN; SELECT count(*) FROM events;" >&4
	wait_for '[ -s "$T/reader.out" ]' 10
	# Well within the 10 s busy timeout it would wait if it waited.
	run timeout 5 cafe-daemon -q run --once
	assert_success
	[ "$(count DeliveryStarted)" = 3 ]
	[ -s "$CAFE_DB-wal" ]
	exec 4>&-
	wait "$reader"
	cafe-daemon -q run --once
	assert_equal "$(stat -c %s "$CAFE_DB-wal")" 0
}

@test "status --json: one object per policy with the documented fields" {
	place 1
	cafe-daemon -q run --once
	run --separate-stderr cafe-daemon --json status
	assert_success
	[ "${#lines[@]}" = 7 ]
	jq -e -s 'map(.policy) == ["start-delivery", "print", "compensate", "refund",
	    "reconcile", "notify", "trace"]' <<<"$output"
	jq -e -s --argjson h "$(head_seq)" 'all(.[]; .checkpoint == $h and .head == $h
	    and .lag == 0 and .holder == null and .lease_expires == null
	    and .waiting == 0 and .parked == 0 and .parked_events == []
	    and .healthy == true)' <<<"$output"
}

@test "status is unhealthy (exit 1) when a policy lags past daemon.lag_alert" {
	use_config <<-EOF
	daemon: {lag_alert: 5}
	EOF
	place 3
	cafe-daemon -q run --once --policy start-delivery --policy trace
	place 2
	run cafe-daemon status
	assert_failure 1
	assert_output --partial 'unhealthy: start-delivery lags'
	assert_output --partial '(alert at 5)'
	cafe-daemon -q run --once
	run cafe-daemon status
	assert_success
}

@test "--policy runs only the named policies; the others keep their checkpoints" {
	place 2
	cafe-order cancel 1 --reason 'changed their mind'
	run cafe-daemon run --once --policy start-delivery --policy notify
	assert_success
	[ "$(count DeliveryStarted)" = 1 ]
	[ "$(count RefundRequested)" = 0 ]
	[ "$(checkpoint compensate)" = 0 ]
	[ "$(checkpoint refund)" = 0 ]
	[ "$(checkpoint start-delivery)" -gt 0 ]
	run cafe-daemon run --once --policy compensate
	assert_success
	[ "$(count RefundRequested)" = 1 ]
	[ "$(count PaymentRefunded)" = 0 ]
	cafe-daemon -q run --once
	[ "$(count PaymentRefunded)" = 1 ]
	no_duplicates
}

@test "a daemon started after downtime works off everything since its checkpoints" {
	place 2
	cafe-daemon -q run --once
	place 3
	cafe-order cancel 4
	start_daemon run
	wait_for '[ "$(count DeliveryStarted)" = 4 ] && [ "$(count PaymentRefunded)" = 1 ]'
	wait_for '[ "$(checkpoint start-delivery)" = "$(head_seq)" ] || cafe-daemon -q status'
	kill -TERM "$DAEMON"
	wait "$DAEMON"
	for id in 1 2 3 5; do
		[ "$(count_of DeliveryStarted $id)" = 1 ]
	done
	[ "$(count_of DeliveryStarted 4)" = 0 ]
	no_duplicates
	no_gaps
}

@test "run --once on an empty new database creates it and succeeds" {
	run cafe-daemon run --once
	assert_success
	db_made
	[ "$(count)" = 0 ]
}

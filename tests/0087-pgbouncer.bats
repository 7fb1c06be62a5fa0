#!/usr/bin/env bats
# 0087-pgbouncer: the terminals of a chain behind pgbouncer (Debian's), in
# front of a PostgreSQL server of the file's own on loopback. Session mode
# is what cafe needs, and works: orders from several terminals at once, a
# daemon woken by NOTIFY, the views. The other two modes are tried as they
# are, so that what the README says they break is what they break here:
# transaction mode hands a server connection to another client between
# transactions (cafe's prepared statements and LISTEN are the session's),
# statement mode refuses a transaction of several statements.

bats_require_minimum_version 1.5.0
load helpers/setup
load helpers/pg
load helpers/daemon

setup_file() {
	command -v pgbouncer >/dev/null || { echo "no pgbouncer: run 'make deps'" >&2; return 1; }
	export PG_LISTEN=127.0.0.1 PG_PORT=$((30000 + RANDOM % 5000))
	pg_start
	BOUNCER_PORT=$((PG_PORT + 5000))
	printf '"cafe" ""\n' >"$PG_DIR/users.txt"
	for mode in session transaction statement; do
		psql -qAtX "$PG_URI" -c "CREATE DATABASE $mode" >/dev/null
	done
	# One pgbouncer, a database name per mode (pool_mode per database).
	cat >"$PG_DIR/pgbouncer.ini" <<-EOF
	[databases]
	session = host=127.0.0.1 port=$PG_PORT dbname=session user=cafe pool_mode=session
	transaction = host=127.0.0.1 port=$PG_PORT dbname=transaction user=cafe pool_mode=transaction pool_size=1
	statement = host=127.0.0.1 port=$PG_PORT dbname=statement user=cafe pool_mode=statement
	[pgbouncer]
	listen_addr = 127.0.0.1
	listen_port = $BOUNCER_PORT
	unix_socket_dir =
	auth_type = trust
	auth_file = $PG_DIR/users.txt
	max_client_conn = 200
	default_pool_size = 20
	logfile = $PG_DIR/pgbouncer.log
	pidfile = $PG_DIR/pgbouncer.pid
	EOF
	[ "$(id -u)" != 0 ] || chown nobody "$PG_DIR/pgbouncer.ini" "$PG_DIR/users.txt"
	pg_as pgbouncer -d "$PG_DIR/pgbouncer.ini" >/dev/null
	wait_for "psql -qAtX 'postgresql://cafe@127.0.0.1:$BOUNCER_PORT/session' -c 'SELECT 1' >/dev/null 2>&1" 30
	export BOUNCER_PORT
}

teardown_file() {
	[ ! -f "$PG_DIR/pgbouncer.pid" ] || kill "$(cat "$PG_DIR/pgbouncer.pid")" 2>/dev/null || :
	pg_stop
}

bouncer() {	# MODE: its URI through pgbouncer
	echo "postgresql://cafe@127.0.0.1:$BOUNCER_PORT/$1"
}

# Each PaymentRequested has its OrderPlaced, or was voided.
no_half_orders() {
	assert_equal "$(db_sql "SELECT count(*) FROM events r WHERE type = 'PaymentRequested'
	    AND NOT EXISTS (SELECT 1 FROM events o WHERE o.type IN ('OrderPlaced',
	    'PaymentVoided') AND o.data->>'order_id' = r.data->>'order_id')")" 0
}

@test "session mode: four terminals at once and a daemon woken by NOTIFY, all through pgbouncer" {
	export CAFE_DB=$(bouncer session)
	cafe-log init 2>/dev/null
	start_daemon run
	pids=()
	for t in 1 2 3 4; do
		(for i in $(seq 1 10); do cafe-order -q place latte --key "t$t-$i" || exit 1; done) &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	assert_equal "$(count OrderPlaced)" 40
	wait_for '[ "$(count DeliveryStarted)" = 40 ]' 60
	no_duplicates
	no_half_orders
	run cafe-trace --json list --limit 1
	assert_success
	assert_equal "$(jq -r .delivery_status <<<"$output")" brewing
	# The daemon's session holds its LISTEN: pgbouncer's own count says
	# so (one client per connection the daemon opened, all still there).
	alive "$DAEMON"
}

@test "transaction mode breaks cafe: another client's prepared statements on its connection; 74 with a hint, nothing half-done" {
	export CAFE_DB=$(bouncer transaction)
	cafe-log init 2>/dev/null
	run cafe-order place latte
	assert_success
	before=$(event_count)
	run cafe-order place latte
	assert_failure 74
	assert_output --regexp "^cafe-order: database '$CAFE_DB': .*(prepared statement|current transaction is aborted).* \(behind a connection pooler\? cafe needs its session mode\)$"
	# Cut between its two transactions: the charge asked for and no
	# order, as after a crash there. Nothing else was appended, and the
	# daemon (in session mode: here straight to the server) voids it.
	assert_equal "$(db_sql "SELECT type FROM events WHERE seq > $before")" PaymentRequested
	use_config <<<'daemon: {reconcile_after_ms: 0}'
	run cafe-daemon --db "postgresql:///transaction?host=$PG_DIR&port=$PG_PORT&user=cafe" \
	    -q run --once
	assert_success
	assert_equal "$(db_sql "SELECT type FROM events WHERE seq > $before AND type LIKE 'Payment%'
	    ORDER BY seq")" "PaymentRequested
PaymentAbandoned
PaymentVoided"
	no_half_orders
}

@test "statement mode breaks cafe: a transaction of several statements is refused; nothing appended" {
	export CAFE_DB=$(bouncer statement)
	run cafe-log init
	assert_failure 75
	assert_output --partial "lost the connection to database '$CAFE_DB'"
	run cafe-order place latte
	assert_failure 75
	assert_equal "$(event_count "postgresql:///statement?host=$PG_DIR&port=$PG_PORT&user=cafe")" 0
}

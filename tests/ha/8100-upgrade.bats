#!/usr/bin/env bats
# 8100-upgrade (`make check-ha`): a new release goes in while the shop
# works. The release before (PREV, built here from git into a temp dir)
# runs the shop on PostgreSQL: eight terminals placing orders, a daemon,
# and clients asking cafe-web for the pick-up board. Then this release is
# installed in place (one rename of the programs' directory), which adds
# to the schema (the shops' index, the server's clock) on its first
# write; its daemon starts beside the old one, which is stopped and hands
# its leases over; and cafe-web is restarted on the socket it was given
# (systemd-socket-activate holds it, as cafe-web.socket does). No
# placement may fail for it (a 75 tried again with its key is not a
# failure), nothing is done twice, and no page request is lost.
#
# The release before cannot take a socket from systemd, so cafe-web runs
# this release's from the start: what is measured for it is a restart.

bats_require_minimum_version 1.5.0
load ../helpers/setup
load ../helpers/pg
load ../helpers/daemon

CAFE_TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
PATH="$CAFE_TOP/bin:$CAFE_TOP/${CAFE_BUILD:-build}/tests:$CAFE_TOP/tests/helpers:$PATH"

# The release before the chain (issue 27's, the counter).
PREV=${CAFE_PREV_RELEASE:-e9cf930}
TERMINALS=8

setup_file() {
	OLD="$BATS_FILE_TMPDIR/old"
	mkdir -p "$OLD"
	git -C "$CAFE_TOP" archive "$PREV" | tar -x -C "$OLD" ||
	    { echo "cannot take release $PREV from git (a clone with its history?)" >&2; return 1; }
	make -C "$OLD" -j2 all >"$BATS_FILE_TMPDIR/old-build.log" 2>&1 ||
	    { tail -20 "$BATS_FILE_TMPDIR/old-build.log" >&2; return 1; }
	pg_start
	export OLD
}

teardown_file() {
	pg_stop
}

local_setup() {
	use_config <<-EOF
	menu:
	  - {name: latte, price: 4000}
	payment: {sim: {latency_ms: 10, jitter_ms: 10}}
	daemon: {lease_ms: 1000, poll_ms: 20}
	EOF
	CAFE_DB=$(pg_fresh_db up)
	export CAFE_DB
	OPT="$T/opt"
	mkdir -p "$OPT"
	ln -s "$OLD/bin" "$OPT/current"
}

# A terminal of the shop: the installed programs, whichever release they
# are now; a 75 tried again with its key. KEY FIRST LAST in $T/tN.out.
terminal() {	# N
	local i=0 key first rc deadline
	while [ ! -e "$T/stop" ]; do
		i=$((i + 1))
		key="t$1-$i"
		first=
		deadline=$((SECONDS + 60))
		while :; do
			rc=0
			"$OPT/current/cafe-order" -q place latte --key "$key" 2>>"$T/t$1.err" || rc=$?
			[ -n "$first" ] || first=$rc
			[ "$rc" = 75 ] && [ $SECONDS -lt $deadline ] || break
			sleep 0.05
		done
		echo "$key $first $rc" >>"$T/t$1.out"
	done
}

# A customer's phone asking for the pick-up board, a new connection each
# time: the HTTP status of each, 000 for none.
client() {	# N
	while [ ! -e "$T/stop" ]; do
		curl -s -o /dev/null -w '%{http_code} %{exitcode} %{errormsg}\n' --max-time 10 \
		    -H 'Accept: application/json' "http://$WEB/" >>"$T/web$1.out" || :
	done
}

teardown() {
	touch "$T/stop"
	[ ! -f "$T/web.pid" ] || kill -KILL "$(cat "$T/web.pid")" 2>/dev/null || :
	for p in "${DAEMONS[@]}"; do kill -KILL "$p" 2>/dev/null || :; done
	DAEMONS=()
}

acks() {	# N: orders terminal N was told 0 for
	awk '$3 == 0' "$T/t$1.out" 2>/dev/null | wc -l
}

each_acks() {	# N more for every terminal
	local t want=()
	for t in $(seq 1 $TERMINALS); do want[t]=$(( $(acks "$t") + $1 )); done
	for t in $(seq 1 $TERMINALS); do wait_for "[ \$(acks $t) -ge ${want[t]} ]" 120; done
}

pages() {	# answers with this status so far
	cat "$T"/web*.out 2>/dev/null | grep -c "^$1 " || :
}

@test "a new release with a schema addition goes in under load: no placement fails, nothing twice, no page lost" {
	"$OPT/current/cafe-log" init 2>/dev/null
	assert_equal "$(db_sql "SELECT to_regproc('cafe_append_at') IS NULL")" t
	# The old daemon, from where the shop's programs are installed.
	"$OPT/current/cafe-daemon" run 2>>"$T/old-daemon.err" 3>&- &
	old_daemon=$!
	DAEMONS+=("$old_daemon")
	# cafe-web on a socket it was given, restarted as a service manager
	# would, by a supervisor that keeps the socket (fd 3).
	WEB="127.0.0.1:$((30000 + RANDOM % 20000))"
	cat >"$T/supervise" <<EOF
#!/bin/bash
export CAFE_DB='$CAFE_DB' CAFE_CONFIG='$CAFE_CONFIG' HOME='$HOME' WEB_BIN='$CAFE_TOP/bin/cafe-web'
while [ ! -e '$T/stop' ]; do
	/bin/bash -c 'export LISTEN_FDS=1 LISTEN_PID=\$\$; exec "\$WEB_BIN" -q run' 2>>'$T/web.err' &
	echo \$! >'$T/web.pid'
	wait \$!
done
EOF
	chmod +x "$T/supervise"
	systemd-socket-activate -l "$WEB" "$T/supervise" 2>"$T/activate.err" 3>&- &
	DAEMONS+=($!)
	wait_for "curl -sf -o /dev/null -H 'Accept: application/json' 'http://$WEB/'" 60
	pids=()
	for t in $(seq 1 $TERMINALS); do terminal "$t" 3>&- & pids+=($!); done
	for c in 1 2; do client "$c" 3>&- & pids+=($!); done
	each_acks 3
	before_orders=$(count OrderPlaced)
	before_pages=$(pages 200)

	# The upgrade: this release's programs in place of the old ones.
	ln -s "$CAFE_TOP/bin" "$OPT/next"
	mv -T "$OPT/next" "$OPT/current"
	"$OPT/current/cafe-daemon" run 2>>"$T/new-daemon.err" 3>&- &
	new_daemon=$!
	DAEMONS+=("$new_daemon")
	wait_for '[ "$(db_sql "SELECT to_regproc('"'"'cafe_append_at'"'"') IS NOT NULL")" = t ]' 60
	kill -TERM "$old_daemon"
	wait "$old_daemon"
	wait_for '[ "$(holder start-delivery)" = "$new_daemon" ]' 60
	# cafe-web restarted twice on its socket while the clients ask.
	for r in 1 2; do
		web=$(cat "$T/web.pid")
		kill -TERM "$web"
		wait_for "[ \"\$(cat '$T/web.pid')\" != $web ]" 60
		wait_for "[ \$(pages 200) -gt \$(( $(pages 200) + 20 )) ]" 60
	done
	each_acks 3
	touch "$T/stop"
	wait "${pids[@]}"

	# No placement failed; each is there once, with its charge, started once.
	total=$(cat "$T"/t*.out | wc -l)
	tempfails=$(awk '$2 == 75' "$T"/t*.out | wc -l)
	failed=$(awk '$3 != 0' "$T"/t*.out | wc -l)
	[ "$failed" = 0 ] || { awk '$3 != 0' "$T"/t*.out | head; sort "$T"/t*.err | uniq -c | head; false; }
	assert_equal "$(count OrderPlaced)" "$total"
	assert_equal "$(db_sql "SELECT count(DISTINCT meta->>'key') FROM events
	    WHERE type = 'PaymentRequested'")" "$total"
	wait_for '[ "$(count DeliveryStarted)" = "$total" ]' 120
	no_duplicates
	# The orders before it name no shop; those after it do (DESIGN §15).
	[ "$(db_sql "SELECT count(*) FROM events WHERE type = 'OrderPlaced'
	    AND meta->>'shop' IS NULL")" -gt 0 ]
	[ "$(db_sql "SELECT count(*) FROM events WHERE type = 'OrderPlaced'
	    AND meta->>'shop' = 'main'")" -gt 0 ]
	# No page request lost.
	web_total=$(cat "$T"/web*.out | wc -l)
	web_failed=$(cat "$T"/web*.out | grep -vc '^200 ' || :)
	[ "$web_failed" = 0 ] || { sort "$T"/web*.out | uniq -c; cat "$T/web.err"; false; }
	echo "# upgrade from $PREV: $total placements ($((total - before_orders)) during and after it), 0 failed, $tempfails first tries got 75; $web_total page requests ($(( $(pages 200) - before_pages )) during and after it, two restarts of cafe-web), 0 failed" >&3
}

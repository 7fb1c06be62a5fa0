#!/usr/bin/env bats
# 5900-notify (soak, `make soak`): the outbox under abuse. A sender killed
# with SIGKILL again and again at random moments loses no message and
# records each (message, channel) once; a sender that finds the database
# locked past the busy timeout waits it out instead of dying. The short
# versions are in tests/5000-notify.bats.

load ../helpers/setup
load ../helpers/foundation

# setup.bash finds the top from the test's directory, one level too low here.
CAFE_TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
PATH="$CAFE_TOP/bin:$CAFE_TOP/${CAFE_BUILD:-build}/tests:$CAFE_TOP/tests/helpers:$PATH"

local_setup() {
	cafe-log init >/dev/null 2>&1
	export FAKE_CHANNEL_OUT="$T/channel.out"
	unset FAKE_CHANNEL_FAIL FAKE_CHANNEL_HANG FAKE_CHANNEL_PID FAKE_CHANNEL_SLEEP
	use_config <<EOF
notify:
  channels:
    - {type: file, path: $T/messages.log}
    - {type: command, command: [fake-channel]}
  retry: {max_attempts: 5, backoff_ms: 0}
EOF
}

teardown() {
	if [ -n "${SENDER:-}" ]; then kill -9 "$SENDER" 2>/dev/null || :; fi
	foundation_teardown
}

queue() {
	log-append "notify-$1" NotificationQueued \
	    "{\"order_id\":1,\"message_id\":\"$1\",\"event\":\"DrinkReady\",\"customer\":\"kim\",\"text\":\"message $1\"}" \
	    >/dev/null
}

@test "soak: SIGKILL at random moments, 30 times, loses nothing and records once" {
	export FAKE_CHANNEL_SLEEP=0.01
	for i in $(seq 1 200); do queue "m$i"; done
	for round in $(seq 1 30); do
		cafe-notify -q send & SENDER=$!
		sleep "0.$(( RANDOM % 25 + 5 ))"
		kill -KILL "$SENDER"
		wait "$SENDER" 2>/dev/null || :
		SENDER=
	done
	cafe-notify -q send --once
	# Exactly once in the log, per message and channel.
	run db_sql "SELECT count(*), count(DISTINCT (data->>'message_id') || ' ' || (data->>'channel')) FROM events WHERE type = 'NotificationSent'"
	assert_output "400|400"
	run db_sql "SELECT count(*) FROM events WHERE type = 'NotificationSent' AND (data->>'first')"
	assert_output 200
	# At least once on every channel.
	[ "$(jq -r .message_id "$T/messages.log" | sort -u | wc -l)" -eq 200 ]
	[ "$(jq -r .message_id "$T/channel.out" | sort -u | wc -l)" -eq 200 ]
	echo "# resent after a kill: $(( $(wc -l <"$T/messages.log") - 200 )) to the file," \
	    "$(( $(wc -l <"$T/channel.out") - 200 )) to the command" >&3
	[ "$(db_sql 'SELECT count(*) FROM notify_claims')" -eq 0 ]
	run cafe-notify --json list --status sent
	[ "${#lines[@]}" -eq 200 ]
	run cafe-log verify
	assert_success
}

@test "soak: a database locked past the busy timeout is waited out" {
	queue m1
	hold_write_lock
	( sleep 13; release_write_lock ) 3>&- &
	cafe-notify send 2>"$T/err" & SENDER=$!
	wait_for 'grep -q "is busy, try again (trying again)" "$T/err"' 30
	wait_for '[ "$(db_sql "SELECT count(*) FROM events WHERE type = '"'"'NotificationSent'"'"'")" -eq 2 ]' 30
	kill -0 "$SENDER"
	kill -TERM "$SENDER"
	wait "$SENDER"
	SENDER=
}

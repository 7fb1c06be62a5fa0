#!/usr/bin/env bats
# 5000-notify: the outbox (cafe-notify): channels, what is recorded, retries
# with backoff until dead, requeueing, claims between two senders, a sender
# killed mid-send. Messages are queued with tests/helpers/log-append the way
# the daemon's notify policy queues them; the channel command is
# tests/helpers/fake-channel.

bats_require_minimum_version 1.5.0
load helpers/setup

local_setup() {
	cafe-log init >/dev/null 2>&1
	export FAKE_CHANNEL_OUT="$T/channel.out"
	unset FAKE_CHANNEL_FAIL FAKE_CHANNEL_HANG FAKE_CHANNEL_PID FAKE_CHANNEL_SLEEP \
	    FAKE_CHANNEL_ARGS
}

teardown() {
	# A channel left hanging by a test that failed half-way.
	if [ -s "$T/hang.pid" ]; then kill -9 "$(cat "$T/hang.pid")" 2>/dev/null || :; fi
	if [ -n "${SENDER:-}" ]; then kill -9 "$SENDER" 2>/dev/null || :; fi
}

# queue ID [ORDER [EVENT]]: a NotificationQueued for message ID.
queue() {
	log-append "notify-$1" NotificationQueued \
	    "{\"order_id\":${2:-1},\"message_id\":\"$1\",\"event\":\"${3:-DrinkReady}\",\"customer\":\"kim\",\"text\":\"message $1\"}" \
	    >/dev/null
}

count_type() {
	db_sql "SELECT count(*) FROM events WHERE type = '$1'"
}

# The data of every event of a type, one JSON object per line.
data_of() {
	db_sql "SELECT data FROM events WHERE type = '$1' ORDER BY seq"
}

channel_config() {	# MAX_ATTEMPTS BACKOFF_MS [extra channel lines]
	use_config <<EOF
notify:
  channels:
    - {type: file, path: $T/messages.log}
    - {type: command, command: [fake-channel]}
$3
  retry: {max_attempts: $1, backoff_ms: $2}
EOF
}

status_of() {	# the outbox status of message $1
	cafe-notify --json list | jq -r "select(.message_id == \"$1\") | .status"
}

# Gone, or a zombie waiting for an init that does not reap.
dead() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 0
	[[ -z $st || $st == Z* ]]
}

@test "with no channel configured, messages go to stdout as JSON lines" {
	queue m1 5 DeliveryStarted
	queue m2 5 DrinkReady
	run --separate-stderr cafe-notify send --once
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	assert_equal "$(jq -c 'del(.ts)' <<<"${lines[0]}")" \
	    '{"message_id":"m1","order_id":5,"customer":"kim","event":"DeliveryStarted","text":"message m1"}'
	assert_equal "$(jq -r .message_id <<<"${lines[1]}")" m2
	jq -e '.ts | test("^[0-9-]+T[0-9:.]+Z$")' <<<"${lines[0]}" >/dev/null
	assert_equal "$(data_of NotificationSent | jq -c . | paste -sd' ')" \
	    '{"order_id":5,"message_id":"m1","channel":"stdout","attempt":1,"first":true} {"order_id":5,"message_id":"m2","channel":"stdout","attempt":1,"first":true}'
	run db_sql "SELECT stream || ' ' || (meta->>'correlation_id') || ' ' || (meta->>'tool') FROM events WHERE type = 'NotificationSent' GROUP BY 1 ORDER BY min(seq)"
	assert_output "notify-m1 5 cafe-notify
notify-m2 5 cafe-notify"
}

@test "a message is sent once: a second run sends nothing" {
	queue m1
	cafe-notify send --once >/dev/null
	before=$(event_count)
	run cafe-notify send --once
	assert_success
	assert_output ""
	[ "$(event_count)" -eq "$before" ]
}

@test "every channel gets every message; first is set once per message" {
	channel_config 5 0
	queue m1
	queue m2
	run cafe-notify send --once
	assert_success
	assert_output ""
	assert_equal "$(jq -r .message_id "$T/messages.log" | paste -sd' ')" "m1 m2"
	assert_equal "$(jq -r .message_id "$T/channel.out" | paste -sd' ')" "m1 m2"
	assert_equal "$(jq -r 'keys_unsorted | join(",")' "$T/messages.log" | sort -u)" \
	    "message_id,order_id,customer,event,text,ts"
	assert_equal "$(data_of NotificationSent | jq -r '"\(.message_id) \(.channel) \(.first)"' | paste -sd,)" \
	    "m1 file:$T/messages.log true,m1 command:fake-channel false,m2 file:$T/messages.log true,m2 command:fake-channel false"
	# The file channel's line is the same bytes the command got.
	diff "$T/messages.log" "$T/channel.out"
}

@test "trace counts each message once, however many channels carried it" {
	channel_config 5 0
	id=$(cafe-order place latte --customer kim)
	queue m1 "$id"
	queue m2 "$id"
	cafe-notify send --once
	run cafe-trace --json list
	assert_equal "$(jq -r .messages <<<"$output")" 2
}

@test "the command channel runs argv without a shell" {
	use_config <<EOF
notify:
  channels:
    - {type: command, command: [fake-channel, 'two words', '\$HOME', '*']}
EOF
	export FAKE_CHANNEL_ARGS="$T/args"
	queue m1
	cafe-notify send --once
	assert_equal "$(cat "$T/args")" "two words
\$HOME
*"
	assert_equal "$(jq -r .message_id "$T/channel.out")" m1
}

@test "a command channel that cannot be run is a failure that says why" {
	use_config <<EOF
notify:
  channels:
    - {type: command, command: ["$T/no-such-channel"]}
  retry: {max_attempts: 1}
EOF
	queue m1
	run cafe-notify send --once
	run db_sql "SELECT (data->>'error') FROM events
	    WHERE type = 'NotificationFailed'"
	assert_output "cannot run '$T/no-such-channel': No such file or directory"
}

@test "a failing channel is retried, then dead; the channel that worked is not resent" {
	channel_config 3 0
	export FAKE_CHANNEL_FAIL="$T/fail"
	touch "$T/fail"
	queue m1
	run --separate-stderr cafe-notify send --once
	assert_success
	assert_equal "$(data_of NotificationFailed | jq -c . | paste -sd' ')" \
	    '{"order_id":1,"message_id":"m1","channel":"command:fake-channel","attempt":1,"error":"'"'"'fake-channel'"'"' exited with status 3: smtp down","dead":false} {"order_id":1,"message_id":"m1","channel":"command:fake-channel","attempt":2,"error":"'"'"'fake-channel'"'"' exited with status 3: smtp down","dead":false} {"order_id":1,"message_id":"m1","channel":"command:fake-channel","attempt":3,"error":"'"'"'fake-channel'"'"' exited with status 3: smtp down","dead":true}'
	[[ $stderr == *"failed (attempt 1 of 3, will retry): 'fake-channel' exited with status 3: smtp down"* ]]
	[[ $stderr == *"to 'command:fake-channel' is dead after 3 attempts"* ]]
	assert_equal "$(status_of m1)" dead
	run cafe-notify --json list --status dead
	assert_equal "$(jq -r '"\(.message_id) \(.attempts) \(.error)"' <<<"$output")" \
	    "m1 3 'fake-channel' exited with status 3: smtp down"
	assert_equal "$(jq -r '.channels[] | "\(.status) \(.attempts)"' <<<"$output" | paste -sd,)" \
	    "sent 1,dead 3"
	# Dead stays dead: another run tries nothing.
	before=$(event_count)
	cafe-notify send --once
	[ "$(event_count)" -eq "$before" ]
	[ "$(wc -l <"$T/channel.out")" -eq 3 ]

	rm "$T/fail"
	run cafe-notify retry --dead
	assert_success
	assert_output "m1 requeued"
	assert_equal "$(data_of NotificationRequeued)" '{"order_id":1,"message_id":"m1"}'
	assert_equal "$(status_of m1)" queued
	cafe-notify send --once
	assert_equal "$(status_of m1)" sent
	assert_equal "$(data_of NotificationSent | jq -r '"\(.channel) \(.attempt) \(.first)"' | paste -sd,)" \
	    "file:$T/messages.log 1 true,command:fake-channel 1 false"
	[ "$(wc -l <"$T/messages.log")" -eq 1 ]
	[ "$(wc -l <"$T/channel.out")" -eq 4 ]
}

@test "retries back off exponentially" {
	use_config <<EOF
notify:
  channels:
    - {type: command, command: [fake-channel]}
  retry: {max_attempts: 3, backoff_ms: 200}
EOF
	export FAKE_CHANNEL_FAIL="$T/fail"
	touch "$T/fail"
	queue m1
	cafe-notify send -q & SENDER=$!
	wait_for '[ "$(count_type NotificationFailed)" -eq 3 ]' 10
	kill -TERM "$SENDER"
	wait "$SENDER"
	SENDER=
	# Gaps of at least 200 ms and 400 ms between the attempts.
	run db_sql "SELECT coalesce($(sql_ms ts) - lag($(sql_ms ts)) OVER (ORDER BY seq), 0) FROM events WHERE type = 'NotificationFailed' ORDER BY seq"
	[ "${lines[1]}" -ge 190 ] || fail "second attempt after ${lines[1]} ms"
	[ "${lines[2]}" -ge 390 ] || fail "third attempt after ${lines[2]} ms"
	assert_equal "$(status_of m1)" dead
}

@test "send --once does not wait for a retry that is not due" {
	channel_config 5 60000
	export FAKE_CHANNEL_FAIL="$T/fail"
	touch "$T/fail"
	queue m1
	start=$(date +%s)
	run cafe-notify send --once -q
	assert_success
	[ $(( $(date +%s) - start )) -le 3 ]
	[ "$(count_type NotificationFailed)" -eq 1 ]
	assert_equal "$(status_of m1)" failed
	# retry makes it due at once.
	run cafe-notify retry m1
	assert_success
	assert_output "m1 requeued"
	rm "$T/fail"
	cafe-notify send --once
	assert_equal "$(status_of m1)" sent
}

@test "a command that takes too long is killed and counts as a failure" {
	use_config <<EOF
notify:
  channels:
    - {type: command, command: [fake-channel]}
  retry: {max_attempts: 1, backoff_ms: 0}
EOF
	export FAKE_CHANNEL_HANG="$T/hang" FAKE_CHANNEL_PID="$T/hang.pid"
	touch "$T/hang"
	queue m1
	start=$(date +%s)
	run --separate-stderr cafe-notify send --once --timeout 300ms
	assert_success
	[ $(( $(date +%s) - start )) -le 5 ]
	assert_equal "$(data_of NotificationFailed | jq -r '"\(.error) \(.dead)"')" \
	    "'fake-channel' timed out after 300 ms true"
	wait_for 'dead "$(cat "$T/hang.pid")"' 5
}

@test "a command that exits leaving a child behind is done when it exits" {
	use_config <<EOF
notify:
  channels:
    - {type: command, command: [sh, -c, 'cat >/dev/null; sleep 30 & echo \$! >"\$0"; exit 0', $T/bg.pid]}
EOF
	queue m1
	start=$(date +%s)
	run cafe-notify send --once
	assert_success
	[ $(( $(date +%s) - start )) -le 5 ]
	assert_equal "$(status_of m1)" sent
	# Its process group went with it.
	wait_for 'dead "$(cat "$T/bg.pid")"' 5
}

@test "a message with a channel still retrying is failed, not dead" {
	use_config <<EOF
notify:
  channels:
    - {type: command, command: [fake-channel, a]}
    - {type: command, command: [fake-channel, b]}
  retry: {max_attempts: 5, backoff_ms: 60000}
EOF
	export FAKE_CHANNEL_FAIL="$T/fail"
	touch "$T/fail"
	queue m1
	cafe-notify send --once -q
	use_config <<EOF
notify:
  channels:
    - {type: command, command: [fake-channel, b]}
  retry: {max_attempts: 5, backoff_ms: 60000}
EOF
	cafe-notify send --once -q
	run cafe-notify --json list
	assert_equal "$(jq -r '.status, (.channels[] | "\(.channel) \(.status)")' <<<"$output" | paste -sd,)" \
	    "failed,command:fake-channel a dead,command:fake-channel b failed"
}

@test "a file channel that cannot be written is a failure" {
	use_config <<EOF
notify:
  channels:
    - {type: file, path: $T/no/such/dir/messages.log}
  retry: {max_attempts: 2, backoff_ms: 0}
EOF
	queue m1
	run cafe-notify send --once
	assert_success
	assert_equal "$(data_of NotificationFailed | jq -r .error | sort -u)" \
	    "cannot open '$T/no/such/dir/messages.log': No such file or directory"
	assert_equal "$(status_of m1)" dead
}

@test "a closed stdout is a failed send, not a dead sender" {
	use_config <<EOF
notify:
  retry: {max_attempts: 1, backoff_ms: 0}
EOF
	queue m1
	run bash -c 'cafe-notify send --once 2>&1 >&-'
	assert_success
	assert_output --partial "cannot write to standard output: it is closed"
	assert_equal "$(status_of m1)" dead
	# Nothing else landed on descriptor 1 meanwhile.
	run cafe-log verify
	assert_success
}

@test "a channel removed from the config makes its pending retries dead" {
	channel_config 5 60000
	export FAKE_CHANNEL_FAIL="$T/fail"
	touch "$T/fail"
	queue m1
	cafe-notify send --once -q
	assert_equal "$(status_of m1)" failed
	use_config <<EOF
notify:
  channels:
    - {type: file, path: $T/messages.log}
EOF
	cafe-notify send --once -q
	assert_equal "$(status_of m1)" dead
	assert_equal "$(data_of NotificationFailed | tail -1 | jq -r '"\(.error) \(.dead)"')" \
	    "channel 'command:fake-channel' is no longer configured true"
}

@test "a channel added later gets new messages, not old ones" {
	queue m1
	cafe-notify send --once >/dev/null
	use_config <<EOF
notify:
  channels:
    - {type: stdout}
    - {type: file, path: $T/messages.log}
EOF
	queue m2
	run cafe-notify send --once
	assert_output --partial '"message_id":"m2"'
	assert_equal "$(jq -r .message_id "$T/messages.log")" m2
}

@test "list filters by status and order" {
	channel_config 1 0
	export FAKE_CHANNEL_FAIL="$T/fail"
	queue a 1
	queue b 2
	cafe-notify send --once
	touch "$T/fail"
	queue c 2
	cafe-notify send --once -q
	queue d 3
	run cafe-notify list
	assert_success
	assert_line --index 0 --regexp '^MESSAGE +ORDER +EVENT +STATUS +TRIES +CUSTOMER +TEXT$'
	assert_line --index 1 --regexp '^a +1 +DrinkReady +sent +1 +kim +message a$'
	assert_line --index 3 --regexp "^c +2 +DrinkReady +dead +1 +kim +error: 'fake-channel' exited with status 3: smtp down$"
	assert_line --index 4 --regexp '^d +3 +DrinkReady +queued +0 +kim +message d$'
	run cafe-notify --json list --status sent
	assert_equal "$(jq -r .message_id <<<"$output" | paste -sd' ')" "a b"
	run cafe-notify --json list --order 2
	assert_equal "$(jq -r .message_id <<<"$output" | paste -sd' ')" "b c"
	run cafe-notify --json list --order 2 --status dead
	assert_equal "$(jq -r .message_id <<<"$output")" c
	run cafe-notify --json list --status queued
	assert_equal "$(jq -r .message_id <<<"$output")" d
	run cafe-notify --json list --status failed
	assert_output ""
}

@test "retry refuses what there is nothing to retry, and appends nothing" {
	queue m1
	queue m2
	cafe-notify send --once >/dev/null
	queue m3
	before=$(event_count)
	run cafe-notify retry nope
	assert_failure 1
	assert_output "cafe-notify: unknown message 'nope' (see 'cafe-notify list')"
	run cafe-notify retry m1
	assert_failure 1
	assert_output "cafe-notify: message 'm1' was already sent: nothing to retry"
	run cafe-notify retry m3
	assert_failure 1
	assert_output "cafe-notify: message 'm3' is queued, not failed: 'cafe-notify send' sends it"
	run cafe-notify retry --dead
	assert_success
	assert_output ""
	[ "$(event_count)" -eq "$before" ]
}

@test "bad command lines are usage errors and append nothing" {
	queue m1
	before=$(event_count)
	run cafe-notify
	assert_failure 64
	run cafe-notify shout
	assert_failure 64
	assert_output --partial "unknown subcommand 'shout'"
	run cafe-notify send extra
	assert_failure 64
	run cafe-notify send --dead
	assert_failure 64
	assert_output --partial "'send' takes no --dead"
	run cafe-notify send --timeout soon
	assert_failure 64
	assert_output --partial "--timeout wants a duration"
	run cafe-notify list --status lost
	assert_failure 64
	assert_output --partial "unknown status 'lost'"
	run cafe-notify list --order x
	assert_failure 64
	run cafe-notify list --once
	assert_failure 64
	run cafe-notify retry
	assert_failure 64
	assert_output --partial "'retry' needs one message id, or --dead"
	run cafe-notify retry m1 --dead
	assert_failure 64
	run cafe-notify retry m1 m2
	assert_failure 64
	[ "$(event_count)" -eq "$before" ]
}

@test "a missing database is an I/O error, and is not created" {
	db_remove
	run cafe-notify send --once
	assert_failure 74
	assert_output --partial "cafe-log init"
	no_db
}

@test "send keeps running, sends as messages arrive, and ends on SIGTERM or SIGINT" {
	channel_config 5 0
	cafe-notify send 2>"$T/err" & SENDER=$!
	queue m1
	wait_for '[ "$(count_type NotificationSent)" -eq 2 ]' 10
	queue m2
	wait_for '[ "$(count_type NotificationSent)" -eq 4 ]' 10
	kill -TERM "$SENDER"
	wait "$SENDER"
	SENDER=
	cafe-notify send 2>"$T/err" & SENDER=$!
	queue m3
	wait_for '[ "$(count_type NotificationSent)" -eq 6 ]' 10
	kill -INT "$SENDER"
	wait "$SENDER"
	SENDER=
	assert_equal "$(jq -r .message_id "$T/messages.log" | paste -sd' ')" "m1 m2 m3"
}

@test "SIGTERM while a channel is busy: the message is finished and recorded" {
	use_config <<EOF
notify:
  channels:
    - {type: command, command: [fake-channel]}
EOF
	export FAKE_CHANNEL_SLEEP=1
	queue m1
	cafe-notify send & SENDER=$!
	wait_for '[ -s "$T/channel.out" ]' 10
	kill -TERM "$SENDER"
	wait "$SENDER"
	SENDER=
	assert_equal "$(status_of m1)" sent
}

@test "SIGKILL during a send loses no message and records each once" {
	channel_config 5 0
	export FAKE_CHANNEL_HANG="$T/hang" FAKE_CHANNEL_PID="$T/hang.pid"
	queue m1
	queue m2
	queue m3
	touch "$T/hang"
	cafe-notify send 2>/dev/null & SENDER=$!
	# m1 reached both channels; the sender waits for the command to end.
	wait_for '[ -s "$T/hang.pid" ]' 10
	kill -KILL "$SENDER"
	wait "$SENDER" || :
	SENDER=
	kill -9 "$(cat "$T/hang.pid")"
	rm "$T/hang" "$T/hang.pid"
	[ "$(count_type NotificationSent)" -eq 0 ]
	# The dead sender's claim does not hold the next one up.
	start=$(date +%s)
	run cafe-notify send --once
	assert_success
	[ $(( $(date +%s) - start )) -le 5 ]
	[ "$(count_type NotificationSent)" -eq 6 ]
	assert_equal "$(data_of NotificationSent | jq -r '"\(.message_id) \(.first)"' | sort | uniq -c | awk '{print $1, $2, $3}' | paste -sd,)" \
	    "1 m1 false,1 m1 true,1 m2 false,1 m2 true,1 m3 false,1 m3 true"
	# At least once: m1 went out twice (the crash came between sending
	# and recording), carrying the same message_id both times.
	assert_equal "$(jq -r .message_id "$T/messages.log" | paste -sd' ')" "m1 m1 m2 m3"
	assert_equal "$(jq -r .message_id "$T/channel.out" | paste -sd' ')" "m1 m1 m2 m3"
	[ "$(db_sql 'SELECT count(*) FROM notify_claims')" -eq 0 ]
}

@test "two senders at once never send one message twice" {
	use_config <<EOF
notify:
  channels:
    - {type: command, command: [fake-channel]}
EOF
	export FAKE_CHANNEL_SLEEP=0.02
	for i in $(seq 1 30); do queue "m$i"; done
	cafe-notify send --once 2>"$T/err1" & p1=$!
	cafe-notify send --once 2>"$T/err2" & p2=$!
	wait "$p1"
	wait "$p2"
	# Whatever one left to the other, a last run finds nothing to do.
	cafe-notify send --once
	[ "$(wc -l <"$T/channel.out")" -eq 30 ]
	[ -z "$(jq -r .message_id "$T/channel.out" | sort | uniq -d)" ]
	[ "$(count_type NotificationSent)" -eq 30 ]
	[ "$(data_of NotificationSent | jq -r .message_id | sort -u | wc -l)" -eq 30 ]
}

#!/usr/bin/env bats
# 2000-breaker: the shared circuit breaker in front of the payment
# processor (lib/pay/breaker.c, lib/pay/payment.c, DESIGN §5), driven through
# cafe-order place, cafe-pay breaker and tests/helpers/breaker-call, against
# a copy of tests/helpers/fake-processor per test.

bats_require_minimum_version 1.5.0
load helpers/setup

local_setup() {
	unset FAKE_MODE FAKE_SLEEP_MS FAKE_REASON FAKE_LEDGER FAKE_PID_FILE \
	    FAKE_REQUEST_FILE TIMEOUT WINDOW MIN RATE SLOW OPEN TRIALS
	# A copy per test, so pgrep -f finds this test's processes only.
	FAKE="$T/fake-processor"
	cp "$CAFE_HELPERS/fake-processor" "$FAKE"
	export FAKE_COUNT_FILE="$T/calls"
	: >"$FAKE_COUNT_FILE"
	breaker_config
	cafe-log -q init
}

# The config, from TIMEOUT WINDOW MIN RATE SLOW OPEN TRIALS (or defaults).
breaker_config() {
	use_config <<-EOF
		payment:
		  processor: command
		  command: ["$FAKE"]
		  timeout_ms: ${TIMEOUT:-3000}
		  breaker: {window: ${WINDOW:-4}, min_calls: ${MIN:-2},
		            failure_rate: ${RATE:-50}, slow_call_ms: ${SLOW:-2000},
		            open_ms: ${OPEN:-700}, half_open_calls: ${TRIALS:-2}}
	EOF
}

calls() { wc -l <"$FAKE_COUNT_FILE"; }
bstate() { cafe-pay --json breaker | jq -r ".${1:-state}"; }
transitions() {
	db_sql "select type from events where stream = 'breaker-payment'
	    order by seq" | paste -sd' '
}
last_transition() {
	db_sql "select data from events where stream = 'breaker-payment'
	    order by seq desc limit 1"
}
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# Two failures in a row open it with the default window.
open_it() {
	FAKE_MODE=exit3 cafe-order place latte 2>/dev/null || true
	FAKE_MODE=exit3 cafe-order place latte 2>/dev/null || true
	[ "$(bstate)" = open ]
}

due() {
	wait_for '[ "$(bstate half_open_in_ms)" = 0 ]' 10
}

# Processes of group $1 that are not zombies (an init that does not reap
# may keep the killed ones as zombies: they hold nothing).
group_alive() {
	ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/' | grep -q .
}

# No live process of the processor's groups is left (SIGKILL is delivered
# at once but a process takes a moment to die).
group_gone() {
	local pid
	while read -r pid; do
		wait_for "! group_alive $pid" 2 || { echo "group $pid lives"; return 1; }
	done <"$1"
}

@test "answers keep it closed and fill the window; a decline is an answer" {
	cafe-order place latte
	cafe-order place latte
	FAKE_MODE=decline run -1 cafe-order place latte
	assert_output --partial 'payment declined: card declined'
	run cafe-pay --json breaker
	assert_success
	assert_equal "$(jq -c '[.state, .calls, .failures, .slow, .half_open_at]' <<<"$output")" \
	    '["closed",3,0,0,null]'
	assert_equal "$(transitions)" ''
}

@test "failures reaching failure_rate open it, with the counts in BreakerOpened" {
	cafe-order place latte
	FAKE_MODE=exit3 run -69 cafe-order place latte
	assert_output 'cafe-order: payment processor exited with status 3: card reader offline'
	assert_equal "$(bstate)" open
	assert_equal "$(transitions)" 'BreakerOpened'
	assert_equal "$(last_transition | jq -c '[.breaker, .from, .calls, .failures,
	    .slow, .failure_rate, .threshold, .open_ms]')" '["payment","closed",2,1,0,50,50,700]'
	last_transition | jq -e '.reason | test("50% of the last 2 calls")'
}

@test "fewer than min_calls calls never open it" {
	MIN=3 breaker_config
	FAKE_MODE=exit3 run -69 cafe-order place latte
	FAKE_MODE=exit3 run -69 cafe-order place latte
	assert_equal "$(bstate)" closed
	assert_equal "$(bstate failures)" 2
	FAKE_MODE=exit3 run -69 cafe-order place latte
	assert_equal "$(bstate)" open
}

@test "the window holds the last 'window' calls only" {
	WINDOW=4 MIN=4 breaker_config
	FAKE_MODE=exit3 run -69 cafe-order place latte
	for i in 1 2 3 4; do cafe-order place latte; done
	# The failure slid out: 4 calls, 0 failed.
	assert_equal "$(bstate calls) $(bstate failures)" '4 0'
	FAKE_MODE=exit3 run -69 cafe-order place latte
	assert_equal "$(bstate) $(bstate failures)" 'closed 1'
	FAKE_MODE=exit3 run -69 cafe-order place latte
	assert_equal "$(bstate)" open
	assert_equal "$(last_transition | jq -c '[.calls, .failures]')" '[4,2]'
}

@test "slow calls count as failures, though their orders are placed" {
	SLOW=200 breaker_config
	FAKE_MODE=sleep FAKE_SLEEP_MS=400 cafe-order place latte
	FAKE_MODE=sleep FAKE_SLEEP_MS=400 cafe-order place latte
	assert_equal "$(bstate)" open
	assert_equal "$(last_transition | jq -c '[.calls, .failures, .slow]')" '[2,0,2]'
	assert_equal "$(db_sql "select count(*) from events where type = 'OrderPlaced'")" 2
}

@test "open: place fails at once with 75, calls nobody and appends nothing" {
	OPEN=600000 breaker_config
	open_it
	before=$(event_count)
	n=$(calls)
	# A processor that would hang for ten minutes: a 75 with no call made
	# did not wait for it.
	FAKE_MODE=sleep FAKE_SLEEP_MS=600000 run -75 cafe-order place latte
	assert_output --regexp '^cafe-order: payment system busy, try again in [0-9]+s \(breaker open\)$'
	assert_equal "$(calls)" "$n"
	assert_equal "$(event_count)" "$before"
}

@test "open: twenty refusals in a row call the processor zero times" {
	OPEN=60000 breaker_config
	open_it
	n=$(calls)
	before=$(event_count)
	for i in $(seq 20); do
		FAKE_MODE=sleep FAKE_SLEEP_MS=600000 run -75 cafe-order place latte
	done
	assert_equal "$(calls)" "$n"
	assert_equal "$(event_count)" "$before"
}

@test "open -> half-open after open_ms; trials that succeed close it" {
	open_it
	due
	cafe-order place latte
	assert_equal "$(bstate) $(bstate trials) $(bstate trial_successes)" 'half_open 1 1'
	cafe-order place latte
	assert_equal "$(bstate)" closed
	assert_equal "$(transitions)" 'BreakerOpened BreakerHalfOpened BreakerClosed'
	assert_equal "$(last_transition | jq -c '[.from, .reason, .trials, .trial_successes]')" \
	    '["half_open","trial calls succeeded",2,2]'
	# Closed again: a fresh window.
	assert_equal "$(bstate calls)" 0
}

@test "half-open: a failed trial opens it again" {
	open_it
	due
	# Opened again for long enough that the refusal below cannot miss it.
	OPEN=600000 breaker_config
	FAKE_MODE=exit3 run -69 cafe-order place latte
	assert_equal "$(bstate)" open
	assert_equal "$(transitions)" 'BreakerOpened BreakerHalfOpened BreakerOpened'
	assert_equal "$(last_transition | jq -c '[.from, .reason]')" \
	    '["half_open","a trial call failed"]'
	run -75 cafe-order place latte
	assert_output --partial '(breaker open)'
}

@test "half-open: a slow trial opens it again" {
	SLOW=300 breaker_config
	open_it
	due
	FAKE_MODE=sleep FAKE_SLEEP_MS=500 cafe-order place latte
	assert_equal "$(bstate)" open
	last_transition | jq -e '.reason | startswith("a trial call was slow")'
}

@test "8 concurrent orders against a half-open breaker: exactly half_open_calls trials" {
	TRIALS=3 breaker_config
	open_it
	due
	TRIALS=3 TIMEOUT=120000 SLOW=120000 breaker_config
	: >"$FAKE_COUNT_FILE"
	# The trials' calls wait at a gate until the five others are refused.
	for i in 1 2 3 4 5 6 7 8; do
		( rc=0; FAKE_MODE=gate FAKE_GATE="$T/gate" cafe-order place latte \
		    >"$T/out$i" 2>"$T/err$i" || rc=$?; echo $rc >"$T/rc$i" ) &
	done
	wait_for '[ "$(cat "$T"/rc* 2>/dev/null | grep -c 75)" = 5 ] && [ "$(calls)" = 3 ]' 60
	: >"$T/gate"
	wait
	assert_equal "$(calls)" 3
	assert_equal "$(cat "$T"/rc* | sort | uniq -c | awk '{print $2 "x" $1}' | paste -sd' ')" \
	    '0x3 75x5'
	for i in 1 2 3 4 5 6 7 8; do
		if [ "$(cat "$T/rc$i")" = 75 ]; then
			assert_equal "$(cat "$T/err$i")" \
			    'cafe-order: payment system busy, try again in 1s (breaker half-open, 3 trial calls under way)'
		fi
	done
	assert_equal "$(transitions)" 'BreakerOpened BreakerHalfOpened BreakerClosed'
	assert_equal "$(bstate)" closed
}

@test "a processor killed mid-call is a failure and leaves nothing behind" {
	TIMEOUT=20000 breaker_config
	export FAKE_PID_FILE="$T/pids"
	FAKE_MODE=sleep FAKE_SLEEP_MS=15000 cafe-order place latte >"$T/out" 2>"$T/err" &
	place=$!
	wait_for '[ -s "$FAKE_PID_FILE" ] && [ "$(calls)" = 1 ]' 10
	kill -KILL "$(head -1 "$FAKE_PID_FILE")"
	rc=0
	wait "$place" || rc=$?
	assert_equal "$rc" 69
	assert_equal "$(cat "$T/err")" \
	    'cafe-order: payment processor was killed by signal 9 (Killed)'
	assert_equal "$(bstate failures)" 1
	# Its `sleep` child was in its process group: gone too.
	group_gone "$FAKE_PID_FILE"
}

@test "the timeout kills the processor's group; repeated timeouts leak no descriptor and no child" {
	TIMEOUT=200 WINDOW=50 MIN=50 breaker_config
	export FAKE_PID_FILE="$T/pids"
	FAKE_MODE=sleep FAKE_SLEEP_MS=20000 run -69 cafe-order place latte
	assert_output 'cafe-order: payment processor timed out after 200 ms'
	group_gone "$FAKE_PID_FILE"
	# A grandchild that holds stdout does not hold the call, and dies. (A
	# timeout long enough that a loaded machine answers within it: held
	# up, the calls would time out and exit 69.)
	TIMEOUT=20000 WINDOW=50 MIN=50 breaker_config
	FAKE_MODE=hang-child FAKE_SLEEP_MS=120000 run -0 --separate-stderr breaker-call --repeat 5 void v 1 4000
	assert_equal "$(tail -1 <<<"$output" | jq -c .)" \
	    "$(tail -1 <<<"$output" | jq -c '{fds_first, fds_last: .fds_first, children: 0}')"
	TIMEOUT=200 WINDOW=50 MIN=50 breaker_config
	FAKE_MODE=sleep FAKE_SLEEP_MS=20000 run -69 --separate-stderr breaker-call --repeat 5 void w 1 4000
	assert_equal "$(grep -c '{"status":69,.*timed out after 200 ms' <<<"$output")" 5
	assert_equal "$(tail -1 <<<"$output" | jq -c .)" \
	    "$(tail -1 <<<"$output" | jq -c '{fds_first, fds_last: .fds_first, children: 0}')"
	group_gone "$FAKE_PID_FILE"
	assert_equal "$(bstate calls) $(bstate failures)" '11 6'
}

@test "an open breaker refuses refunds and voids with 75, without calling the processor" {
	OPEN=600000 breaker_config
	open_it
	n=$(calls)
	run -75 breaker-call refund r1 1 4000
	assert_line --partial 'breaker-call: payment system busy, try again in'
	run -75 breaker-call void v1 1 4000
	assert_equal "$(calls)" "$n"
}

@test "a refund's outcome counts in the window like a charge's" {
	breaker-call refund r1 1 4000
	FAKE_MODE=exit3 run -69 breaker-call void v1 1 4000
	assert_equal "$(bstate)" open
}

@test "the original system: processor stopped, breaker open, processor back, orders flow" {
	# Open long enough for the refusals below on a loaded machine.
	OPEN=8000 breaker_config
	cafe-order place latte
	# The card terminal service stops: orders are refused with 69.
	export FAKE_MODE=exit3
	run -69 cafe-order place latte
	assert_equal "$(bstate)" open
	# Open: fast 75s, and the processor is left alone.
	n=$(calls)
	for i in 1 2 3; do
		run -75 cafe-order place latte
		assert_output --partial '(breaker open)'
	done
	assert_equal "$(calls)" "$n"
	# The service is back; after open_ms the counter takes orders again.
	unset FAKE_MODE
	run cafe-order place latte --wait 60s
	assert_success
	cafe-order place latte
	cafe-order place latte
	assert_equal "$(bstate)" closed
	assert_equal "$(transitions)" 'BreakerOpened BreakerHalfOpened BreakerClosed'
	assert_equal "$(db_sql "select count(*) from events where type = 'OrderPlaced'")" 4
}

@test "place --wait sleeps until the breaker half-opens, then places the order" {
	OPEN=1500 breaker_config
	# Timed from before the breaker opens: the order cannot come before
	# the open time has passed, however slowly opening it went.
	start=$(now_ms)
	open_it
	run cafe-order place latte --wait 60s
	elapsed=$(( $(now_ms) - start ))
	assert_success
	assert_output --regexp '^[0-9]+$'
	# It slept (a lower bound no load can break), and the order came only
	# once the breaker had half-opened at its time.
	(( elapsed >= 1500 ))
	assert_equal "$(bstate)" half_open
	run db_sql "SELECT CASE WHEN h.ts >= (o.data->>'half_open_at')
	    AND p.seq > h.seq THEN 1 ELSE 0 END FROM events o, events h, events p
	    WHERE o.type = 'BreakerOpened' AND h.type = 'BreakerHalfOpened'
	    AND p.type = 'OrderPlaced' AND p.stream = 'order-$output'"
	assert_output 1
}

@test "place --wait shorter than the open time gives up with 75 after about the wait" {
	OPEN=60000 breaker_config
	open_it
	before=$(event_count)
	start=$(now_ms)
	run -75 cafe-order place latte --wait 400ms
	elapsed=$(( $(now_ms) - start ))
	assert_output --partial '(breaker open)'
	# At least the wait; and it gave up long before the breaker half-opens.
	(( elapsed >= 400 && elapsed < 60000 ))
	assert_equal "$(event_count)" "$before"
}

@test "a trial claimed by a process that died lapses, and another takes it" {
	TRIALS=1 TIMEOUT=1000 breaker_config
	open_it
	due
	export FAKE_PID_FILE="$T/pids"
	n=$(calls)
	FAKE_MODE=sleep FAKE_SLEEP_MS=3000 cafe-order place latte 2>/dev/null &
	place=$!
	wait_for '[ -s "$FAKE_PID_FILE" ] && [ "$(calls)" -gt "$n" ]' 5
	kill -KILL "$place"
	pkill -KILL -g "$(head -1 "$FAKE_PID_FILE")" || true
	run -75 cafe-order place latte
	assert_output --partial 'breaker half-open, 1 trial call under way'
	# The claim lives 2 * timeout_ms + 1 s.
	wait_for 'cafe-order place latte 2>/dev/null' 8
	assert_equal "$(bstate)" closed
}

@test "half-open: an order refused before its charge gives its trial back at once" {
	TRIALS=1 breaker_config
	open_it
	due
	cafe-order stock latte --set 0 >/dev/null
	n=$(calls)
	run -1 cafe-order place latte
	assert_output --partial "out of stock"
	assert_equal "$(calls)" "$n"
	# The trial it was admitted for is free for the next customer now,
	# not when its claim lapses seconds later.
	cafe-order place mocha
	assert_equal "$(bstate)" closed
	assert_equal "$(calls)" "$((n + 1))"
}

@test "cafe-pay breaker shows the state, the window and the time until half-open" {
	OPEN=30000 breaker_config
	run cafe-pay breaker
	assert_success
	assert_line 'state      closed'
	assert_line --partial 'window     0 of the last 4 calls'
	open_it
	run cafe-pay --json breaker
	assert_success
	assert_equal "$(jq -c '[.state, .threshold, .window, .min_calls, .open_ms, .half_open_calls]' \
	    <<<"$output")" '["open",50,4,2,30000,2]'
	jq -e '.half_open_in_ms > 25000 and .half_open_in_ms <= 30000 and
	    (.half_open_at | test("Z$")) and (.since | test("Z$")) and
	    (.reason | test("failed or were slow"))' <<<"$output"
	run cafe-pay breaker
	assert_line --regexp '^half-open  in [0-9]+\.[0-9]s \('
}

@test "cafe-pay breaker reset closes it, logs BreakerClosed manual, and orders flow at once" {
	OPEN=60000 breaker_config
	open_it
	run cafe-pay breaker reset
	assert_success
	assert_output 'breaker closed (was open)'
	assert_equal "$(last_transition | jq -c '[.from, .reason]')" '["open","manual"]'
	n=$(calls)
	cafe-order place latte
	assert_equal "$(calls)" $((n + 1))
	run cafe-pay --json breaker reset
	assert_equal "$(jq -c '[.state, .was]' <<<"$output")" '["closed","closed"]'
}

@test "cafe-pay breaker refuses what it does not know" {
	before=$(event_count)
	run -64 cafe-pay breaker open
	assert_output "cafe-pay: 'breaker' takes nothing or 'reset', not 'open' (see 'cafe-pay --help')"
	run -64 cafe-pay breaker reset now
	run -64 cafe-pay breaker --reason x
	assert_output --partial "'breaker' takes no --reason"
	assert_equal "$(event_count)" "$before"
}

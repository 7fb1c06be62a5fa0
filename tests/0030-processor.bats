#!/usr/bin/env bats
# 0030-processor: the payment processors (lib/pay/processor.c, DESIGN §5),
# driven through tests/helpers/pay-call. Each test has its own database,
# config and copy of the fake processor in its own temp dir.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
load helpers/db

PAY="$BATS_TEST_DIRNAME/../${CAFE_BUILD:-build}/tests/pay-call"

setup() {
	cd "$BATS_TEST_TMPDIR"
	export CAFE_CONFIG="$BATS_TEST_TMPDIR/config.yaml"
	CAFE_DB=$(test_db) || return 1
	export CAFE_DB
	unset FAKE_MODE FAKE_SLEEP_MS FAKE_REASON FAKE_COUNT_FILE FAKE_LEDGER \
	    FAKE_PID_FILE FAKE_REQUEST_FILE
	# A copy per test, so pgrep -f finds this test's processes only.
	FAKE="$BATS_TEST_TMPDIR/fake-processor"
	cp "$BATS_TEST_DIRNAME/helpers/fake-processor" "$FAKE"
}

sim_config() {
	printf 'payment:\n  processor: sim\n  sim: {%s}\n' "$1" >"$CAFE_CONFIG"
}

command_config() {	# TIMEOUT_MS [ARGV0]
	printf 'payment:\n  processor: command\n  command: ["%s"]\n  timeout_ms: %s\n' \
	    "${2:-$FAKE}" "$1" >"$CAFE_CONFIG"
}

ledger() {
	db_sql "$1"
}

field() {
	jq -r ".$1" <<<"$output"
}

# Gone, or a zombie waiting for an init that does not reap.
dead() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 0
	[[ -z $st || $st == Z* ]]
}

all_dead() {
	local pid
	[ -s "$FAKE_PID_FILE" ]
	while read -r pid; do
		dead "$pid" || { echo "process $pid is still alive"; return 1; }
	done <"$FAKE_PID_FILE"
	! pgrep -f "$FAKE" >/dev/null
}

@test "sim approves a charge and records it" {
	sim_config 'seed: 1'
	run --separate-stderr "$PAY" charge k1 1 3000
	assert_success
	assert_equal "$(field outcome)" approved
	assert_regex "$(field ref)" '^sim-charge-[0-9a-f]{16}$'
	assert_equal "$(ledger "select op, order_id, amount, outcome, CASE WHEN ref IS NOT NULL THEN 1 ELSE 0 END from sim_ledger")" \
	    'charge|1|3000|approved|1'
}

@test "sim answers are reproducible from the seed" {
	sim_config 'seed: 42'
	run --separate-stderr "$PAY" --db a.db charge k1 1 3000
	assert_success
	ref=$(field ref)
	run --separate-stderr "$PAY" --db b.db charge k1 1 3000
	assert_equal "$(field ref)" "$ref"
	sim_config 'seed: 43'
	run --separate-stderr "$PAY" --db c.db charge k1 1 3000
	refute [ "$(field ref)" = "$ref" ]
}

@test "sim declines charges over decline_over, only charges" {
	sim_config 'decline_over: 5000'
	run --separate-stderr "$PAY" charge k1 1 5001
	assert_success
	assert_equal "$(field outcome)" declined
	assert_equal "$(field reason)" 'amount over limit'
	run --separate-stderr "$PAY" charge k2 2 5000
	assert_equal "$(field outcome)" approved
	run --separate-stderr "$PAY" refund r2 2 9000
	assert_equal "$(field outcome)" approved
	assert_regex "$(field ref)" '^sim-refund-'
	assert_equal "$(ledger "select key, outcome, reason from sim_ledger where key = 'k1'")" \
	    'k1|declined|amount over limit'
}

@test "sim with failure_rate 1.0 is unavailable and records nothing" {
	sim_config 'failure_rate: 1.0'
	run --separate-stderr "$PAY" charge k1 1 3000
	assert_failure 69
	assert_equal "$stderr" 'pay-call: payment processor failed (sim failure_rate)'
	assert_equal "$(ledger "select count(*) from sim_ledger")" 0
}

@test "sim: a key that failed may succeed when retried" {
	sim_config 'failure_rate: 0.5, seed: 7'
	for i in $(seq 1 30); do
		run --separate-stderr "$PAY" charge k1 1 3000
		[ "$status" -eq 0 ] && break
		assert_failure 69
	done
	assert_success
	assert_equal "$(field outcome)" approved
	assert_equal "$(ledger "select count(*) from sim_ledger")" 1
}

@test "sim: the same key returns the first answer at once" {
	# A latency no loaded machine comes near without sleeping it.
	printf 'payment:\n  processor: sim\n  timeout_ms: 5000\n  sim: {latency_ms: 2000}\n' \
	    >"$CAFE_CONFIG"
	run --separate-stderr "$PAY" charge k1 1 3000
	assert_success
	ref=$(field ref)
	(( $(field elapsed_ms) >= 1990 ))
	run --separate-stderr "$PAY" charge k1 1 3000
	assert_success
	assert_equal "$(field ref)" "$ref"
	(( $(field elapsed_ms) < 1990 ))
	assert_equal "$(ledger "select count(*) from sim_ledger")" 1

	sim_config 'decline_over: 100'
	run --separate-stderr "$PAY" charge k2 2 3000
	assert_equal "$(field outcome)" declined
	sim_config ''
	run --separate-stderr "$PAY" charge k2 2 3000
	assert_equal "$(field outcome)" declined
}

@test "sim refuses a key reused for another request" {
	sim_config ''
	run --separate-stderr "$PAY" charge k1 1 3000
	assert_success
	run --separate-stderr "$PAY" refund k1 1 3000
	assert_failure 65
	assert_equal "$stderr" "pay-call: idempotency key 'k1' was already used for a charge of 3000 for order 1 (use a new key)"
	run --separate-stderr "$PAY" charge k1 1 2999
	assert_failure 65
}

@test "sim ledger balances: charges minus refunds minus voids" {
	sim_config ''
	"$PAY" charge c1 1 3000 >/dev/null
	"$PAY" charge c2 2 4000 >/dev/null
	"$PAY" charge c3 3 5000 >/dev/null
	"$PAY" refund r2 2 4000 >/dev/null
	"$PAY" void v3 3 5000 >/dev/null
	"$PAY" refund r9 9 100 >/dev/null	# no charge behind it: still approved
	run ledger "select sum(case op when 'charge' then amount else -amount end)
	    from sim_ledger where outcome = 'approved'"
	assert_output 2900
}

@test "sim spreads latency by jitter" {
	sim_config 'latency_ms: 100, jitter_ms: 50'
	run --separate-stderr "$PAY" charge k1 1 3000
	assert_success
	(( $(field elapsed_ms) >= 45 && $(field elapsed_ms) < 1000 ))
}

@test "sim on a read-only database is an I/O error" {
	sim_config ''
	db_sql 'create table t(x int)'
	run --separate-stderr "$PAY" --read-only charge k1 1 3000
	assert_failure 74
	assert_regex "$stderr" "^pay-call: database '.*' is read-only \\(check its permissions\\)"
}

@test "command approves, with one compact JSON request on stdin" {
	command_config 2000
	export FAKE_REQUEST_FILE=requests FAKE_COUNT_FILE=calls
	run --separate-stderr "$PAY" charge k1 42 3000
	assert_success
	assert_equal "$(field outcome)" approved
	assert_regex "$(field ref)" '^fake-charge-[0-9]+$'
	assert_equal "$(cat requests)" \
	    '{"op":"charge","key":"k1","order_id":42,"amount":3000,"currency":"KRW"}'
	run --separate-stderr "$PAY" void v1 42 3000
	assert_success
	assert_equal "$(cat calls)" $'charge k1\nvoid v1'
}

@test "command: the same key gets the same ref from an idempotent processor" {
	command_config 2000
	export FAKE_COUNT_FILE=calls FAKE_LEDGER=fake-ledger
	run --separate-stderr "$PAY" charge k1 1 3000
	ref=$(field ref)
	run --separate-stderr "$PAY" charge k1 1 3000
	assert_equal "$(field ref)" "$ref"
	assert_equal "$(wc -l <calls)" 2
	assert_equal "$(wc -l <fake-ledger)" 1
}

@test "command declines with the processor's reason" {
	command_config 2000
	FAKE_MODE=decline FAKE_REASON='insufficient funds' \
	    run --separate-stderr "$PAY" charge k1 1 3000
	assert_success
	assert_equal "$(field outcome)" declined
	assert_equal "$(field reason)" 'insufficient funds'
}

@test "command timeout kills the processor" {
	command_config 300
	export FAKE_MODE=sleep FAKE_SLEEP_MS=20000 FAKE_PID_FILE=pids
	run --separate-stderr "$PAY" charge k1 1 3000
	assert_failure 69
	assert_equal "$stderr" 'pay-call: payment processor timed out after 300 ms'
	(( $(field elapsed_ms) >= 300 && $(field elapsed_ms) < 1500 ))
	all_dead
}

@test "command: a grandchild holding stdout open does not hold the call, and dies" {
	command_config 5000
	export FAKE_MODE=hang-child FAKE_PID_FILE=pids
	run --separate-stderr "$PAY" charge k1 1 3000
	assert_success
	assert_equal "$(field outcome)" approved
	(( $(field elapsed_ms) < 4000 ))
	assert_equal "$(wc -l <pids)" 2
	all_dead
}

@test "command: a grandchild of a processor that times out dies too" {
	# Time enough for the processor to start its child on a loaded
	# machine: a processor killed before it has one tests nothing.
	command_config 3000
	export FAKE_PID_FILE=pids
	# A processor that never answers, waiting on its own child.
	cat >"$FAKE" <<-EOF
		#!/bin/sh
		echo \$\$ >>pids
		sleep 30 &
		echo \$! >>pids
		wait
	EOF
	run --separate-stderr "$PAY" charge k1 1 3000
	assert_failure 69
	assert_regex "$stderr" 'timed out after 3000 ms'
	assert_equal "$(wc -l <pids)" 2
	all_dead
}

@test "command crash is unavailable" {
	command_config 2000
	FAKE_MODE=crash run --separate-stderr "$PAY" charge k1 1 3000
	assert_failure 69
	assert_regex "$stderr" '^pay-call: payment processor was killed by signal 11 '
}

@test "command garbage reply is unavailable" {
	command_config 2000
	FAKE_MODE=garbage run --separate-stderr "$PAY" charge k1 1 3000
	assert_failure 69
	assert_regex "$stderr" '^pay-call: payment processor gave an unreadable reply'
}

@test "command without a reply is unavailable" {
	command_config 2000
	FAKE_MODE=silent run --separate-stderr "$PAY" charge k1 1 3000
	assert_failure 69
	assert_equal "$stderr" 'pay-call: payment processor gave no reply'
}

@test "command non-zero exit is unavailable, with its stderr" {
	command_config 2000
	FAKE_MODE=exit3 run --separate-stderr "$PAY" charge k1 1 3000
	assert_failure 69
	assert_equal "$stderr" 'pay-call: payment processor exited with status 3: card reader offline'
}

@test "command replies that miss fields or say something else are unavailable" {
	command_config 2000
	for reply in '{"status":"approved"}' '{"status":"declined"}' \
	    '{"status":"maybe","ref":"x"}' '[1]' '{"status":"approved","ref":""}'; do
		printf '#!/bin/sh\ncat >/dev/null\necho %s\n' "'$reply'" >"$FAKE"
		run --separate-stderr "$PAY" charge k1 1 3000
		assert_failure 69
		assert_regex "$stderr" 'unreadable reply'
	done
}

@test "command: a missing executable is unavailable" {
	command_config 2000 "$BATS_TEST_TMPDIR/no-such-processor"
	run --separate-stderr "$PAY" charge k1 1 3000
	assert_failure 69
	assert_equal "$stderr" "pay-call: cannot run payment processor '$BATS_TEST_TMPDIR/no-such-processor': No such file or directory"
	(( $(field elapsed_ms) < 1000 ))
}

@test "command that exits without reading its request does not kill the caller" {
	command_config 2000
	# A request bigger than a pipe buffer, so the write meets EPIPE.
	key=$(head -c 100000 /dev/zero | tr '\0' k)
	FAKE_MODE=no-read run --separate-stderr "$PAY" charge "$key" 1 3000
	assert_success
	assert_equal "$(field ref)" fake-no-read
}

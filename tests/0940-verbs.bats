#!/usr/bin/env bats
# 0940-verbs: every program dispatches through one verb table (cmd/common/cli.h):
# each verb's operands and options are checked before the log is opened,
# so a usage error exits 64 with one line and never creates a database,
# whichever program and verb it is.

load helpers/setup

bats_require_minimum_version 1.5.0

# PROGRAM MESSAGE ARGS...: 64, the message, and no database made.
refused_early() {
	local prog=$1 msg=$2
	shift 2
	run --separate-stderr "$prog" "$@"
	assert_failure 64
	assert_equal "$output" ""
	assert_equal "$stderr" "$prog: $msg (see '$prog --help')"
	! db_made || fail "$prog $* created the database"
}

@test "usage errors of every program, with no database: 64 and none created" {
	refused_early cafe-order "'place --batch' takes no --qty" place --batch --qty 2
	refused_early cafe-order "give --set or --add, not both" stock latte --set 1 --add 1
	refused_early cafe-order "'stock' takes at most one product" stock latte tea
	refused_early cafe-pay "'breaker' takes nothing or 'reset', not 'open'" breaker open
	refused_early cafe-pay "'refund' needs one order id" refund
	refused_early cafe-pay "'list' takes no --reason" list --reason x
	refused_early cafe-deliver "'reject' needs --reason TEXT (tell the customer why)" reject 1
	refused_early cafe-deliver "'dispatch' needs one order id" dispatch
	refused_early cafe-deliver "unknown status 'hot' (pending, brewing, ready, dispatched, delivered or cancelled)" list --status hot
	refused_early cafe-trace "unknown subcommand 'frob' (list, show, follow, stats, report or rebuild)" frob
	refused_early cafe-trace "'show' needs an order id" show
	refused_early cafe-trace "--limit wants a whole number from 1, not '0'" --limit 0
	refused_early cafe-trace "--after wants a seq (a whole number from 0), not 'x'" follow --after x
	refused_early cafe-trace "'rebuild' takes no options" rebuild --limit 3
	refused_early cafe-notify "'retry' needs one message id, or --dead" retry
	refused_early cafe-notify "give a message id or --dead, not both" retry m1 --dead
	refused_early cafe-notify "--timeout wants a duration like 10s or 500ms (at most 1h), not '2h'" send --timeout 2h
	refused_early cafe-notify "unknown status 'lost' (queued, sent, failed or dead)" list --status lost
	refused_early cafe-log "only 'export' takes --since" stats --since 3
	refused_early cafe-log "--since wants a seq (a whole number), not 'x'" export --since x
	refused_early cafe-log "'init' takes no arguments" init now
	refused_early cafe-daemon "unknown policy 'brew'" run --policy brew
	refused_early cafe-daemon "'retry' takes at most one policy" retry notify trace
	refused_early cafe-daemon "'status' takes no --policy" status --policy notify
}

@test "--help and --version answer before any verb is looked at, and open nothing" {
	for prog in cafe-order cafe-pay cafe-deliver cafe-trace cafe-notify cafe-log cafe-daemon; do
		run --separate-stderr "$prog" frob --help
		assert_success
		assert_line --index 0 --partial "usage: $prog"
		run --separate-stderr "$prog" --version
		assert_success
		assert_output --regexp "^$prog [0-9]"
	done
	no_db
}

@test "a verb that only reads the menu leaves no database; one that writes makes it" {
	run cafe-order menu
	assert_success
	no_db
	run cafe-order stock latte
	assert_success
	no_db
	run cafe-order stock latte --set 5
	assert_success
	assert_output "latte 5"
	db_made
}

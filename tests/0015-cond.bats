#!/usr/bin/env bats
# 0015-cond: the daemon's timed waits (lib/base/cond.c) really wait. wl_cond
# was once made on the default clock and waited on with monotonic
# deadlines: every wait returned at once and a waiting worker spun for up
# to YIELD_MS. A wait that says "timed out" before its deadline tells
# the two apart without timing anything.

load helpers/setup

@test "a timed wait on a cafe_cond_init condition never times out early" {
	run cond-wait 100
	assert_success
	assert_output 0
}

@test "the old way, a default-clock condition with a monotonic deadline, times out at once" {
	run cond-wait --default-clock 100
	assert_success
	[ "$output" -gt 0 ] || fail "no early time-out: this check could not catch the spin"
}

#!/usr/bin/env bats
# The circuit breaker's decisions (lib/domain/breaker-rules.c) as pure functions:
# closed to open, half-open trials, slow calls, the retry delay, with
# counts and times given, no database and no clock.

load helpers/setup

@test "breaker rules hold without a database or a clock" {
	run breaker-rules
	assert_success
	assert_output --partial "passed, 0 failed"
	no_db
}

#!/usr/bin/env bats
# The domain rules of lib/domain/order.c, checked as pure functions with no database.

load helpers/setup

@test "order rules hold without a database" {
	run order-rules
	assert_success
	assert_output --partial "passed, 0 failed"
	no_db
}

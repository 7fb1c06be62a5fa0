#!/usr/bin/env bats
# 0950-newcomer: what a newcomer reads and pastes works as written: the
# README's first lines, its tour, and the demo's commands as shown.

load helpers/setup

bats_require_minimum_version 1.5.0

# The indented block after "A short tour" in the README.
tour() {
	awk '/^A short tour/ { t = 1; next }
	    t && /^    / { sub(/^    /, ""); print; b = 1; next }
	    t && b && !/^    / { exit }' "$CAFE_TOP/README.md"
}

@test "the README starts with the two commands a newcomer needs" {
	run sed -n '3,4p' "$CAFE_TOP/README.md"
	assert_line --index 0 --regexp '^    make demo +# '
	assert_line --index 1 --regexp '^    make check +# '
}

@test "the README tour runs as pasted, twice, in bash and in zsh" {
	run tour
	assert_success
	[ "${#lines[@]}" -ge 10 ]
	# zsh's interactive shell takes '#' for a command, not a comment.
	refute_output --partial '#'
	cd "$CAFE_TOP"
	run --separate-stderr bash -euo pipefail -c "$(tour)"
	assert_success
	assert_line --regexp '^\{"order_id":1,"product":"latte x2 \+ americano","order_status":"delivered","payment_status":"approved"\}$'
	assert_line '{"order_id":2,"product":"tea","order_status":"cancelled","payment_status":"refunded"}'
	assert_line --index 0 --regexp '^PRODUCT +'
	run --separate-stderr zsh -f -e -c "$(tour)"
	assert_success
	assert_line '{"order_id":2,"product":"tea","order_status":"cancelled","payment_status":"refunded"}'
}

@test "the demo shows each command as one would type it, quotes and all" {
	run --separate-stderr env NO_COLOR=1 sh "$CAFE_TOP/share/cafe/demo.sh"
	assert_success
	assert_line "\$ cafe-order place latte:2+large+oat americano --customer kim --address 'table 4'"
	assert_line "\$ cafe-deliver reject 3 --reason 'out of tea leaves'"
	assert_line '$ cafe-log verify'
	[[ $stderr == *"cafe-log: ok:"* ]]
}

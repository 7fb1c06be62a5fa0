#!/usr/bin/env bats
# 1110-contact: the customer's contact and the kitchen's note. A contact
# (phone or e-mail) is checked for its shape, kept with the order, and
# handed to every message channel; a note goes with the order. What is
# refused appends nothing.

bats_require_minimum_version 1.5.0
load helpers/setup

local_setup() {
	export FAKE_CHANNEL_OUT="$T/channel.out"
	unset FAKE_CHANNEL_FAIL FAKE_CHANNEL_HANG FAKE_CHANNEL_PID FAKE_CHANNEL_SLEEP \
	    FAKE_CHANNEL_ARGS
}

placed_data() {	# ORDER_ID: OrderPlaced's data
	db_sql "SELECT data FROM events WHERE type = 'OrderPlaced' AND stream = 'order-$1'"
}

@test "place --contact and --note: kept in OrderPlaced, and only where given" {
	run --separate-stderr cafe-order place latte --customer kim \
	    --contact '+82 10-1234-5678' --note 'less ice'
	assert_success
	assert_output 1
	run cafe-order place tea --contact kim@example.com
	assert_success
	run cafe-order place mocha
	assert_success
	assert_equal "$(placed_data 1 | jq -c '[.contact, .note]')" '["+82 10-1234-5678","less ice"]'
	assert_equal "$(placed_data 2 | jq -c '[.contact, .note]')" '["kim@example.com",null]'
	assert_equal "$(placed_data 3 | jq -c 'has("contact"), has("note"), has("channel")')" \
	    "$(printf 'false\nfalse\nfalse')"
	# The verifier and an export carry them as any other field.
	run cafe-log verify
	assert_success
}

@test "a contact of the wrong shape: 65, the message says what is wanted, nothing appended" {
	cafe-order place latte -q
	before=$(event_count)
	for bad in nope 'a@b' 12345 '+82 10--1234-5678' '010 1234 5678 9999 9' \
	    'kim@example..com' 'kim smith@example.com' '@example.com' 'kim@-example.com' \
	    "$(printf 'x%.0s' {1..250})@example.com"; do
		run --separate-stderr cafe-order place tea --contact "$bad"
		assert_failure 65
		assert_equal "$output" ""
		assert_regex "$stderr" "^cafe-order: contact must be a phone number \(\+82 10-1234-5678\) or an e-mail address \(name@example.com\), not '"
		assert_equal "$(event_count)" "$before"
	done
	# Control bytes in what is quoted back are shown as '?'.
	run --separate-stderr cafe-order place tea --contact $'kim\x1b[31m'
	assert_failure 65
	assert_equal "$stderr" "cafe-order: contact must be a phone number (+82 10-1234-5678) or an e-mail address (name@example.com), not 'kim?[31m'"
	assert_equal "$(event_count)" "$before"
}

@test "a note too long, or not text: 65, nothing appended" {
	cafe-order place latte -q
	before=$(event_count)
	run --separate-stderr cafe-order place tea --note "$(printf 'n%.0s' {1..501})"
	assert_failure 65
	assert_equal "$stderr" "cafe-order: note is too long (501 characters, at most 500)"
	run --separate-stderr cafe-order place tea --note $'a\x01b'
	assert_failure 65
	assert_equal "$stderr" "cafe-order: note is not valid UTF-8 text (control characters or bad bytes)"
	assert_equal "$(event_count)" "$before"
}

@test "a batch line takes contact and note; a bad contact refuses the whole batch" {
	printf '%s\n' '{"items":[{"product":"latte"}],"contact":"kim@example.com","note":"oat"}' \
	    >"$T/in.jsonl"
	run cafe-order place --batch <"$T/in.jsonl"
	assert_success
	assert_equal "$(placed_data 1 | jq -c '[.contact, .note]')" '["kim@example.com","oat"]'
	before=$(event_count)
	printf '%s\n' '{"product":"tea","contact":"kim@example.com"}' \
	    '{"product":"tea","contact":"call me"}' >"$T/in.jsonl"
	run --separate-stderr cafe-order place --batch <"$T/in.jsonl"
	assert_failure 65
	assert_equal "$stderr" "cafe-order: stdin:2: contact must be a phone number (+82 10-1234-5678) or an e-mail address (name@example.com), not 'call me'"
	printf '%s\n' '{"product":"tea","contact":5}' >"$T/in.jsonl"
	run --separate-stderr cafe-order place --batch <"$T/in.jsonl"
	assert_failure 65
	assert_equal "$stderr" "cafe-order: stdin:1: contact must be a string"
	assert_equal "$(event_count)" "$before"
}

@test "a channel gets the contact with the message; an order without one sends none" {
	use_config <<-EOF
	notify:
	  channels:
	    - {type: command, command: [fake-channel]}
	EOF
	cafe-order place latte --customer kim --contact kim@example.com -q
	cafe-order place tea --customer lee -q
	cafe-daemon run --once -q
	cafe-notify send --once -q
	# Each order's first message (DeliveryStarted: "being made").
	run jq -sc 'map(select(.event == "DeliveryStarted")) | sort_by(.order_id) |
	    map([.order_id, .customer, .contact])' "$FAKE_CHANNEL_OUT"
	assert_output '[[1,"kim","kim@example.com"],[2,"lee",null]]'
	run db_sql "SELECT data FROM events WHERE type = 'NotificationQueued' ORDER BY seq"
	assert_equal "$(jq -sc 'map(.contact) | unique' <<<"$output")" '[null,"kim@example.com"]'
}

#!/usr/bin/env bats
# 1120-pickup: an order picked up later (DESIGN §13). It is paid at once;
# the kitchen starts it kitchen.prep_ms before its pick-up time; until then
# the board and the list say "later". A time that is not today, not ahead
# or outside the shop's hours is refused, and appends nothing.
#
# The shop's zone is chosen so that it is about noon there now, whatever
# the hour the test runs at: the "today" and "within the hours" checks
# then never meet midnight.

bats_require_minimum_version 1.5.0
load helpers/setup
load helpers/daemon
load helpers/web

local_setup() {
	local h off
	h=$(date -u +%-H)
	off=$((12 - h))
	if [ "$off" -gt 0 ]; then ZONE=Etc/GMT-$off
	elif [ "$off" -lt 0 ]; then ZONE=Etc/GMT+$((-off))
	else ZONE=UTC; fi
	shop "$@"
}

shop() {	# [EXTRA YAML LINES...]
	use_config < <(
		echo "timezone: $ZONE"
		echo 'hours: {open: "06:00", close: "20:00"}'
		for l in "$@"; do echo "$l"; done
	)
}

# A time N minutes from now, as the shop's clock says it: HH:MM.
local_in() { TZ=$ZONE date -d "+$1 min" +%H:%M; }
utc_in() { date -u -d "+$1 sec" +%Y-%m-%dT%H:%M:%SZ; }
placed_data() {
	db_sql "SELECT data FROM events WHERE type = 'OrderPlaced' AND stream = 'order-$1'"
}

@test "--pickup-at HH:MM today: paid at once, kept as UTC in OrderPlaced, in --json and the list" {
	at=$(local_in 30)
	run --separate-stderr cafe-order --json place latte --pickup-at "$at"
	assert_success
	want=$(date -u -d "$(TZ=$ZONE date -d '+30 min' '+%F %H:%M:00 %z')" +%Y-%m-%dT%H:%M:%S.000Z)
	assert_equal "$(jq -r .pickup_at <<<"$output")" "$want"
	assert_equal "$(jq -r .status <<<"$output")" paid
	assert_equal "$(placed_data 1 | jq -r .pickup_at)" "$want"
	assert_equal "$(count PaymentApproved)" 1
	run cafe-trace --json list
	assert_equal "$(jq -r '[.pickup_at, .delivery_status] | join(" ")' <<<"$output")" "$want pending"
	run cafe-trace list
	assert_output --partial "later $at"
	# An order without one has no pickup_at anywhere.
	cafe-order place tea -q
	assert_equal "$(placed_data 2 | jq 'has("pickup_at")')" false
	assert_equal "$(cafe-trace --json list | jq -s '[.[] | has("pickup_at")]' -c)" '[true,false]'
}

@test "a pick-up that is not a time: 65; not today, past, or outside the hours: 1 with the hours; nothing appended" {
	cafe-order place latte -q
	before=$(event_count)
	for bad in 25:00 7pm 'tomorrow' '2026-13-01T10:00:00Z' ''; do
		run --separate-stderr cafe-order place tea --pickup-at "$bad"
		assert_failure 65
		assert_regex "$stderr" "^cafe-order: pickup_at must be a time such as 14:30 or 2026-12-07T14:30:00\+09:00, not '"
		assert_equal "$(event_count)" "$before"
	done
	run --separate-stderr cafe-order place tea --pickup-at "$(utc_in $((26 * 3600)))"
	assert_failure 1
	assert_regex "$stderr" "^cafe-order: a pick-up must be today \([0-9-]{10}\), not "
	run --separate-stderr cafe-order place tea --pickup-at "$(local_in -20)"
	assert_failure 1
	assert_regex "$stderr" "^cafe-order: a pick-up must be later than now, not "
	run --separate-stderr cafe-order place tea --pickup-at 21:30
	assert_failure 1
	assert_regex "$stderr" "^cafe-order: a pick-up must be within the opening hours, 06:00 to 20:00, not [0-9-]{10} 21:30:00 "
	assert_equal "$(event_count)" "$before"
	# At closing time exactly is still within them.
	run cafe-order place tea --pickup-at 20:00
	assert_success
}

@test "--batch: a line whose pickup_at is no time places nothing (65); one outside the hours is refused in its turn (1)" {
	before=$(event_count)
	run --separate-stderr cafe-order place --batch <<-EOF
	{"items":[{"product":"latte"}]}
	{"items":[{"product":"tea"}],"pickup_at":"teatime"}
	EOF
	assert_failure 65
	assert_equal "$stderr" "cafe-order: stdin:2: pickup_at must be a time such as 14:30 or 2026-12-07T14:30:00+09:00, not 'teatime'"
	assert_equal "$(event_count)" "$before"
	run --separate-stderr cafe-order --json place --batch <<-EOF
	{"items":[{"product":"latte"}],"pickup_at":"$(local_in 30)"}
	{"items":[{"product":"tea"}],"pickup_at":"21:30"}
	EOF
	assert_failure 1
	assert_equal "$(jq -r .status <<<"${lines[0]}")" paid
	assert_equal "$(jq -r '[.status, .exit] | join(" ")' <<<"${lines[1]}")" "refused 1"
	assert_regex "$(jq -r .error <<<"${lines[1]}")" '^a pick-up must be within the opening hours, 06:00 to 20:00'
	assert_equal "$(count OrderPlaced)" 1
}

@test "hours and kitchen.prep_ms in the config: bad values are exit 78 naming the key" {
	for bad in 'hours: {open: "7:00", close: "22:00"}' 'hours: {open: "07:00"}' \
	    'hours: {open: "22:00", close: "07:00"}' 'hours: {open: "07:00", close: "25:00"}' \
	    'hours: {open: "07:00", close: "22:00", lunch: "12:00"}' 'kitchen: {prep_ms: -1}' \
	    'language: fr'; do
		use_config <<<"$bad"
		run --separate-stderr cafe-order place latte
		assert_failure 78
		assert_regex "$stderr" "config.yaml:1: (hours|kitchen.prep_ms|hours.open|hours.close|hours.lunch|language)"
	done
	assert_equal "$(event_count)" 0
}

@test "the daemon starts it prep_ms before its pick-up, and not before; other orders go on meanwhile" {
	# Due 6 s from now: picked up in 3 minutes, made in 174 s.
	shop 'kitchen: {prep_ms: 174000}'
	at=$(utc_in 180)
	due=$(( $(date -d "$at" +%s) * 1000 - 174000 ))
	cafe-order place latte --pickup-at "$at" -q
	cafe-order place tea -q
	start_daemon run
	wait_for '[ "$(count_of DeliveryStarted 2)" = 1 ]' 30
	wait_for '[ "$(count_of DeliveryStarted 1)" = 1 ]' 60
	started=$(db_sql "SELECT ts FROM events WHERE type = 'DeliveryStarted' AND stream = 'delivery-1'")
	started_ms=$(( $(date -d "$started" +%s%N) / 1000000 ))
	[ "$started_ms" -ge "$due" ] || fail "started at $started, before $due"
	# Once only, however long the daemon runs on.
	cafe-order place mocha -q
	wait_for '[ "$(count_of DeliveryStarted 3)" = 1 ]' 30
	assert_equal "$(count DeliveryStarted)" 3
}

@test "a later order waits in the daemon's queue; cancelled meanwhile, it is never started" {
	cafe-order place latte --pickup-at "$(local_in 60)" -q
	cafe-order place tea -q
	cafe-daemon -q run --once
	run cafe-daemon --json status
	assert_equal "$(jq -r 'select(.policy == "start-delivery") | .waiting' <<<"$output")" 1
	assert_equal "$(count_of DeliveryStarted 1)" 0
	assert_equal "$(count_of DeliveryStarted 2)" 1
	cafe-order place latte -q
	cafe-order -q cancel 1
	cafe-daemon -q run --once
	assert_equal "$(count_of PaymentRefunded 1)" 1
	assert_equal "$(count_of DeliveryStarted 1)" 0
	assert_equal "$(cafe-trace --json list | jq -r 'select(.order_id == 1) | .order_status')" \
	    cancelled
}

@test "on the web: pickup_at in the JSON (201, kept) and the form's HH:MM (303, the page says when); outside the hours 422" {
	shop 'web: {ordering: true}'
	cafe-log -q init
	web
	at=$(utc_in 3600)
	code=$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' \
	    -H "Origin: $URL" --data-binary "{\"items\":[{\"product\":\"latte\"}],\"pickup_at\":\"$at\"}" \
	    "$URL/orders")
	assert_equal "$code" 201
	assert_equal "$(jq -r .pickup_at "$T/body")" "${at%Z}.000Z"
	code=$(curl -s -o /dev/null -D "$T/h" -w '%{http_code}' -H "Origin: $URL" \
	    --data-urlencode 'qty:tea=1' --data-urlencode "pickup_at=$(local_in 90)" "$URL/orders")
	assert_equal "$code" 303
	page=$(grep -i '^location:' "$T/h" | tr -d '\r' | cut -d' ' -f2)
	run curl -s "$URL$page"
	assert_output --partial "pick-up at $(TZ=$ZONE date +%F) $(local_in 90):00"
	assert_output --partial 'Paid, to be made for your pick-up'
	before=$(event_count)
	code=$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' \
	    -H "Origin: $URL" --data-binary '{"items":[{"product":"latte"}],"pickup_at":"21:30"}' \
	    "$URL/orders")
	assert_equal "$code" 422
	assert_equal "$(jq -r .exit "$T/body")" 1
	assert_regex "$(jq -r .error "$T/body")" '^a pick-up must be within the opening hours, 06:00 to 20:00'
	assert_equal "$(event_count)" "$before"
}

#!/usr/bin/env bats
# 3020-rider: the rider (seed 003) sees the deliveries waiting and their
# own, and marks them picked up and delivered: at the shell (cafe-deliver
# list --rider --waiting, dispatch, rider-link) and on their own page on
# cafe-web (web.riders), through the kitchen's rules. Refusals append
# nothing.

bats_require_minimum_version 1.5.0
load helpers/setup
load helpers/daemon
load helpers/web

local_setup() {
	command -v curl >/dev/null || skip "curl is missing (make deps)"
	use_config <<-EOF
	web: {riders: true}
	EOF
	cafe-order place tea --customer kim --address '12 Main St' -q
	cafe-order place latte --customer lee --address '3 Side Rd' -q
	cafe-order place mocha --customer park --address '9 Hill Ln' -q
	cafe-daemon -q run --once
	cafe-deliver -q ready 1
	cafe-deliver -q ready 2
}

@test "list --waiting: made and taken by nobody; --rider NAME: what that rider carries; both: the two" {
	cafe-deliver -q dispatch 2 --rider minho
	run cafe-deliver --json list --waiting
	assert_success
	assert_equal "$(jq -sc 'map(.order_id)' <<<"$output")" '[1]'
	run cafe-deliver --json list --rider minho
	assert_equal "$(jq -sc 'map([.order_id, .rider, .address])' <<<"$output")" '[[2,"minho","3 Side Rd"]]'
	run cafe-deliver --json list --rider minho --waiting
	assert_equal "$(jq -sc 'map(.order_id)' <<<"$output")" '[1,2]'
	run cafe-deliver --json list --rider jisoo
	assert_output ""
	run cafe-deliver list --rider minho --waiting
	assert_line --regexp '^ +1 +ready +tea +1 +kim +12 Main St'
	assert_line --regexp '^ +2 +dispatched +latte \(regular, whole\) +1 +lee +3 Side Rd +minho'
}

@test "list: --status goes alone, --rider needs a name: 64, one line, nothing appended" {
	before=$(event_count)
	run --separate-stderr cafe-deliver list --status ready --rider minho
	assert_failure 64
	assert_equal "$stderr" "cafe-deliver: --status goes alone: --rider and --waiting choose the rider's deliveries (see 'cafe-deliver --help')"
	run --separate-stderr cafe-deliver list --rider ''
	assert_failure 64
	assert_equal "$stderr" "cafe-deliver: --rider needs a name (see 'cafe-deliver --help')"
	run --separate-stderr cafe-deliver ready 3 --waiting
	assert_failure 64
	assert_equal "$(event_count)" "$before"
}

@test "rider-link: the rider's page under web.url; one per rider; a bad name is 65" {
	run cafe-deliver rider-link minho
	assert_success
	assert_regex "$output" '^http://127\.0\.0\.1:8080/r/bWluaG8\.[0-9a-f]{32}$'
	a=$output
	run cafe-deliver rider-link minho
	assert_equal "$output" "$a"
	run cafe-deliver --json rider-link '민호'
	jq -e '.rider == "민호" and (.link | test("/r/[A-Za-z0-9_-]+\\.[0-9a-f]{32}$"))' <<<"$output"
	before=$(event_count)
	run --separate-stderr cafe-deliver rider-link $'min\x01ho'
	assert_failure 65
	assert_equal "$stderr" "cafe-deliver: rider is not valid UTF-8 text (control characters or bad bytes)"
	run --separate-stderr cafe-deliver rider-link
	assert_failure 64
	assert_equal "$(event_count)" "$before"
}

@test "the rider's page: what waits and what they carry; picked up and delivered through the rules" {
	web
	page=$(cafe-deliver rider-link minho) page=${page#http://127.0.0.1:8080}
	run curl -s -H 'Accept: application/json' "$URL$page"
	jq -e '.rider == "minho" and ([.waiting[].order_id] == [1, 2]) and .carrying == [] and
	    .waiting[0].address == "12 Main St"' <<<"$output"
	run curl -s "$URL$page"
	assert_output --partial "<form method=\"post\" action=\"$page/pickup/1\"><button type=\"submit\" class=\"pickup\">Picked up</button></form>"
	refute_output --partial 'contact'
	# Picked up: out with minho.
	run curl -s -X POST "$URL$page/pickup/1"
	assert_output '{"order_id":1,"delivery_status":"dispatched","rider":"minho"}'
	run db_sql "SELECT data FROM events WHERE type = 'DeliveryDispatched'"
	jq -e '.order_id == 1 and .rider == "minho"' <<<"$output"
	run curl -s -H 'Accept: application/json' "$URL$page"
	jq -e '([.waiting[].order_id] == [2]) and ([.carrying[].order_id] == [1])' <<<"$output"
	# Another rider's page sees it no more, and cannot deliver it.
	other=$(cafe-deliver rider-link jisoo) other=${other#http://127.0.0.1:8080}
	before=$(event_count)
	run curl -s -w ' %{http_code}' -X POST "$URL$other/deliver/1"
	assert_output '{"error":"order 1 is carried by minho, not by jisoo","exit":1} 409'
	# Not made yet, not picked up: refused.
	run curl -s -w ' %{http_code}' -X POST "$URL$page/pickup/3"
	assert_output --regexp '^\{"error":"order 3 [^"]*brewing[^"]*","exit":1\} 409$'
	run curl -s -w ' %{http_code}' -X POST "$URL$page/deliver/2"
	assert_output '{"error":"order 2 is not out for delivery (it is ready)","exit":1} 409'
	assert_equal "$(event_count)" "$before"
	# Delivered, by the form: back to the page.
	run curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -X POST \
	    -H 'Content-Type: application/x-www-form-urlencoded' --data '' "$URL$page/deliver/1"
	assert_output "303 $URL$page"
	assert_equal "$(db_sql "SELECT count(*) FROM events WHERE type = 'DeliveryCompleted'")" 1
}

@test "no page without a rider's link; another site's POST is 403; riders off is 404" {
	web
	page=$(cafe-deliver rider-link minho) page=${page#http://127.0.0.1:8080}
	mac=${page##*.}
	before=$(event_count)
	for path in "/r/bWluaG8.00000000000000000000000000000000" "/r/amlzb28.$mac" "/r/" \
	    "/r/bWluaG8" "/r/!!!.$mac" "$page/other"; do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL$path")" = 404 ]
	done
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/r/amlzb28.$mac/pickup/1")" = 404 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL$page/pickup/x")" = 404 ]
	run curl -s -w ' %{http_code}' -X POST -H 'Origin: https://evil.example' "$URL$page/pickup/1"
	assert_output '{"error":"deliveries are marked from this shop'"'"'s own pages only","exit":1} 403'
	head -c 17000 /dev/zero | tr '\0' x >"$T/big"
	run curl -s -w ' %{http_code}' -X POST -H 'Content-Type: application/json' --data-binary @"$T/big" "$URL$page/pickup/1"
	assert_output '{"error":"the request is too large","exit":65} 413'
	assert_equal "$(event_count)" "$before"
	kill "$WEB"
	use_config <<-EOF
	web: {riders: false}
	EOF
	web
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL$page")" = 404 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL$page/pickup/1")" = 405 ]
	assert_equal "$(event_count)" "$before"
}

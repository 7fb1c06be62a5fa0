#!/usr/bin/env bats
# 7000-web: cafe-web, what customers see: the order page at its
# unguessable link and the pick-up board, over real HTTP (curl) and in a
# real browser (headless chromium, read through its DevTools HTTP list of
# pages). Read-only, escaped, bounded, and stopped cleanly.

load helpers/setup
load helpers/daemon
load helpers/web

bats_require_minimum_version 1.5.0

local_setup() {
	command -v curl >/dev/null || skip "curl is missing (make deps)"
	cafe-log -q init
}

# order ARGS...: places an order; LINK is its link on this server.
order() {
	LINK=$(cafe-order --json place "$@" | jq -r .link)
	LINK=${LINK/http:\/\/127.0.0.1:8080/$URL}
}

get() { curl -s "$@"; }
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

@test "the order page at its link: status, items, steps, local times; JSON for Accept: application/json" {
	web
	TZ=Asia/Seoul order latte:2+large tea --customer kim --address 'table 4'
	cafe-daemon -q run --once
	run curl -s -i "$LINK"
	assert_success
	assert_line --partial 'HTTP/1.1 200 OK'
	assert_line "Content-Type: text/html; charset=utf-8"$'\r'
	assert_line "Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"$'\r'
	assert_line "X-Content-Type-Options: nosniff"$'\r'
	assert_line "Cache-Control: no-store"$'\r'
	assert_output --partial '<p id="status" class="status">Being made</p>'
	assert_output --partial '<li>2 &times; latte (large, whole)</li><li>1 &times; tea</li>'
	assert_output --partial 'Order placed and paid</li>'
	assert_output --regexp '<time>2026-[0-9-]+ [0-9:]+ UTC</time> Being made'
	run get -H 'Accept: application/json' "$LINK"
	jq -e '.order_id == 1 and .delivery_status == "brewing" and .customer == "kim" and
	    .total == 11500 and ([.steps[].event] == ["OrderPlaced", "DeliveryStarted"])' <<<"$output"
	cafe-deliver ready 1 >/dev/null
	run get -H 'Accept: application/json' "$LINK"
	jq -e '.delivery_status == "ready" and .steps[-1].event == "DrinkReady"' <<<"$output"
	run get "$LINK"
	assert_output --partial '<p id="status" class="status">Ready</p>'
}

@test "no order without its link: every other path is the same 404, whether the order exists or not" {
	web
	order tea
	good=${LINK##*/}
	id=${good%%-*} mac=${good#*-}
	flipped=$(printf %s "$mac" | sed 's/^./&/; s/^\(.\)/\1/' | tr '0-9a-f' '1-9a-f0')
	for path in "/o/$id" "/o/$id-" "/o/$id-00000000000000000000000000000000" \
	    "/o/999-$mac" "/o/$id-$flipped" "/o/0$id-$mac" "/o/$id-${mac^^}" "/o/" "/o" \
	    "/o/$good/other" "/orders/$id" "/o/$good/../$id" "/o/$id-$mac$mac"; do
		run curl -s -w ' %{http_code}' "$URL$path"
		assert_output '404 no such page
 404'
	done
	[ "$(code "$URL/o/$good")" = 200 ]
	# An encoded NUL cuts nothing short: the stylesheet, the board and the
	# page are not served under another name, and no request is 200.
	for path in "/style.css%00.html" "/%00" "/o/$good%00" "/%00/../style.css" "/app.js%00"; do
		run curl -s --path-as-is -w ' %{http_code}' "$URL$path"
		assert_output '400 bad request: not a path
 400'
	done
	# "%2500" is a literal "%00", not a NUL: a page that is not there.
	[ "$(code "$URL/style.css%2500")" = 404 ]
	# Another database's link to an order with the same number: its key differs.
	other=$(CAFE_DB=$T/other.db cafe-order --json place tea | jq -r .link)
	[ "${other##*/}" != "$good" ]
	[ "$(code "$URL/o/${other##*/}")" = 404 ]
}

@test "a customer's text is text: escaped in the page, and no script of it runs in the browser" {
	command -v chromium >/dev/null || skip "no chromium: run 'make deps'"
	web
	order tea --customer '<script>alert(1)</script>' --address '"><img src=x onerror=alert(2)>'
	run get "$LINK"
	assert_output --partial 'for &lt;script&gt;alert(1)&lt;/script&gt;</p>'
	refute_output --partial '<script>alert'
	refute_output --partial '<img'
	run timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
	    --user-data-dir="$T/chromium" --dump-dom "$LINK"
	assert_output --partial '<p class="for">for &lt;script&gt;alert(1)&lt;/script&gt;</p>'
	[ "$(grep -o '<script' <<<"$output" | wc -l)" = 1 ]
	[ "$(get -H 'Accept: application/json' "$LINK" | jq -r .customer)" = '<script>alert(1)</script>' ]
	# Quotes and ampersands too: text in an attribute cannot end it.
	order tea --customer "O'Brien & \"Kim\""
	run get "$LINK"
	assert_output --partial '<p class="for">for O&#39;Brien &amp; &quot;Kim&quot;</p>'
}

@test "read-only: requests write nothing; other methods are 405" {
	web
	order tea
	cafe-daemon -q run --once
	before=$(event_count)
	sum=$(sqlite3 "$CAFE_DB" "SELECT group_concat(hash) FROM events" 2>/dev/null || db_sql "SELECT count(*) FROM events")
	for m in POST PUT DELETE PATCH; do
		run curl -s -i -X "$m" -d 'x=1' "$URL/o/${LINK##*/}"
		assert_line --partial 'HTTP/1.1 405'
		assert_line "Allow: GET, HEAD"$'\r'
		assert_output --partial '405 read-only: GET and HEAD only'
	done
	run curl -s -I "$LINK"
	assert_line --partial 'HTTP/1.1 200 OK'
	for i in 1 2 3; do get "$LINK" >/dev/null; get "$URL/" >/dev/null; done
	[ "$(event_count)" = "$before" ]
	[ "$sum" = "$(sqlite3 "$CAFE_DB" "SELECT group_concat(hash) FROM events" 2>/dev/null || db_sql "SELECT count(*) FROM events")" ]
}

@test "limits: a request too large is refused, an idle connection is closed, connections are bounded" {
	web --timeout 1 --max-connections 4
	order tea
	# Headers past the request's memory: refused, the server lives.
	big=$(head -c 20000 /dev/zero | tr '\0' a)
	status=$(code -H "X-Big: $big" "$URL/")
	[ "$status" = 431 ] || [ "$status" = 413 ] || [ "$status" = 000 ] || fail "status $status"
	[ "$(code "$URL/")" = 200 ]
	# Half a request, then nothing (slowloris): closed after the timeout.
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	printf 'GET / HTTP/1.1\r\nHost: x\r\n' >&5
	start=$(date +%s)
	rc=0
	read -r -t 20 -u 5 line || rc=$?
	exec 5<&-
	[ "$rc" = 1 ] || fail "the idle connection was not closed (read: $rc)"
	[ $(( $(date +%s) - start )) -lt 15 ]
	# Four streams take the four connections; a fifth is not served. On a
	# server of its own with a timeout no loaded machine outlasts: with
	# 1 s, a stream whose keep-alive came late under load was closed, and
	# the fifth request had its connection.
	kill "$WEB"
	web --timeout 30 --max-connections 4
	for i in 1 2 3 4; do
		curl -s -N "$URL/events" >"$T/s.$i" 3>&- &
		DAEMONS+=("$!")
	done
	wait_for '[ "$(cat "$T"/s.* | grep -c "^event: board")" = 4 ]'
	[ "$(code -m 3 "$URL/")" != 200 ]
	alive "$WEB"
}

# 9,990 slow connections from 100 addresses (each under the per-address
# cap) kept every real request out until they ended.
@test "a flood of slow connections: pages are still served, a watching phone is not shed" {
	ulimit -n 8192
	web
	order tea
	start_daemon run
	wait_for '[ "$(count DeliveryStarted)" = 1 ]'
	# A phone watching the board since before the flood.
	curl -s -N "$URL/events" >"$T/stream" 3>&- &
	DAEMONS+=("$!")
	wait_for 'grep -q "^data: {\"making\":\[1\]" "$T/stream"'
	"$CAFE_HELPERS/slow-flood" "$PORT" 3000 100 "$T/flood" 3>&- &
	DAEMONS+=("$!")
	wait_for '[ -s "$T/flood" ]' 60
	# Each page within curl's deadline (the flood held them for good).
	for i in 1 2 3 4 5; do
		[ "$(code -m 20 "$LINK")" = 200 ] || fail "the order page was not served during the flood"
		[ "$(code -m 20 "$URL/")" = 200 ] || fail "the board was not served during the flood"
	done
	# The kitchen moves on: the phone that watched all along hears it.
	cafe-deliver ready 1 >/dev/null
	wait_for 'grep -q "^data: {\"making\":\[\],\"ready\":\[1\],\"latest\":1}" "$T/stream"' 60 || {
		echo "the stream heard:"; cat "$T/stream"
		echo "the board now: $(get -H 'Accept: application/json' "$URL/")"
		false
	}
	alive "$WEB"
}

@test "the pick-up board: numbers only, and it follows the kitchen as it goes" {
	web
	order tea --customer kim --address 'table 4'
	order mocha --customer lee
	start_daemon run
	wait_for '[ "$(count DeliveryStarted)" = 2 ]'
	wait_for 'get -H "Accept: application/json" "$URL/" | jq -e ".making == [1, 2]" >/dev/null'
	run get "$URL/"
	assert_output --partial '<ul id="making"><li>1</li><li>2</li></ul>'
	refute_output --partial kim
	refute_output --partial 'table 4'
	curl -s -N "$URL/events" >"$T/stream" 3>&- &
	DAEMONS+=("$!")
	wait_for 'grep -q "^data: {\"making\":\[1,2\],\"ready\":\[\],\"latest\":null}" "$T/stream"'
	cafe-deliver ready 2 >/dev/null
	wait_for 'grep -q "^data: {\"making\":\[1\],\"ready\":\[2\],\"latest\":2}" "$T/stream"'
	run get "$URL/"
	assert_output --partial '<ul id="ready"><li>2</li></ul>'
	assert_output --partial '<noscript><meta http-equiv="refresh" content="10"></noscript>'
	# The number just made ready is called out until it is collected;
	# then the one ready before it is not called again.
	assert_output --partial '<p id="called" class="called">Order <b id="latest">2</b> is ready</p>'
	cafe-deliver ready 1 >/dev/null
	wait_for 'grep -q "^data: {\"making\":\[\],\"ready\":\[1,2\],\"latest\":1}" "$T/stream"'
	cafe-deliver complete 1 >/dev/null
	wait_for 'grep -q "^data: {\"making\":\[\],\"ready\":\[2\],\"latest\":null}" "$T/stream"'
	run get "$URL/"
	assert_output --partial '<p id="called" class="called" hidden>'
}

@test "an order's page hears of its own change while other orders commit, and of nothing else" {
	web
	order tea --customer kim
	cafe-daemon -q run --once
	curl -s -N "$LINK/events" >"$T/stream" 3>&- &
	DAEMONS+=("$!")
	wait_for 'grep -q "\"status\":\"Being made\"" "$T/stream"'
	# Others' orders, each its own commits: nothing for this page.
	for i in 1 2 3 4 5; do cafe-order place latte -q; done
	cafe-daemon -q run --once
	cafe-deliver -q ready 1
	wait_for 'grep -q "\"status\":\"Ready\"" "$T/stream"'
	# Its page as it is now, though other orders moved on since it was
	# last made.
	cafe-deliver -q ready 2
	run get -H 'Accept: application/json' "$LINK"
	assert_equal "$(jq -r .delivery_status <<<"$output")" ready
	cafe-order -q cancel 3
	cafe-deliver -q dispatch 1
	wait_for 'get -H "Accept: application/json" "$LINK" | jq -e ".delivery_status == \"dispatched\"" >/dev/null'
	wait_for 'grep -q "\"status\":\"On its way\"" "$T/stream"'
	# Three changes of its own, each heard once: the others' added none.
	assert_equal "$(grep -c '^event: order' "$T/stream")" 3
}

# A quiet stream lasted until its first keep-alive comment (15 s), which
# came after the connection's idle timeout (10 s) had run out: the server
# closed it then, and every phone's page reconnected every 15 s.
@test "a quiet event stream stays open past the idle timeout: its comments come sooner" {
	web --timeout 2
	order tea
	curl -s -N "$URL/events" >"$T/stream" 3>&- &
	watcher=$!
	DAEMONS+=("$watcher")
	wait_for 'grep -q "^event: board" "$T/stream"'
	# Three comments: the stream outlived its 2 s timeout at least twice.
	wait_for '[ "$(grep -c "^: ping" "$T/stream")" -ge 3 ]' 60
	alive "$watcher"
	# And it still follows the kitchen.
	start_daemon run
	wait_for 'grep -q "^data: {\"making\":\[1\]" "$T/stream"' 60
}

@test "the server drops its connections: the pages come back by themselves, the board still follows" {
	on_pg || skip "PostgreSQL only: a connection the server ends"
	order tea --customer kim        # before the server: LINK is its path
	web
	LINK=$URL$LINK
	start_daemon run
	wait_for 'get -H "Accept: application/json" "$URL/" | jq -e ".making == [1]" >/dev/null'
	# A link that names nothing opens a connection of the pool without
	# reading the links' key.
	assert_equal "$(code "$URL/o/1-nope")" 404
	# As a restart or an idle timeout would: every connection of cafe-web
	# ended by the server.
	run db_sql "SELECT count(pg_terminate_backend(pid)) > 0 FROM pg_stat_activity
	    WHERE application_name = 'cafe-web' AND datname = current_database()"
	assert_output t
	# The next request asks whether the links' key is there: asked again
	# on a new connection, never taken for "no key" (a 404 for a real
	# link).
	run get -H "Accept: application/json" "$LINK"
	jq -e '.order_id == 1' <<<"$output"
	# Dropped again, the next request's own read meets it: a 503 of one
	# line (the customer tries again); the next one is served.
	run db_sql "SELECT count(pg_terminate_backend(pid)) > 0 FROM pg_stat_activity
	    WHERE application_name = 'cafe-web' AND datname = current_database()"
	assert_output t
	run get -w ' %{http_code}' "$LINK"
	assert_output "503 the log cannot be read
 503"
	run get -w ' %{http_code}' "$LINK"
	assert_output --partial '<title>Order 1</title>'
	# The watcher LISTENs again: the board and the page follow the kitchen.
	cafe-deliver ready 1 >/dev/null
	wait_for 'get -H "Accept: application/json" "$URL/" | jq -e ".ready == [1]" >/dev/null' 30
	wait_for 'get -H "Accept: application/json" "$LINK" | jq -e ".delivery_status == \"ready\"" >/dev/null' 30
	alive "$WEB"
}

@test "in a real browser the order page changes by itself when the kitchen marks it ready" {
	command -v chromium >/dev/null || skip "no chromium: run 'make deps'"
	web
	order latte --customer kim
	cafe-daemon -q run --once
	dport=$(( PORT + 1 ))
	# The browser itself in DAEMONS, not a timeout(1) around it: the
	# teardown's SIGKILL of a wrapper would leave the browser running.
	chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
	    --user-data-dir="$T/chromium" --remote-debugging-port="$dport" "$LINK" \
	    >/dev/null 2>&1 3>&- &
	browser=$!
	DAEMONS+=("$browser")
	title() { curl -s "http://127.0.0.1:$dport/json/list" | jq -r '.[] | select(.type == "page") | .title'; }
	# The title says the status the event stream last brought.
	wait_for '[ "$(title)" = "Order 1 · Being made" ]' 60
	cafe-deliver ready 1 >/dev/null
	wait_for '[ "$(title)" = "Order 1 · Ready" ]' 30
	cafe-deliver dispatch 1 --rider minho >/dev/null
	wait_for '[ "$(title)" = "Order 1 · On its way" ]' 30
	kill -TERM "$browser"
	wait "$browser" 2>/dev/null || :
	# Its helper processes follow it out.
	wait_for '! pgrep -f -- "--user-data-dir=$T/chromium" >/dev/null' 30
}

@test "SIGTERM and SIGINT: open streams end, exit 0" {
	for sig in TERM INT; do
		web
		order tea
		curl -s -N "$URL/events" >"$T/stream" 3>&- &
		client=$!
		wait_for 'grep -q "^event: board" "$T/stream"'
		kill -"$sig" "$WEB"
		rc=0
		wait "$WEB" || rc=$?
		[ "$rc" = 0 ] || fail "cafe-web exited $rc on SIG$sig"
		wait_for '! alive $client'
	done
	run cat "$T/web.err"
	assert_line --partial 'cafe-web: stopped'
}

@test "bad arguments: 64, one line; a port taken: 74; no log: 74" {
	for args in "--listen nowhere" "--listen 127.0.0.1:99999" "--listen 127.0.0.1:x" \
	    "--listen localhost:8080" "--timeout 0" "--timeout soon" "--max-connections 0"; do
		run --separate-stderr cafe-web $args
		assert_failure 64
		[ "${#stderr_lines[@]}" = 1 ] || fail "$args: $stderr"
		assert_regex "$stderr" "^cafe-web: --"
	done
	web
	run --separate-stderr cafe-web --listen "127.0.0.1:$PORT"
	assert_failure 74
	assert_equal "$stderr" "cafe-web: cannot listen on 127.0.0.1:$PORT: Address already in use"
	run --separate-stderr cafe-web --db "$T/none.db" --listen 127.0.0.1:1
	assert_failure 74
	[ ! -e "$T/none.db" ]
}

@test "a picture of an order page on a phone, and of the pick-up board, drawn by the browser, reads back" {
	command -v chromium >/dev/null || skip "no chromium: run 'make deps'"
	web
	order latte:2+large+oat americano --customer 'Kim Minji'
	LINK1=$LINK
	order tea
	order mocha
	cafe-daemon -q run --once
	cafe-deliver ready 1 >/dev/null
	cafe-deliver ready 3 >/dev/null
	cafe-daemon -q run --once
	wait_for 'get -H "Accept: application/json" "$URL/" | jq -e ".ready == [1, 3]" >/dev/null'
	shoot() {	# NAME WIDTH,HEIGHT URL
		timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
		    --user-data-dir="$T/chromium" --hide-scrollbars --window-size="$2" \
		    --screenshot="$T/$1.png" "$3" 2>/dev/null
		[ "$(head -c 8 "$T/$1.png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ]
		[ "$(stat -c %s "$T/$1.png")" -gt 5000 ]
		timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
		    --user-data-dir="$T/chromium" --no-pdf-header-footer --print-to-pdf="$T/$1.pdf" \
		    "$3" 2>/dev/null
	}
	shoot order-page 390,640 "$LINK1"
	run pdftotext -layout "$T/order-page.pdf" -
	assert_output --partial 'Order 1'
	assert_output --partial 'for Kim Minji'
	assert_line --regexp '^ *Ready *$'
	assert_output --partial '2 × latte (large, oat)'
	assert_output --regexp 'Order placed and paid'
	shoot pickup-board 800,360 "$URL/"
	run pdftotext -layout "$T/pickup-board.pdf" -
	assert_output --regexp 'Being made +Ready'
	assert_output --regexp '2 +1 +3'
	assert_output --partial 'Order 3 is ready'
	# On a television across the room: the same board, filling it.
	shoot pickup-tv 1920,1080 "$URL/"
	run pdftotext -layout "$T/pickup-tv.pdf" -
	assert_output --partial 'Order 3 is ready'
	assert_output --regexp 'Being made +Ready'
	if [ -n "${CAFE_SCREENSHOTS:-}" ]; then
		cp "$T/order-page.png" "$T/pickup-board.png" "$T/pickup-tv.png" "$CAFE_SCREENSHOTS/"
	fi
}

@test "the link: in place --json, on the receipt, in a message's {link}, under web.url" {
	use_config <<-EOF
	web: {url: "https://cafe.example/"}
	notify:
	  templates:
	    DeliveryStarted: "Order {order_id} is being made: {link}"
	EOF
	link=$(cafe-order --json place tea --customer kim | jq -r .link)
	assert_regex "$link" '^https://cafe\.example/o/1-[0-9a-f]{32}$'
	run cafe-order receipt 1
	assert_line "Your order, as it goes: $link"
	[ "$(cafe-order --json receipt 1 | jq -r .link)" = "$link" ]
	cafe-daemon -q run --once
	run db_sql "SELECT data->>'text' FROM events WHERE type = 'NotificationQueued' AND data->>'event' = 'DeliveryStarted'"
	assert_output "Order 1 is being made: $link"
	# The same order, the same link; the next order, another.
	[ "$(cafe-order --json receipt 1 | jq -r .link)" = "$link" ]
	other=$(cafe-order --json place tea | jq -r .link)
	[ "${other%%-*}" = "https://cafe.example/o/2" ] && [ "$other" != "$link" ]
}

@test "web.url must be an http or https address: 78, one line, nothing appended" {
	for url in "ftp://x" "cafe.example" "http://a b" 'http://x/"><script>'; do
		use_config <<-EOF
		web: {url: '$url'}
		EOF
		run --separate-stderr cafe-order place tea
		assert_failure 78
		assert_regex "$stderr" "^cafe-order: .*config\.yaml:1: web\.url: must be an http:// or https:// address"
		[ "${#stderr_lines[@]}" = 1 ]
		[ "$(event_count)" = 0 ]
	done
}

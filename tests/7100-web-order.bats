#!/usr/bin/env bats
# 7100-web-order: customers order, pay and cancel on cafe-web (DESIGN §13)
# over real HTTP (curl): the menu, an order in JSON and from the form, the
# idempotent retry, every refusal (with its status, its message, and
# nothing appended), the guards (Origin, size, one client's pace, trusted
# proxies) and the customer's own cancel. The payment processor is the
# real command protocol (tests/helpers/fake-processor).

load helpers/setup
load helpers/daemon
load helpers/web

bats_require_minimum_version 1.5.0

local_setup() {
	command -v curl >/dev/null || skip "curl is missing (make deps)"
	unset FAKE_MODE FAKE_REASON FAKE_REQUEST_FILE FAKE_COUNT_FILE
	FAKE=$T/fake-processor
	cp "$CAFE_HELPERS/fake-processor" "$FAKE"
	export FAKE_REQUEST_FILE=$T/requests
	shop_config
	cafe-log -q init
}

# The config: ordering on, the fake processor, and EXTRA lines of web:.
shop_config() {	# [EXTRA...]
	local extra=""
	for l in "$@"; do extra+="  $l"$'\n'; done
	use_config <<-EOF
	payment:
	  processor: command
	  command: ["$FAKE"]
	  timeout_ms: 20000
	  # Slow calls do not count: on a loaded machine the stand-in
	  # processor (a shell script) is slow, and that is no failure here.
	  breaker: {window: 4, min_calls: 2, failure_rate: 50, slow_call_ms: 30000,
	            open_ms: 60000}
	web:
	  ordering: true
	$extra
	EOF
}

# post PATH BODY [CURL ARGS...]: a JSON POST; CODE, HEADERS and BODY are
# what came back.
post() {
	local path=$1 body=$2
	shift 2
	CODE=$(curl -s -D "$T/headers" -o "$T/body" -w '%{http_code}' -X POST \
	    -H 'Content-Type: application/json' --data-binary "$body" "$@" "$URL$path")
	HEADERS=$(tr -d '\r' <"$T/headers")
	BODY=$(cat "$T/body")
}

header() { sed -n "s/^$1: //Ip" <<<"$HEADERS"; }

# refused STATUS EXIT MESSAGE PATH BODY [CURL ARGS...]: the POST is
# refused so, and appends nothing.
refused() {
	local status=$1 exit=$2 msg=$3 before
	shift 3
	before=$(event_count)
	post "$@"
	# Both at once, so that a wrong status shows what was said with it.
	assert_equal "$CODE $BODY" \
	    "$status $(jq -cn --arg m "$msg" --argjson x "$exit" '{error: $m, exit: $x}')"
	assert_equal "$(event_count)" "$before"
}

@test "ordering is off by default: no menu, a POST is 405 and read-only, nothing appended" {
	use_config <<-EOF
	web: {url: "http://shop.example"}
	EOF
	web
	cafe-order place tea -q
	before=$(event_count)
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/menu")" = 404 ]
	post /orders '{"items":[{"product":"tea"}]}'
	assert_equal "$CODE" 405
	assert_equal "$BODY" "405 read-only: GET and HEAD only"
	assert_equal "$(header Allow)" "GET, HEAD"
	link=$(cafe-order --json place tea | jq -r .link)
	before=$(event_count)
	post "/o/${link##*/}/cancel" ''
	assert_equal "$CODE" 405
	assert_equal "$(event_count)" "$before"
	# The order page offers no cancel on a read-only server.
	run curl -s "$URL/o/${link##*/}"
	refute_output --partial 'action="/o/'
}

@test "the menu: the same objects as cafe-order --json menu, and a form of every product and choice" {
	cafe-order -q menu add flat-white --price 4800 --options size,milk --stock 3
	web
	run curl -s -H 'Accept: application/json' "$URL/menu"
	assert_success
	assert_equal "$output" "$(cafe-order --json menu | jq -sc .)"
	# Kept until the next commit, and only until then: an order at the
	# counter takes the stock down, a new product comes in.
	cafe-order place flat-white -q
	cafe-order -q menu add scone --price 3000
	run curl -s -H 'Accept: application/json' "$URL/menu"
	jq -e 'map(select(.product == "flat-white"))[0].stock == 2 and
	    (map(.product) | index("scone")) != null' <<<"$output"
	assert_equal "$output" "$(cafe-order --json menu | jq -sc .)"
	run curl -s -i "$URL/menu"
	assert_line --partial 'HTTP/1.1 200 OK'
	assert_output --partial '<form id="order" method="post" action="/orders">'
	assert_output --partial '<span class="name">flat-white</span> <span class="price">4,800 KRW</span>'
	assert_output --partial 'name="qty:flat-white"'
	assert_output --partial '<select name="opt:flat-white:milk"><option value="whole">whole</option><option value="oat">oat +600 KRW</option></select>'
	assert_output --regexp '<input type="hidden" name="key" value="[0-9a-f]{32}">'
	# A page that is a form does not refresh itself away.
	refute_output --partial 'http-equiv="refresh"'
	# Each page its own key: a reload is a new order, a double tap is not.
	a=$(curl -s "$URL/menu" | grep -o 'name="key" value="[0-9a-f]*"')
	b=$(curl -s "$URL/menu" | grep -o 'name="key" value="[0-9a-f]*"')
	[ "$a" != "$b" ]
}

@test "an order in JSON: 201, its page in Location, cafe-order's answer; the same key again is the first answer" {
	web
	post /orders '{"items":[{"product":"latte","qty":2,"options":["large","oat"]},{"product":"tea"}],
	    "customer":"kim","contact":"+82 10-1234-5678","note":"less ice","key":"phone-1"}'
	assert_equal "$CODE" 201
	link=$(jq -r .link <<<"$BODY")
	assert_equal "$(header Location)" "/o/${link##*/}"
	jq -e '.order_id == 1 and .status == "paid" and .total == 12700 and (.link | test("/o/1-"))' <<<"$BODY"
	# The counter's own events, the web's channel, the customer's words.
	run db_sql "SELECT type FROM events WHERE stream <> 'menu' ORDER BY seq"
	assert_equal "$(paste -sd' ' <<<"$output")" \
	    "PaymentRequested OrderPlaced PaymentApproved StockReserved"
	run db_sql "SELECT data FROM events WHERE type = 'OrderPlaced'"
	jq -e '.channel == "web" and .customer == "kim" and .contact == "+82 10-1234-5678" and
	    .note == "less ice" and (.items | length) == 2' <<<"$output"
	jq -e 'select(.op == "charge") | .channel == "web" and .amount == 12700' "$FAKE_REQUEST_FILE"
	# A retry after a lost answer: the first answer, nothing new.
	first=$BODY
	before=$(event_count)
	post /orders '{"items":[{"product":"latte","qty":2,"options":["large","oat"]},{"product":"tea"}],
	    "customer":"kim","contact":"+82 10-1234-5678","note":"less ice","key":"phone-1"}'
	assert_equal "$CODE" 200
	assert_equal "$BODY" "$first"
	assert_equal "$(event_count)" "$before"
	assert_equal "$(grep -c '"op":"charge"' "$FAKE_REQUEST_FILE")" 1
	# The page at the link is the order's.
	run curl -s -H 'Accept: application/json' "$URL$(header Location)"
	jq -e '.order_id == 1 and .total == 12700 and .cancellable == true and
	    .contact == "+82 1*-****-5678"' <<<"$output"
	run curl -s "$URL$(header Location)"
	assert_output --partial '<p class="for">messages to +82 1*-****-5678</p>'
	refute_output --partial '10-1234'
	# An e-mail address is shown as little: its first letter and domain.
	post /orders '{"items":[{"product":"tea"}],"contact":"kim.minji@example.com"}'
	run curl -s -H 'Accept: application/json' "$URL$(header Location)"
	jq -e '.contact == "k***@example.com"' <<<"$output"
}

@test "tenders on the web: a phone pays by card (cash is 422); a kiosk with web.tenders cash takes it; takeout and item notes kept" {
	web
	refused 422 65 "this shop takes cards here: pay in cash at the counter" /orders \
	    '{"items":[{"product":"tea"}],"tenders":[{"tender":"cash"}]}'
	refused 422 65 "tendered is for cash, which this shop takes at the counter" /orders \
	    '{"items":[{"product":"tea"}],"tendered":5000}'
	post /orders '{"items":[{"product":"latte","note":"less ice"}],"takeout":true,"tenders":[{"tender":"card"}]}'
	assert_equal "$CODE" 201
	jq -e '.ticket == 1 and .tenders == [{"tender":"card","amount":4000}] and .change == 0' <<<"$BODY"
	run db_sql "SELECT data FROM events WHERE type = 'OrderPlaced'"
	jq -e '.takeout == true and .items[0].note == "less ice"' <<<"$output"
	{ kill "$WEB"; wait "$WEB"; } 2>/dev/null || :
	# A kiosk with a cash acceptor: cash into the open drawer.
	shop_config 'tenders: [card, cash]'
	web
	refused 422 1 "the till is not open: a cash payment needs the cash drawer (open it with 'cafe-pay till open --float N')" \
	    /orders '{"items":[{"product":"tea"}],"tenders":[{"tender":"cash"}]}'
	cafe-pay -q till open --float 0
	post /orders '{"items":[{"product":"tea"}],"tenders":[{"tender":"cash"}],"tendered":3000}'
	assert_equal "$CODE" 201
	jq -e '.tenders == [{"tender":"cash","amount":2500}] and .change == 500' <<<"$BODY"
	assert_equal "$(cafe-pay --json till | jq .cash_in)" 2500
}

@test "the form: 303 to the order page; its choices, name, contact and note are the order's" {
	web
	CODE=$(curl -s -D "$T/headers" -o /dev/null -w '%{http_code}' \
	    --data-urlencode 'qty:latte=2' --data-urlencode 'opt:latte:size=large' \
	    --data-urlencode 'opt:latte:milk=oat' --data-urlencode 'qty:tea=0' \
	    --data-urlencode 'qty:mocha=' --data-urlencode 'customer=이 지은' \
	    --data-urlencode 'contact=lee@example.com' --data-urlencode 'note=' \
	    --data-urlencode 'key=0123abcd' "$URL/orders")
	HEADERS=$(tr -d '\r' <"$T/headers")
	assert_equal "$CODE" 303
	assert_regex "$(header Location)" '^/o/1-[0-9a-f]{32}$'
	run db_sql "SELECT data FROM events WHERE type = 'OrderPlaced'"
	jq -e '.items == [{"product":"latte","qty":2,"options":["large","oat"],"unit_price":5100,"total":10200}]
	    and .customer == "이 지은" and .contact == "lee@example.com" and (has("note") | not)' <<<"$output"
	# The same form sent again (a double tap): the same page, no second order.
	before=$(event_count)
	CODE=$(curl -s -D "$T/headers" -o /dev/null -w '%{http_code}' \
	    --data-urlencode 'qty:latte=2' --data-urlencode 'opt:latte:size=large' \
	    --data-urlencode 'opt:latte:milk=oat' --data-urlencode 'customer=이 지은' \
	    --data-urlencode 'contact=lee@example.com' --data-urlencode 'key=0123abcd' "$URL/orders")
	assert_equal "$CODE" 303
	assert_equal "$(event_count)" "$before"
	# A form's refusal is a page that says why, with the way back.
	run curl -s -w '\n%{http_code}' --data-urlencode 'qty:latte=0' "$URL/orders"
	assert_line --partial '<p id="error">an order needs at least one item</p><p><a href="/menu">Back</a>'
	assert_line 422
	run curl -s -w '\n%{http_code}' --data-urlencode 'qty:latte=two' "$URL/orders"
	assert_line --partial '<p id="error">the quantity of latte must be a whole number from 0 to 100</p>'
	assert_line 422
	run curl -s -w '\n%{http_code}' --data-urlencode 'size=large' "$URL/orders"
	assert_line --partial "<p id=\"error\">unknown field &#39;size&#39;</p>"
	assert_equal "$(event_count)" "$before"
}

@test "refusals before the charge append nothing: unknown product or choice, bad fields, sold out" {
	cafe-order -q menu add cake --price 5000 --stock 1
	web
	refused 422 1 "unknown product 'latt' (the menu: americano, latte, mocha, tea, cake)" \
	    /orders '{"items":[{"product":"latt"}]}'
	refused 422 1 "latte: no choice 'huge' (offered: regular, large, whole, oat)" \
	    /orders '{"items":[{"product":"latte","options":["huge"]}]}'
	refused 422 65 "contact must be a phone number (+82 10-1234-5678) or an e-mail address (name@example.com), not 'call me'" \
	    /orders '{"items":[{"product":"tea"}],"contact":"call me"}'
	refused 422 65 "unknown field 'size' (items, customer, contact, address, note, takeout, tenders, tendered, pickup_at, language, key; or product, qty, options)" \
	    /orders '{"items":[{"product":"tea"}],"size":"large"}'
	refused 422 65 "'[' or '{' expected near 'nonsense'" /orders 'nonsense'
	refused 422 65 "duplicate object key near '\"product\"'" /orders '{"product":"tea","product":"tea"}'
	refused 422 65 "an order needs items (or a product)" /orders '{}'
	refused 422 65 "items[0]: qty must be a whole number" /orders '{"items":[{"product":"tea","qty":"2"}]}'
	post /orders '{"items":[{"product":"cake"}]}'
	assert_equal "$CODE" 201
	before=$(event_count)
	post /orders '{"items":[{"product":"cake"}]}'
	assert_equal "$CODE" 409
	jq -e '.exit == 1 and (.error | test("cake"))' <<<"$BODY"
	assert_equal "$(event_count)" "$before"
	assert_equal "$(grep -c '"op":"charge"' "$FAKE_REQUEST_FILE")" 1
}

@test "declined 402, processor down 503, breaker open 503 with Retry-After: no order, no money kept" {
	FAKE_MODE=decline FAKE_REASON="insufficient funds" web
	before=$(event_count)
	post /orders '{"items":[{"product":"tea"}]}'
	assert_equal "$CODE" 402
	assert_equal "$BODY" '{"error":"payment declined: insufficient funds","exit":1}'
	# A decline is recorded as the counter records one: no order follows.
	run db_sql "SELECT type FROM events WHERE seq > $before AND stream <> 'menu' ORDER BY seq"
	assert_equal "$(paste -sd' ' <<<"$output")" "PaymentRequested PaymentDeclined"
	assert_equal "$(db_sql "SELECT count(*) FROM events WHERE type = 'OrderPlaced'")" 0
	kill "$WEB"
	FAKE_MODE=exit3 web
	post /orders '{"items":[{"product":"tea"}]}'
	assert_equal "$CODE" 503
	assert_regex "$(header Retry-After)" '^[0-9]+$'
	jq -e '.exit == 69' <<<"$BODY"
	post /orders '{"items":[{"product":"tea"}]}'
	# Two failures open the breaker: the next customer hears "try again" at once.
	before=$(event_count)
	post /orders '{"items":[{"product":"tea"}]}'
	assert_equal "$CODE" 503
	jq -e '.exit == 75 and (.error | test("try again"))' <<<"$BODY"
	after=$(header Retry-After)
	[ "$after" -ge 1 ] && [ "$after" -le 60 ]
	assert_equal "$(event_count)" "$before"
	assert_equal "$(db_sql "SELECT count(*) FROM events WHERE type = 'OrderPlaced'")" 0
}

@test "a POST from another site's page is 403; the shop's own pages and web.url's are taken" {
	shop_config 'url: "https://order.example.com/shop"'
	web
	refused 403 1 "orders are taken from this shop's own pages only" \
	    /orders '{"items":[{"product":"tea"}]}' -H 'Origin: https://evil.example'
	refused 403 1 "orders are taken from this shop's own pages only" \
	    /orders '{"items":[{"product":"tea"}]}' -H 'Origin: null'
	refused 403 1 "orders are taken from this shop's own pages only" \
	    /orders '{"items":[{"product":"tea"}]}' -H "Referer: http://127.0.0.1:$PORT.evil.example/menu"
	refused 403 1 "orders are taken from this shop's own pages only" \
	    /orders '{"items":[{"product":"tea"}]}' -H "Origin: https://order.example.com.evil"
	post /orders '{"items":[{"product":"tea"}]}' -H "Origin: $URL"
	assert_equal "$CODE" 201
	post /orders '{"items":[{"product":"tea"}]}' -H "Referer: $URL/menu"
	assert_equal "$CODE" 201
	post /orders '{"items":[{"product":"tea"}]}' -H 'Origin: https://order.example.com'
	assert_equal "$CODE" 201
	# A script, with neither header, is no other site's page.
	post /orders '{"items":[{"product":"tea"}]}'
	assert_equal "$CODE" 201
	link=$(jq -r .link <<<"$BODY")
	refused 403 1 "orders are cancelled from this shop's own pages only" \
	    "/o/${link##*/}/cancel" '' -H 'Origin: https://evil.example'
}

@test "a body over 16 kB is 413, nothing appended" {
	web
	big=$(jq -cn --arg n "$(head -c 17000 /dev/zero | tr '\0' 'x')" '{items:[{product:"tea"}], note:$n}')
	refused 413 65 "the order is too large (at most 16 kB)" /orders "$big"
	# A cancel's body is bounded the same way, before the order is touched.
	post /orders '{"items":[{"product":"tea"}]}'
	link=$(jq -r .link <<<"$BODY")
	refused 413 65 "the request is too large" "/o/${link##*/}/cancel" "$big"
	assert_equal "$(db_sql "SELECT count(*) FROM events WHERE type = 'OrderCancelled'")" 0
	# Just under is read whole, and refused for what it says.
	under=$(jq -cn --arg n "$(head -c 600 /dev/zero | tr '\0' 'x')" '{items:[{product:"tea"}], note:$n}')
	refused 422 65 "note is too long (600 characters, at most 500)" /orders "$under"
}

@test "one client's pace: 429 with Retry-After past orders_per_minute; a trusted proxy's clients each their own" {
	# One a minute: a second order within the minute is refused, however
	# slowly a loaded machine runs the first.
	shop_config 'orders_per_minute: 1' 'trusted_proxies: [127.0.0.0/8]'
	web
	post /orders '{"items":[{"product":"tea"}]}' -H 'X-Forwarded-For: 203.0.113.7'
	assert_equal "$CODE" 201
	before=$(event_count)
	post /orders '{"items":[{"product":"tea"}]}' -H 'X-Forwarded-For: 203.0.113.7'
	assert_equal "$CODE" 429
	jq -e '.exit == 75 and (.error | test("^too many orders from one place: try again in [0-9]+ s$"))' <<<"$BODY"
	after=$(header Retry-After)
	[ "$after" -ge 1 ] && [ "$after" -le 61 ]
	assert_equal "$(event_count)" "$before"
	# Another customer behind the same proxy is not held up.
	post /orders '{"items":[{"product":"tea"}]}' -H 'X-Forwarded-For: 198.51.100.4, 127.0.0.1'
	assert_equal "$CODE" 201
	kill "$WEB"
	# From a peer that is no trusted proxy, the header counts for nothing:
	# every request is the peer's.
	shop_config 'orders_per_minute: 1'
	web
	post /orders '{"items":[{"product":"tea"}]}' -H 'X-Forwarded-For: 203.0.113.1'
	assert_equal "$CODE" 201
	post /orders '{"items":[{"product":"tea"}]}' -H 'X-Forwarded-For: 203.0.113.2'
	assert_equal "$CODE" 429
}

@test "behind a trusted proxy the pages watched at once are counted per forwarded client, not per proxy" {
	shop_config 'trusted_proxies: [127.0.0.0/8]'
	web --max-connections 600
	post /orders '{"items":[{"product":"tea"}]}'
	link=$(jq -r .link <<<"$BODY") link=/o/${link##*/}/events
	before=$(event_count)
	# 130 phones, one page each, all through the one proxy address: more
	# than one address may hold directly, and all are served.
	run hold-streams "$PORT" "$link" 130 '203.0.113.{i}'
	assert_success
	assert_output '200 130'
	# One client with 129 pages open: the one past 128 is refused, 429.
	run hold-streams "$PORT" "$link" 129 '198.51.100.9'
	assert_success
	assert_output $'200 128\n429 1'
	# Nothing was appended by watching.
	assert_equal "$(event_count)" "$before"
}

@test "the customer cancels while it is not made: 200 and the page; again 409; once made 409; the form 303" {
	web
	post /orders '{"items":[{"product":"tea"}],"customer":"kim"}'
	one=$(jq -r .link <<<"$BODY") one=/o/${one##*/}
	post /orders '{"items":[{"product":"latte"}]}'
	two=$(jq -r .link <<<"$BODY") two=/o/${two##*/}
	post /orders '{"items":[{"product":"mocha"}]}'
	three=$(jq -r .link <<<"$BODY") three=/o/${three##*/}
	# The page offers the cancel while it can work.
	run curl -s "$URL$one"
	assert_output --partial "<form id=\"cancel\" method=\"post\" action=\"$one/cancel\"><button type=\"submit\" class=\"cancel\">Cancel this order</button></form>"
	post "$one/cancel" ''
	assert_equal "$CODE" 200
	jq -e '.order_id == 1 and .order_status == "cancelled" and .cancellable == false' <<<"$BODY"
	run db_sql "SELECT data FROM events WHERE type = 'OrderCancelled'"
	jq -e '.reason == "cancelled by the customer"' <<<"$output"
	refused 409 1 "order 1 is already cancelled" "$one/cancel" ''
	# The daemon refunds it, as for a staff cancel.
	wait_for 'cafe-daemon -q run --once; [ "$(db_sql "SELECT count(*) FROM events WHERE type = '"'PaymentRefunded'"'")" = 1 ]' 60
	run db_sql "SELECT type FROM events WHERE stream = 'payment-1' ORDER BY seq"
	assert_equal "$(paste -sd' ' <<<"$output")" \
	    "PaymentRequested PaymentApproved RefundRequested PaymentRefunded"
	run curl -s "$URL$one"
	refute_output --partial 'class="cancel"'
	# Made: the customer can no longer cancel; staff still can.
	cafe-deliver -q ready 2
	refused 409 1 "order 2 is already made: it can no longer be cancelled here (ask at the counter)" \
	    "$two/cancel" ''
	run curl -s "$URL$two"
	refute_output --partial 'class="cancel"'
	# The form's cancel goes back to the page.
	CODE=$(curl -s -D "$T/headers" -o /dev/null -w '%{http_code}' -X POST \
	    -H 'Content-Type: application/x-www-form-urlencoded' --data '' "$URL$three/cancel")
	HEADERS=$(tr -d '\r' <"$T/headers")
	assert_equal "$CODE" 303
	assert_equal "$(header Location)" "$three"
	# No cancel without the order's link.
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/o/3-00000000000000000000000000000000/cancel")" = 404 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL$three/other")" = 404 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X PUT "$URL/orders")" = 405 ]
}

@test "ordering on a log this server may not write: 74 at start, one line, nothing written" {
	sqlite_only "file permissions; a PostgreSQL server checks its own roles"
	[ "$(id -u)" = 0 ] || skip "needs root to run the server as another user"
	cafe-order place tea -q
	# A copy of the log and the program that nobody may read, not write.
	dir=$(mktemp -d)
	chmod 755 "$dir"
	cp "$CAFE_DB" "$dir/cafe.db"
	chmod 644 "$dir/cafe.db"
	cp "$CAFE_TOP/bin/cafe-web" "$CAFE_CONFIG" "$dir/"
	sum=$(cksum <"$dir/cafe.db")
	cd "$dir"
	run --separate-stderr runuser -u nobody -- env HOME="$dir" CAFE_DB="$dir/cafe.db" \
	    "$dir/cafe-web" --config "$dir/config.yaml" --listen "127.0.0.1:$(( 20000 + RANDOM % 40000 ))"
	cd "$BATS_TEST_TMPDIR"
	assert_failure 74
	assert_equal "$output" ""
	assert_regex "$stderr" "^cafe-web: [^"$'\n'"]*'$dir/cafe.db'[^"$'\n'"]*$"
	assert_equal "$(cksum <"$dir/cafe.db")" "$sum"
	rm -rf "$dir"
}

# browser SIZE: a customer orders in a real browser (tests/helpers/browser-order)
# while the kitchen makes the drink once the order is there.
browser() {
	command -v chromedriver >/dev/null && /usr/bin/python3 -c 'import selenium' 2>/dev/null ||
	    skip "no chromium-driver or python3-selenium: run 'make deps'"
	web
	mkdir -p "$T/b"
	browser-order "$URL" "$1" "$T/b" 2>"$T/b/err" &
	BROWSER=$!
	DAEMONS+=("$BROWSER")
	wait_for "[ -s '$T/b/link' ] || ! kill -0 $BROWSER 2>/dev/null" 120 ||
	    fail "no order from the browser"
	[ -s "$T/b/link" ] || fail "$(cat "$T/b/err")"
	cafe-daemon -q run --once
	cafe-deliver -q ready 1
	wait "$BROWSER" || fail "$(cat "$T/b/err")"
	run db_sql "SELECT data FROM events WHERE type = 'OrderPlaced' AND stream = 'order-1'"
	jq -e '.channel == "web" and .customer == "Kim Minji" and .contact == "+82 10-1234-5678" and
	    .items == [{"product":"latte","qty":2,"options":["large","oat"],"unit_price":5100,"total":10200},
	               {"product":"tea","qty":1,"options":[],"unit_price":2500,"total":2500}]' <<<"$output"
	assert_equal "$(cat "$T/b/link")" "$(curl -s -H 'Accept: application/json' "$URL$(cat "$T/b/link")" |
	    jq -r '"/o/" + (.order_id | tostring)')-${link_mac:-$(cut -d- -f2 "$T/b/link")}"
	run db_sql "SELECT data FROM events WHERE type = 'OrderCancelled'"
	jq -e '.order_id == 2 and .reason == "cancelled by the customer"' <<<"$output"
	for p in menu ordered ready; do
		[ "$(head -c 8 "$T/b/$p.png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ]
	done
}

@test "in a real browser on a phone: the menu, an order with choices, its page turns Ready, another cancelled" {
	browser 390,844
	if [ -n "${CAFE_SCREENSHOTS:-}" ]; then
		cp "$T/b/menu.png" "$CAFE_SCREENSHOTS/phone-menu.png"
		cp "$T/b/ordered.png" "$CAFE_SCREENSHOTS/phone-order.png"
	fi
}

@test "in a real browser on a kiosk's portrait screen: the same" {
	browser 1080,1920
	if [ -n "${CAFE_SCREENSHOTS:-}" ]; then
		cp "$T/b/menu.png" "$CAFE_SCREENSHOTS/kiosk-menu.png"
	fi
}

@test "in a real browser that asks for Korean: the pages in Korean, and the order's messages too" {
	BROWSER_LANG=ko browser 390,844
	assert_equal "$(db_sql "SELECT data->>'language' FROM events WHERE type = 'OrderPlaced' AND stream = 'order-1'")" ko
	cafe-daemon -q run --once
	run db_sql "SELECT data->>'text' FROM events WHERE type = 'NotificationQueued' AND CAST(data->>'order_id' AS INTEGER) = 1 ORDER BY seq"
	assert_line --index 0 '주문 1: latte x2 + tea 12,700원 결제되었습니다. 감사합니다'
	if [ -n "${CAFE_SCREENSHOTS:-}" ]; then
		cp "$T/b/menu.png" "$CAFE_SCREENSHOTS/phone-menu-ko.png"
		cp "$T/b/ready.png" "$CAFE_SCREENSHOTS/phone-ready-ko.png"
	fi
}

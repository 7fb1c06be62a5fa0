#!/usr/bin/env bats
# 1010-place: `cafe-order place` - what a paid order appends, bad input
# that appends nothing, idempotency keys, stock, declines, processors that
# fail or hang (through the real command), and config errors.

load helpers/setup
load helpers/foundation

bats_require_minimum_version 1.5.0

local_setup() {
	unset FAKE_MODE FAKE_SLEEP_MS FAKE_REASON FAKE_COUNT_FILE FAKE_LEDGER \
	    FAKE_PID_FILE FAKE_REQUEST_FILE
	# A copy per test, so pgrep -f finds this test's processors only.
	FAKE=$T/fake-processor
	cp "$CAFE_HELPERS/fake-processor" "$FAKE"
}

command_processor() {	# TIMEOUT_MS
	use_config <<-EOF
	payment:
	  processor: command
	  command: ["$FAKE"]
	  timeout_ms: ${1:-2000}
	EOF
}

# Gone, or a zombie waiting for an init that does not reap.
dead() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 0
	[[ -z $st || $st == Z* ]]
}

@test "place prints the new order id and appends the paid order" {
	run --separate-stderr cafe-order place latte --qty 2 --customer kim --address 'table 4'
	assert_success
	assert_output 1
	assert_equal "$stderr" ""
	run db_sql "SELECT type, stream, version, data FROM events WHERE stream <> 'menu' ORDER BY seq"
	assert_line --index 1 'OrderPlaced|order-1|1|{"order_id":1,"items":[{"product":"latte","qty":2,"options":["regular","whole"],"unit_price":4000,"total":8000}],"total":8000,"customer":"kim","address":"table 4","ticket":1}'
	assert_line --index 3 'StockReserved|stock-latte|1|{"order_id":1,"product":"latte","qty":2,"stock":100}'
	run db_sql "SELECT (data->>'amount'), (data->>'currency'),
	    length(data->>'key') FROM events WHERE seq = 1"
	assert_output "8000|KRW|32"
	run db_sql "SELECT type, (data->>'amount'),
	    CASE WHEN (data->>'ref') LIKE 'sim-%' THEN 'sim' END FROM events WHERE seq = 7"
	assert_output "PaymentApproved|8000|sim"
	run cafe-order --json stock latte
	assert_output '{"product":"latte","price":4000,"stock":98}'
}

@test "place --json, -q, and global options after the subcommand" {
	run cafe-order --json place tea
	assert_success
	output=$(jq -c 'del(.link)' <<<"$output")  # the link: its own test
	assert_output '{"order_id":1,"status":"paid","total":2500,"ticket":1,"tenders":[{"tender":"card","amount":2500}],"change":0}'
	run cafe-order place mocha --qty 3 --json
	output=$(jq -c 'del(.link)' <<<"$output")  # the link: its own test
	assert_output '{"order_id":2,"status":"paid","total":13500,"ticket":2,"tenders":[{"tender":"card","amount":13500}],"change":0}'
	run cafe-order -q place tea
	assert_success
	assert_output ""
	# An untracked product reserves no stock.
	assert_equal "$(count_type StockReserved)" 0
	assert_equal "$(event_count)" 13  # the menu's 4 with the first
}

@test "--db wins over CAFE_DB" {
	run cafe-order --db "$T/other.db" place tea
	assert_success
	assert_equal "$(CAFE_DB=$T/other.db event_count)" 7
	no_db
}

# Expects `cafe-order place ARGS...` to exit with STATUS and MESSAGE and to
# append nothing.
refused() {	# STATUS MESSAGE ARGS...
	local want=$1 msg=$2 before
	shift 2
	before=$(event_count)
	run --separate-stderr cafe-order place "$@"
	assert_failure "$want"
	assert_equal "$output" ""
	assert_equal "$stderr" "cafe-order: $msg"
	assert_equal "$(event_count)" "$before"
}

@test "bad input for place appends nothing" {
	cafe-order place tea >/dev/null
	for q in 0 -1 abc 1e30 101 2.5 '' ' 3' 0x10; do
		refused 65 "quantity must be a whole number from 1 to 100, not '$q'" latte --qty "$q"
	done
	refused 1 "unknown product 'lattee' (the menu: americano, latte, mocha, tea)" lattee
	refused 1 "unknown product 'Latte' (the menu: americano, latte, mocha, tea)" Latte
	refused 65 "an empty item (see 'cafe-order menu')" ''
	refused 65 "customer is too long (5000 characters, at most 200)" \
	    latte --customer "$(printf '%5000s' | tr ' ' a)"
	refused 65 "customer is not valid UTF-8 text (control characters or bad bytes)" \
	    latte --customer "$(printf 'kim\xff')"
	refused 65 "customer is not valid UTF-8 text (control characters or bad bytes)" \
	    latte --customer "$(printf 'kim\033[2J')"
	refused 65 "address is not valid UTF-8 text (control characters or bad bytes)" \
	    latte --address "$(printf 'table\n4')"
	refused 65 "address is too long (501 characters, at most 500)" \
	    latte --address "$(printf '%501s' | tr ' ' x)"
	refused 65 "key is not valid UTF-8 text (control characters or bad bytes)" \
	    latte --key "$(printf 'k\xc3')"
	refused 65 "key is too long (201 characters, at most 200)" \
	    latte --key "$(printf '%201s' | tr ' ' k)"
	assert_equal "$(event_count)" 7
}

@test "a malformed item: one line, 65, nothing appended" {
	cafe-order place tea >/dev/null
	refused 65 "item 'latte:': the quantity after ':' must be a whole number from 1 to 100" 'latte:'
	refused 65 "item 'latte:0': the quantity after ':' must be a whole number from 1 to 100" latte:0
	refused 65 "item 'latte:2x': the quantity after ':' must be a whole number from 1 to 100" latte:2x
	refused 65 "item ':2' names no product" :2
	refused 65 "item 'latte++oat' has an empty choice" latte++oat
	refused 65 "item 'latte+' has an empty choice" latte+
	refused 65 "latte: 'large' and 'regular' are both size (choose one)" latte+large+regular
	refused 65 "latte: 'oat' is chosen twice" latte+oat+oat
	refused 65 "item 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' is too long (10000 bytes, at most 256)" \
	    "$(printf '%10000s' | tr ' ' a)"
	refused 65 "item 'lat?te' holds a control character" "$(printf 'lat\033te')"
	refused 65 "item 'latte?' holds a control character" "$(printf 'latte\t')"
	refused 65 "item 'latte+a+b+c+d+e+f+g+h+i' has more than 8 choices" latte+a+b+c+d+e+f+g+h+i
	# One bad item refuses the whole order, whichever it is.
	refused 65 "item 'tea:0': the quantity after ':' must be a whole number from 1 to 100" \
	    latte americano tea:0
	assert_equal "$(event_count)" 7
}

@test "several items: one order, one charge, one ticket, stock per product" {
	run --separate-stderr cafe-order --json place latte:2+large+oat americano latte+oat \
	    --customer kim
	assert_success
	output=$(jq -c 'del(.link)' <<<"$output")  # the link: its own test
	assert_output '{"order_id":1,"status":"paid","total":17800,"ticket":1,"tenders":[{"tender":"card","amount":17800}],"change":0}'
	run db_sql "SELECT type || ' ' || stream FROM events WHERE stream <> 'menu' ORDER BY seq"
	assert_output "PaymentRequested payment-1
OrderPlaced order-1
PaymentApproved payment-1
StockReserved stock-latte
StockReserved stock-americano"
	run db_sql "SELECT data FROM events WHERE type = 'OrderPlaced'"
	run jq -c '[.items[] | [.product, .qty, .options, .unit_price, .total]], .total' <<<"$output"
	assert_output '[["latte",2,["large","oat"],5100,10200],["americano",1,["regular"],3000,3000],["latte",1,["regular","oat"],4600,4600]]
17800'
	run db_sql "SELECT (data->>'qty') FROM events WHERE type = 'StockReserved' ORDER BY seq"
	assert_output "3
1"
	run cafe-order --json stock latte
	assert_output '{"product":"latte","price":4000,"stock":97}'
	cafe-daemon run --once 2>/dev/null
	run db_sql "SELECT count(*) FROM events WHERE type = 'DeliveryStarted'"
	assert_output 1
	run cafe-trace --json show 1
	assert_line --partial '"type":"DeliveryStarted"'
}

@test "an item the shop cannot make refuses the whole order before any charge" {
	use_config <<-EOF
	menu:
	  - {name: latte, price: 4000, stock: 1, options: [milk]}
	  - {name: tea, price: 2500}
	options: {milk: {whole: 0, oat: 600}}
	EOF
	refused 1 "unknown product 'mocha' (the menu: latte, tea)" latte mocha
	refused 1 "latte: no choice 'large' (offered: whole, oat)" tea latte+large
	refused 1 "tea offers no choices, not 'oat'" latte tea+oat
	refused 1 "out of stock: only 1 latte left, 2 asked for" latte tea latte
	refused 1 "out of stock: only 1 latte left, 2 asked for" tea latte:2
	assert_equal "$(event_count)" 0
	run cafe-order place latte+oat tea:2
	assert_success
	refused 1 "out of stock: no latte left" tea latte
	# The order's four, and the menu's two that came with the first.
	assert_equal "$(event_count)" 6
}

@test "a customer of 200 characters in any script is fine" {
	name=$(printf '김%.0s' $(seq 200))
	run cafe-order place latte --customer "$name"
	assert_success
	run db_sql "SELECT (data->>'customer') FROM events WHERE type = 'OrderPlaced'"
	assert_output "$name"
}

@test "the same --key twice: the first result, nothing appended" {
	run cafe-order place latte --qty 2 --key k1
	assert_success
	assert_output 1
	before=$(event_count)
	run cafe-order place latte --qty 2 --key k1
	assert_success
	assert_output 1
	run cafe-order --json place latte --qty 2 --key k1
	assert_success
	output=$(jq -c 'del(.link)' <<<"$output")  # the link: its own test
	assert_output '{"order_id":1,"status":"paid","total":8000,"ticket":1,"tenders":[{"tender":"card","amount":8000}],"change":0}'
	assert_equal "$(event_count)" "$before"
	assert_equal "$(db_sql "SELECT count(*) FROM sim_ledger")" 1
	# Another key is another order.
	run cafe-order place latte --qty 2 --key k2
	assert_output 2
}

@test "a key reused for a different order: 65, nothing appended" {
	cafe-order place latte --qty 2 --key k1 >/dev/null
	refused 65 "key 'k1' was already used for order 1 (latte x2)" latte --qty 3 --key k1
	refused 65 "key 'k1' was already used for order 1 (latte x2)" tea --qty 2 --key k1
	cafe-order cancel 1 --key c1 >/dev/null
	refused 65 "key 'c1' was already used for another command (OrderCancelled)" tea --key c1
}

@test "the key of a declined order gives the decline again, nothing appended" {
	use_config <<-EOF
	payment:
	  sim: {decline_over: 5000}
	EOF
	run cafe-order place latte --qty 2 --key big
	assert_failure 1
	refused 1 "payment declined: amount over limit (order key 'big')" latte --qty 2 --key big
}

@test "out of stock: refused with 1, nothing appended" {
	cafe-order stock latte --set 1 >/dev/null
	refused 1 "out of stock: only 1 latte left, 2 asked for" latte --qty 2
	run cafe-order place latte
	assert_success
	refused 1 "out of stock: no latte left" latte
	assert_equal "$(count_type PaymentRequested)" 1
}

@test "a declined payment appends PaymentRequested and PaymentDeclined, no order" {
	use_config <<-EOF
	payment:
	  sim: {decline_over: 5000}
	EOF
	run --separate-stderr cafe-order place latte --qty 2
	assert_failure 1
	assert_equal "$output" ""
	assert_equal "$stderr" "cafe-order: payment declined: amount over limit"
	run db_joined ', ' "SELECT type || ' ' || stream FROM events WHERE stream <> 'menu' ORDER BY seq"
	assert_output "PaymentRequested payment-1, PaymentDeclined payment-1"
	run db_sql "SELECT data FROM events WHERE type = 'PaymentDeclined'"
	assert_output '{"order_id":1,"amount":8000,"reason":"amount over limit"}'
	run cafe-order --json stock latte
	assert_output '{"product":"latte","price":4000,"stock":100}'
	# Under the limit it goes through, with the next id.
	run cafe-order place latte
	assert_output 2
}

@test "sim failure_rate 1.0: 69, only PaymentRequested appended" {
	use_config <<-EOF
	payment:
	  sim: {failure_rate: 1.0}
	EOF
	run --separate-stderr cafe-order place latte
	assert_failure 69
	assert_equal "$output" ""
	assert_equal "$stderr" "cafe-order: payment processor failed (sim failure_rate)"
	run db_joined ' ' "SELECT type FROM events WHERE stream <> 'menu' ORDER BY seq"
	assert_output "PaymentRequested"
}

@test "after a 69 the reconcile policy voids the charge; no order ever appears" {
	use_config <<-EOF
	payment:
	  sim: {failure_rate: 1.0}
	daemon: {reconcile_after_ms: 1}
	EOF
	run cafe-order place tea
	assert_failure 69
	sed -i '/failure_rate/d; /^payment:/d' "$CAFE_CONFIG"
	wait_for '[ "$(cafe-daemon -q run --once --policy reconcile >/dev/null 2>&1; count_type PaymentVoided)" = 1 ]' 10
	run db_joined ', ' "SELECT type || ' ' || stream FROM events WHERE stream <> 'menu' ORDER BY seq"
	assert_output "PaymentRequested payment-1, PaymentAbandoned payment-1, PaymentVoided payment-1"
	run cafe-trace --json show 1
	refute_output --partial OrderPlaced
}

@test "a command processor that approves: the order carries its ref" {
	command_processor
	export FAKE_REQUEST_FILE=$T/requests
	run cafe-order place tea --qty 2
	assert_success
	assert_output 1
	run jq -c '[.op, .order_id, .amount, .currency, (.key | length)]' "$T/requests"
	assert_output '["charge",1,5000,"KRW",32]'
	run db_sql "SELECT (data->>'ref') FROM events WHERE type = 'PaymentApproved'"
	assert_output --regexp '^fake-charge-[0-9]+$'
}

@test "a command processor that declines: 1 with its reason, no order" {
	command_processor
	FAKE_MODE=decline FAKE_REASON='insufficient funds' run cafe-order place tea
	assert_failure 1
	assert_output "cafe-order: payment declined: insufficient funds"
	assert_equal "$(count_type PaymentDeclined)" 1
	assert_equal "$(count_type OrderPlaced)" 0
}

@test "a command processor that crashes, exits non-zero or talks nonsense: 69" {
	command_processor
	FAKE_MODE=crash run cafe-order place tea
	assert_failure 69
	assert_output --regexp "^cafe-order: payment processor was killed by signal 11"
	FAKE_MODE=exit3 run cafe-order place tea
	assert_failure 69
	assert_output "cafe-order: payment processor exited with status 3: card reader offline"
	FAKE_MODE=garbage run cafe-order place tea
	assert_failure 69
	assert_output --partial "cafe-order: payment processor gave an unreadable reply"
	FAKE_MODE=silent run cafe-order place tea
	assert_failure 69
	assert_output --partial "cafe-order: payment processor gave no reply"
	# Each attempt left its PaymentRequested (for reconcile) and nothing else.
	run db_joined ' ' "SELECT type FROM events WHERE stream <> 'menu' ORDER BY seq"
	assert_output "PaymentRequested PaymentRequested PaymentRequested PaymentRequested"
}

@test "a command processor that hangs is killed at the timeout: 69, no child left" {
	command_processor 300
	export FAKE_MODE=sleep FAKE_SLEEP_MS=20000 FAKE_PID_FILE=$T/pids
	start=$(date +%s%N)
	run cafe-order place tea
	elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
	assert_failure 69
	assert_output "cafe-order: payment processor timed out after 300 ms"
	# Well short of the processor's 20 s, on however loaded a machine.
	[ "$elapsed" -lt 15000 ]
	[ -s "$T/pids" ]
	while read -r pid; do
		dead "$pid" || { echo "processor $pid is still alive"; false; }
	done <"$T/pids"
	! pgrep -f "$FAKE" >/dev/null
	run db_joined ' ' "SELECT type FROM events WHERE stream <> 'menu' ORDER BY seq"
	assert_output "PaymentRequested"
}

@test "a grandchild that keeps the pipes open does not hold place up" {
	# Held up, place would time out after 20 s (exit 69) long before the
	# grandchild's 120 s are over.
	command_processor 20000
	export FAKE_MODE=hang-child FAKE_SLEEP_MS=120000 FAKE_PID_FILE=$T/pids
	run cafe-order place tea
	assert_success
	assert_output 1
	assert_equal "$(wc -l <"$T/pids")" 2
	while read -r pid; do
		dead "$pid" || { echo "process $pid is still alive"; false; }
	done <"$T/pids"
}

@test "bad config: 78 naming the file, the line and the key; nothing appended" {
	cafe-order place tea >/dev/null
	printf 'currency: KRW\nmenuu: []\n' >"$T/bad1.yaml"
	run cafe-order --config "$T/bad1.yaml" place tea
	assert_failure 78
	assert_output "cafe-order: $T/bad1.yaml:2: menuu: unknown key (see cafe.yaml(5))"
	printf 'menu:\n  - {name: latte, price: 4000}\n  - {name: tea, price: -1}\n' >"$T/bad2.yaml"
	CAFE_CONFIG=$T/bad2.yaml run cafe-order place tea
	assert_failure 78
	assert_output "cafe-order: $T/bad2.yaml:3: menu[1].price: must be a whole number from 1 to 1000000000000, not '-1'"
	printf 'payment:\n  processor: command\n' >"$T/bad3.yaml"
	run cafe-order --config "$T/bad3.yaml" place tea
	assert_failure 78
	assert_output --partial "cafe-order: $T/bad3.yaml:2: payment.command: required when processor is command"
	printf 'payment:\n  sim: {failure_rate: 2}\n' >"$T/bad4.yaml"
	run cafe-order --config "$T/bad4.yaml" place tea
	assert_failure 78
	assert_output "cafe-order: $T/bad4.yaml:2: payment.sim.failure_rate: must be a number from 0 to 1, not '2'"
	printf 'payment: [\n' >"$T/bad5.yaml"
	run cafe-order --config "$T/bad5.yaml" place tea
	assert_failure 78
	assert_output --regexp "^cafe-order: $T/bad5.yaml:[0-9]+: YAML syntax error"
	run cafe-order --config "$T/missing.yaml" place tea
	assert_failure 78
	assert_output "cafe-order: $T/missing.yaml: cannot read: No such file or directory"
	# Found by the lookup order, not named: still named in the message.
	mkdir -p "$XDG_CONFIG_HOME/cafe"
	printf 'payment:\n  timeout_ms: soon\n' >"$XDG_CONFIG_HOME/cafe/config.yaml"
	run cafe-order place tea
	assert_failure 78
	assert_output "cafe-order: $XDG_CONFIG_HOME/cafe/config.yaml:2: payment.timeout_ms: must be a whole number from 1 to 86400000, not 'soon'"
	assert_equal "$(event_count)" 7
}

@test "a menu from the config: its products and prices" {
	use_config <<-EOF
	currency: EUR
	menu:
	  - {name: flat-white, price: 350, stock: 2}
	EOF
	run cafe-order --json place flat-white --qty 2
	output=$(jq -c 'del(.link)' <<<"$output")  # the link: its own test
	assert_output '{"order_id":1,"status":"paid","total":700,"ticket":1,"tenders":[{"tender":"card","amount":700}],"change":0}'
	run cafe-order place latte
	assert_failure 1
	assert_output "cafe-order: unknown product 'latte' (the menu: flat-white)"
	run db_sql "SELECT (data->>'currency') FROM events WHERE type = 'PaymentRequested'"
	assert_output EUR
	# The file's menu went into the log with the first order.
	run db_sql "SELECT type, (data->>'name'), (data->>'price') FROM events
	    WHERE stream = 'menu'"
	assert_output 'ProductAdded|flat-white|350'
}

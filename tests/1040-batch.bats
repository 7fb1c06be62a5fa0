#!/usr/bin/env bats
# 1040-batch: `cafe-order place --batch` - JSON Lines in, one result per
# order out; every line is checked before anything is placed, so bad input
# anywhere appends nothing at all.

load helpers/setup
load helpers/foundation

bats_require_minimum_version 1.5.0

# Expects the batch in $T/in.jsonl to fail with STATUS and MESSAGE and to
# append nothing.
batch_refused() {	# STATUS MESSAGE
	local before
	before=$(event_count)
	run --separate-stderr cafe-order place --batch <"$T/in.jsonl"
	assert_failure "$1"
	assert_equal "$output" ""
	assert_equal "$stderr" "cafe-order: $2"
	assert_equal "$(event_count)" "$before"
}

@test "a batch places every line and prints one id per order" {
	cat >"$T/in.jsonl" <<-EOF
	{"product":"latte","qty":2,"customer":"kim","address":"table 4"}
	{"product":"tea"}
	{"product":"mocha","qty":1,"key":"m-1"}
	EOF
	run --separate-stderr cafe-order place --batch <"$T/in.jsonl"
	assert_success
	assert_output "1
2
3"
	assert_equal "$stderr" ""
	run db_sql "SELECT data FROM events WHERE type = 'OrderPlaced' ORDER BY seq"
	assert_output '{"order_id":1,"items":[{"product":"latte","qty":2,"options":["regular","whole"],"unit_price":4000,"total":8000}],"total":8000,"customer":"kim","address":"table 4","ticket":1}
{"order_id":2,"items":[{"product":"tea","qty":1,"options":[],"unit_price":2500,"total":2500}],"total":2500,"customer":"","address":"","ticket":2}
{"order_id":3,"items":[{"product":"mocha","qty":1,"options":["regular","whole"],"unit_price":4500,"total":4500}],"total":4500,"customer":"","address":"","ticket":3}'
}

@test "a batch with --json prints a result object per line" {
	printf '%s\n' '{"product":"latte","qty":2}' '{"product":"tea"}' >"$T/in.jsonl"
	run cafe-order --json place --batch <"$T/in.jsonl"
	assert_success
	output=$(jq -c 'del(.link)' <<<"$output")  # the link: its own test
	assert_output '{"line":1,"order_id":1,"status":"paid","total":8000,"ticket":1,"tenders":[{"tender":"card","amount":8000}],"change":0}
{"line":2,"order_id":2,"status":"paid","total":2500,"ticket":2,"tenders":[{"tender":"card","amount":2500}],"change":0}'
}

@test "the same batch again with keys: the first results, nothing appended" {
	printf '%s\n' '{"product":"latte","key":"a"}' '{"product":"tea","key":"b"}' >"$T/in.jsonl"
	run cafe-order place --batch <"$T/in.jsonl"
	assert_output "1
2"
	before=$(event_count)
	run cafe-order place --batch <"$T/in.jsonl"
	assert_success
	assert_output "1
2"
	assert_equal "$(event_count)" "$before"
}

@test "an empty batch places nothing and succeeds" {
	run cafe-order place --batch </dev/null
	assert_success
	assert_output ""
	assert_equal "$(event_count)" 0
}

@test "malformed JSON on any line: 65, nothing appended" {
	cafe-order place tea >/dev/null
	printf '%s\n' '{"product":"latte"}' '{"product":"tea",' >"$T/in.jsonl"
	batch_refused 65 "stdin:2: string or '}' expected near end of file"
	printf '%s\n' '{"product":"latte"}' '[1,2]' >"$T/in.jsonl"
	batch_refused 65 "stdin:2: not a JSON object"
	printf '%s\n' '{"product":"latte"} {"product":"tea"}' >"$T/in.jsonl"
	run cafe-order place --batch <"$T/in.jsonl"
	assert_failure 65
	assert_output --partial "stdin:1:"
	assert_equal "$(event_count)" 7
}

@test "a line with an unknown field: 65, nothing appended" {
	printf '%s\n' '{"product":"latte"}' '{"product":"tea","size":"large"}' >"$T/in.jsonl"
	batch_refused 65 "stdin:2: unknown field 'size' (items, customer, contact, address, note, takeout, tenders, tendered, pickup_at, language, key; or product, qty, options)"
}

@test "fields of the wrong type: 65, nothing appended" {
	echo '{"product":"latte","qty":"2"}' >"$T/in.jsonl"
	batch_refused 65 "stdin:1: qty must be a whole number"
	echo '{"product":"latte","qty":1.5}' >"$T/in.jsonl"
	batch_refused 65 "stdin:1: qty must be a whole number"
	echo '{"product":7}' >"$T/in.jsonl"
	batch_refused 65 "stdin:1: product must be a string"
	echo '{"product":"latte","customer":null}' >"$T/in.jsonl"
	batch_refused 65 "stdin:1: customer must be a string"
	echo '{"qty":2}' >"$T/in.jsonl"
	batch_refused 65 "stdin:1: an order needs items (or a product)"
	echo '{"items":[]}' >"$T/in.jsonl"
	batch_refused 65 "stdin:1: items must be a list of 1 to 20 items"
	echo '{"items":{"product":"latte"}}' >"$T/in.jsonl"
	batch_refused 65 "stdin:1: items must be a list of 1 to 20 items"
	echo '{"items":["latte"]}' >"$T/in.jsonl"
	batch_refused 65 'stdin:1: items[0] must be an object ({"product":…, "qty":…, "options":[…]})'
	echo '{"items":[{"product":"latte","size":"large"}]}' >"$T/in.jsonl"
	batch_refused 65 "stdin:1: items[0]: unknown field 'size' (product, qty, options, note)"
	echo '{"items":[{"product":"latte","options":"oat"}]}' >"$T/in.jsonl"
	batch_refused 65 "stdin:1: items[0]: options must be a list of at most 8 choices"
	echo '{"items":[{"product":"latte","options":[7]}]}' >"$T/in.jsonl"
	batch_refused 65 "stdin:1: items[0]: options must be strings"
	echo '{"items":[{"product":"latte"}],"product":"tea"}' >"$T/in.jsonl"
	batch_refused 65 "stdin:1: give items or product, not both"
	echo '{"items":[{"product":"latte"}],"qty":2}' >"$T/in.jsonl"
	batch_refused 65 "stdin:1: qty and options go inside each of the items"
	echo '{"items":[{"product":"latte","options":["large","regular"]}]}' >"$T/in.jsonl"
	batch_refused 65 "stdin:1: latte: 'large' and 'regular' are both size (choose one)"
	echo '{"items":[{"product":"latte","options":["soy"]}]}' >"$T/in.jsonl"
	batch_refused 1 "stdin:1: latte: no choice 'soy' (offered: regular, large, whole, oat)"
}

@test "a batch of orders with items and choices, beside the older shape" {
	cat >"$T/in.jsonl" <<-'EOF'
	{"items":[{"product":"latte","qty":2,"options":["large","oat"]},{"product":"tea"}],"customer":"kim"}
	{"product":"americano","qty":2,"options":["large"]}
	EOF
	run --separate-stderr cafe-order --json place --batch <"$T/in.jsonl"
	assert_success
	output=$(jq -c 'del(.link)' <<<"$output")  # the link: its own test
	assert_output '{"line":1,"order_id":1,"status":"paid","total":12700,"ticket":1,"tenders":[{"tender":"card","amount":12700}],"change":0}
{"line":2,"order_id":2,"status":"paid","total":7000,"ticket":2,"tenders":[{"tender":"card","amount":7000}],"change":0}'
	run cafe-trace --json list
	run jq -c '[.order_id, .product, .qty, [.items[].options]]' <<<"$output"
	assert_output '[1,"latte x2 + tea",3,[["large","oat"],[]]]
[2,"americano x2",2,[["large"]]]'
}

@test "a batch whose third line is bad appends nothing at all" {
	printf '%s\n' '{"product":"latte"}' '{"product":"tea"}' '{"product":"tea","qty":0}' \
	    '{"product":"tea"}' >"$T/in.jsonl"
	batch_refused 65 "stdin:3: item 'tea': the quantity must be a whole number from 1 to 100"
	printf '%s\n' '{"product":"latte"}' '{"product":"tea"}' '{"product":"tee"}' >"$T/in.jsonl"
	batch_refused 1 "stdin:3: unknown product 'tee' (the menu: americano, latte, mocha, tea)"
	printf '%s\n' '{"product":"latte"}' '{"product":"tea"}' \
	    "$(printf '{"product":"tea","customer":"k\\u0007"}')" >"$T/in.jsonl"
	batch_refused 65 "stdin:3: customer is not valid UTF-8 text (control characters or bad bytes)"
	printf '{"product":"latte"}\n{"product":"tea"}\n{"product":"tea","customer":"\xff"}\n' >"$T/in.jsonl"
	run cafe-order place --batch <"$T/in.jsonl"
	assert_failure 65
	assert_output --partial "stdin:3:"
	assert_equal "$(event_count)" 0
}

@test "a line refused while placing does not stop the others: exit 1, per-line results" {
	use_config <<-EOF
	payment:
	  sim: {decline_over: 5000}
	EOF
	printf '%s\n' '{"product":"tea"}' '{"product":"latte","qty":2}' '{"product":"tea"}' >"$T/in.jsonl"
	run --separate-stderr cafe-order place --batch <"$T/in.jsonl"
	assert_failure 1
	assert_output "1
3"
	assert_equal "$stderr" "cafe-order: line 2: payment declined: amount over limit"
	assert_equal "$(count_type OrderPlaced)" 2
	assert_equal "$(count_type PaymentDeclined)" 1
	cafe-order stock latte --set 1 >/dev/null
	printf '%s\n' '{"product":"latte"}' '{"product":"latte"}' >"$T/in.jsonl"
	run --separate-stderr cafe-order --json place --batch <"$T/in.jsonl"
	assert_failure 1
	output=$(jq -c 'del(.link)' <<<"$output")  # the link: its own test
	assert_output '{"line":1,"order_id":4,"status":"paid","total":4000,"ticket":3,"tenders":[{"tender":"card","amount":4000}],"change":0}
{"line":2,"order_id":null,"status":"out_of_stock","total":4000,"error":"out of stock: no latte left","exit":1}'
}

@test "batch usage errors: 64, nothing read" {
	run cafe-order place latte --batch </dev/null
	assert_failure 64
	assert_output "cafe-order: 'place --batch' takes no product, it reads JSON Lines on stdin (see 'cafe-order --help')"
	run cafe-order place --batch --qty 2 </dev/null
	assert_failure 64
	assert_output "cafe-order: 'place --batch' takes no --qty (see 'cafe-order --help')"
	assert_equal "$(event_count)" 0
}

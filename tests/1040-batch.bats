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
	assert_output '{"order_id":1,"product":"latte","qty":2,"unit_price":4000,"total":8000,"customer":"kim","address":"table 4"}
{"order_id":2,"product":"tea","qty":1,"unit_price":2500,"total":2500,"customer":"","address":""}
{"order_id":3,"product":"mocha","qty":1,"unit_price":4500,"total":4500,"customer":"","address":""}'
}

@test "a batch with --json prints a result object per line" {
	printf '%s\n' '{"product":"latte","qty":2}' '{"product":"tea"}' >"$T/in.jsonl"
	run cafe-order --json place --batch <"$T/in.jsonl"
	assert_success
	assert_output '{"line":1,"order_id":1,"status":"paid","total":8000}
{"line":2,"order_id":2,"status":"paid","total":2500}'
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
	assert_equal "$(event_count)" 3
}

@test "a line with an unknown field: 65, nothing appended" {
	printf '%s\n' '{"product":"latte"}' '{"product":"tea","size":"large"}' >"$T/in.jsonl"
	batch_refused 65 "stdin:2: unknown field 'size' (product, qty, customer, address, key)"
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
	batch_refused 65 "stdin:1: product must not be empty"
}

@test "a batch whose third line is bad appends nothing at all" {
	printf '%s\n' '{"product":"latte"}' '{"product":"tea"}' '{"product":"tea","qty":0}' \
	    '{"product":"tea"}' >"$T/in.jsonl"
	batch_refused 65 "stdin:3: quantity must be a whole number from 1 to 100"
	printf '%s\n' '{"product":"latte"}' '{"product":"tea"}' '{"product":"tee"}' >"$T/in.jsonl"
	batch_refused 1 "stdin:3: unknown product 'tee' (see 'cafe-order menu')"
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
	assert_output '{"line":1,"order_id":4,"status":"paid","total":4000}
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

#!/usr/bin/env bats
# 1140-printer: receipts and kitchen tickets as ESC/POS (DESIGN §14), read
# back by tests/helpers/escpos-read as a printer would: the text in the
# printer's code page, the cut, and the QR code's payload read by zbarimg.

bats_require_minimum_version 1.5.0
load helpers/setup
load helpers/daemon

local_setup() {
	command -v zbarimg >/dev/null || skip "zbarimg is missing (make deps)"
	PRN="$T/printer"
	: >"$PRN"
}

shop() {	# [EXTRA YAML LINES...]
	use_config < <(
		echo 'web: {url: "https://cafe.example"}'
		echo 'menu:'
		echo '  - {name: 아메리카노, code: kam, price: 3000}'
		echo '  - {name: latte, price: 4000, options: [size]}'
		echo 'options: {size: {regular: 0, large: 500}}'
		for l in "$@"; do echo "$l"; done
	)
}

read_printer() {	# [CODEPAGE]
	escpos-read ${1:+--codepage "$1"} "$PRN"
}

@test "receipt --print: the receipt's text, its link as a QR code, one cut" {
	shop "printer: {device: \"$PRN\", width: 42}"
	cafe-order -q place latte:2+large kam --note 'no lid' --takeout
	link=$(cafe-order --json receipt 1 | jq -r .link)
	run --separate-stderr cafe-order receipt 1 --print
	assert_success
	assert_output "receipt of order 1 printed"
	run read_printer
	assert_success
	assert_equal "$(jq .cuts <<<"$output")" 1
	assert_equal "$(jq -c .qr <<<"$output")" "[\"$link\"]"
	assert_equal "$(jq -r '.big[0]' <<<"$output")" 1
	assert_equal "$(jq -c '[.lines[] | select(test("^(Order|latte|아메|  large|Total|Paid|no lid)"))]' <<<"$output")" \
	    '["Order 1, to go","no lid","latte x2                         9,000 KRW","  large","아메리카노 x1                    3,000 KRW","Total                           12,000 KRW","Paid by card                    12,000 KRW"]'
	# Every line fits the paper, Korean counted two columns a syllable.
	run --separate-stderr bash -c 'escpos-read "$1" | jq -r ".lines[]" | while IFS= read -r l; do
	    [ "$(printf %s "$l" | wc -L)" -le 42 ] || echo "too wide: $l"; done' _ "$PRN"
	assert_output ""
	# --json says what went.
	run cafe-order --json receipt 1 --print
	assert_equal "$(jq -c '[.order_id, .printed, (.bytes > 100)]' <<<"$output")" '[1,true,true]'
}

@test "a Korean printer: CP949 in its double-byte mode, 32 columns; text it cannot hold prints as ?" {
	shop "printer: {device: \"$PRN\", codepage: cp949, width: 32}"
	cafe-order -q place kam --note '얼음 적게 ☕'
	cafe-order -q receipt 1 --print
	# Not UTF-8 on the wire: the Korean is CP949's bytes.
	run grep -c "$(printf '\xec\x95\x84')" "$PRN"
	assert_output 0
	run read_printer cp949
	assert_equal "$(jq .double_byte <<<"$output")" true
	assert_equal "$(jq -r '.lines[] | select(startswith("아메"))' <<<"$output")" \
	    "아메리카노 x1          3,000 KRW"
	assert_equal "$(jq -r '.lines[] | select(startswith("얼음"))' <<<"$output")" "얼음 적게 ?"
	assert_equal "$(jq -r '.lines[] | select(startswith("-"))' <<<"$output" | sort -u)" \
	    "$(printf -- '-%.0s' $(seq 32))"
}

@test "a printer command gets the bytes on its stdin; its failure is 69 with why; none configured is 78" {
	shop "printer: {command: [sh, -c, 'cat > \"\$0\"', \"$PRN\"]}"
	cafe-order -q place latte
	run --separate-stderr cafe-order receipt 1 --print
	assert_success
	assert_equal "$(read_printer | jq .cuts)" 1
	shop 'printer: {command: [sh, -c, "echo out of paper >&2; exit 2"]}'
	run --separate-stderr cafe-order receipt 1 --print
	assert_failure 69
	assert_equal "$stderr" "cafe-order: the printer command sh failed (exit 2): out of paper"
	shop "printer: {device: \"$T/no/such/dir/lp0\"}"
	run --separate-stderr cafe-order receipt 1 --print
	assert_failure 69
	assert_equal "$stderr" "cafe-order: cannot open the printer $T/no/such/dir/lp0: No such file or directory"
	# A device nobody reads (a FIFO with no reader) is said at once.
	mkfifo "$T/lp0"
	shop "printer: {device: \"$T/lp0\"}"
	run --separate-stderr cafe-order receipt 1 --print
	assert_failure 69
	assert_equal "$stderr" "cafe-order: cannot open the printer $T/lp0: nothing is reading it"
	shop
	run --separate-stderr cafe-order receipt 1 --print
	assert_failure 78
	assert_equal "$stderr" "cafe-order: no printer is configured (printer: {device: /dev/usb/lp0} or {command: [...]} in the config; see cafe.yaml(5))"
	run --separate-stderr cafe-order receipt 9 --print
	assert_failure 78
	# A receipt printed appends nothing.
	before=$(event_count)
	shop "printer: {device: \"$PRN\"}"
	cafe-order -q receipt 1 --print
	assert_equal "$(event_count)" "$before"
}

@test "the print policy: a kitchen ticket when the kitchen starts an order, to go or here, with its notes" {
	shop "printer: {device: \"$PRN\", width: 42}"
	cafe-order -q place latte:2+large --takeout --note 'no nuts'
	cafe-order -q place --batch < <(echo '{"items":[{"product":"kam","note":"less ice"}]}')
	cafe-daemon -q run --once
	run read_printer
	assert_equal "$(jq .cuts <<<"$output")" 2
	assert_equal "$(jq -c .big <<<"$output")" '["1 TO GO","2 HERE"]'
	assert_equal "$(jq -c '[.lines[] | select(test("^(2 x|1 x|    |no nuts)"))]' <<<"$output")" \
	    '["2 x latte","    large","no nuts","1 x 아메리카노","    less ice"]'
	assert_equal "$(jq -c .qr <<<"$output")" '[]'
	# Once each: a second pass prints nothing more.
	cafe-daemon -q run --once
	assert_equal "$(read_printer | jq .cuts)" 2
}

@test "a kitchen printer that is down: the ticket is tried again, parked, and printed by a retry" {
	shop 'printer: {command: [sh, -c, "exit 1"]}' 'daemon: {max_attempts: 2, backoff_ms: 10}'
	cafe-order -q place latte
	run cafe-daemon run --once
	assert_equal "$(cafe-daemon --json status | jq -r 'select(.policy == "print") | .parked')" 1
	# The kitchen still got its order: only the ticket waits.
	assert_equal "$(count DeliveryStarted)" 1
	shop "printer: {device: \"$PRN\"}"
	cafe-daemon -q retry print
	cafe-daemon -q run --once
	assert_equal "$(read_printer | jq -c .big)" '["1 HERE"]'
	assert_equal "$(cafe-daemon --json status | jq -r 'select(.policy == "print") | .parked')" 0
}

@test "without a printer the print policy prints nothing and keeps up" {
	shop
	cafe-order -q place latte
	cafe-daemon -q run --once
	assert_equal "$(cafe-daemon --json status | jq -r 'select(.policy == "print") | .lag')" 0
	assert_equal "$(stat -c %s "$PRN")" 0
}

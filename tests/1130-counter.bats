#!/usr/bin/env bats
# 1130-counter: the counter of a real café (DESIGN §14): cash and split
# tenders, the till, refunds back to the tenders that paid, tickets per
# business day, notes and takeout, and who may give larger refunds and
# close the till. The card processor is tests/helpers/fake-processor, so
# that its calls are counted and it can be made to fail.

bats_require_minimum_version 1.5.0
load helpers/setup
load helpers/daemon
load helpers/web

local_setup() {
	unset FAKE_MODE FAKE_REASON
	FAKE="$T/fake-processor"
	cp "$CAFE_HELPERS/fake-processor" "$FAKE"
	export FAKE_COUNT_FILE="$T/calls" FAKE_LEDGER="$T/ledger"
	: >"$FAKE_COUNT_FILE"
	shop
}

shop() {	# [EXTRA YAML LINES...]
	use_config < <(
		echo 'payment:'
		echo '  processor: command'
		echo "  command: [\"$FAKE\"]"
		# The stand-in processor is a shell script: slow on a loaded
		# machine, and that is no failure here.
		echo '  timeout_ms: 20000'
		echo '  breaker: {window: 4, min_calls: 2, failure_rate: 50, open_ms: 60000,'
		echo '            slow_call_ms: 30000}'
		for l in "$@"; do echo "$l"; done
	)
}

calls() { wc -l <"$FAKE_COUNT_FILE"; }
data_of() {	# TYPE ORDER: the data of the order's event of that type
	db_sql "SELECT data FROM events WHERE type = '$1'
	    AND CAST(data->>'order_id' AS INTEGER) = $2 ORDER BY seq"
}
till() { cafe-pay --json till | jq -r ".$1"; }

# A refusal: the status, the one line said, and nothing appended.
refused() {	# STATUS MESSAGE COMMAND...
	local want=$1 msg=$2 before
	shift 2
	before=$(event_count)
	run --separate-stderr "$@"
	assert_failure "$want"
	assert_equal "$stderr" "$msg"
	assert_output ""
	assert_equal "$(event_count)" "$before"
}

@test "cash: no processor call, the change printed, tenders in the events, the JSON and the till" {
	cafe-pay -q till open --float 50000
	run --separate-stderr cafe-order place latte americano --tender cash --tendered 10000
	assert_success
	assert_output $'1\nchange 3,000 KRW'
	assert_equal "$(calls)" 0
	assert_equal "$(count PaymentRequested)" 0
	assert_equal "$(data_of PaymentApproved 1 | jq -c '[.amount, .tenders]')" \
	    '[7000,[{"tender":"cash","amount":7000,"tendered":10000,"change":3000}]]'
	assert_equal "$(data_of OrderPlaced 1 | jq -c '[.ticket, .tenders[0].tender]')" '[1,"cash"]'
	run cafe-order --json place tea --tender cash
	assert_success
	assert_equal "$(jq -c '[.order_id, .ticket, .tenders, .change]' <<<"$output")" \
	    '[2,2,[{"tender":"cash","amount":2500}],0]'
	assert_equal "$(cafe-pay --json till | jq -c '[.status, .float, .cash_in, .cash_out, .expected]')" \
	    '["open",50000,9500,0,59500]'
	# cafe-pay names the tenders, with the whole amount paid.
	assert_equal "$(cafe-pay --json show 1 | jq -c '[.amount, .currency, .tenders]')" \
	    '[7000,"KRW",[{"tender":"cash","amount":7000}]]'
	run cafe-pay show 1
	assert_line --regexp '^  cash +7,000$'
	# The daemon starts a cash order as it starts any paid one.
	cafe-daemon -q run --once
	assert_equal "$(count DeliveryStarted)" 2
	run cafe-order receipt 1
	assert_line --partial "Paid in cash"
	assert_line --regexp '^Change +3,000 KRW$'
	assert_line --regexp '^Ticket 1  Order 1, placed '
}

@test "cash keeps the counter selling while the card processor is down and while its breaker is open" {
	cafe-pay -q till open --float 0
	# Down: the card is 69, cash goes through.
	FAKE_MODE=exit3 run --separate-stderr cafe-order place latte
	assert_failure 69
	FAKE_MODE=exit3 run --separate-stderr cafe-order place latte --tender cash
	assert_success
	assert_output 2
	# Open: the card is 75 at once, no call; cash goes through.
	FAKE_MODE=exit3 cafe-order place latte 2>/dev/null || :
	assert_equal "$(cafe-pay --json breaker | jq -r .state)" open
	n=$(calls)
	run --separate-stderr cafe-order place latte
	assert_failure 75
	run --separate-stderr cafe-order --json place americano --tender cash
	assert_success
	assert_equal "$(jq -r .status <<<"$output")" paid
	assert_equal "$(calls)" "$n"
	assert_equal "$(cafe-trace --json list | jq -s -c '[.[].order_status]')" '["paid","paid"]'
	assert_equal "$(till cash_in)" 7000
}

@test "a split: the card charged its part first; a declined card part keeps nothing and takes no cash" {
	cafe-pay -q till open --float 10000
	run --separate-stderr cafe-order --json place latte:3 --tender cash:5000 --tender card
	assert_success
	assert_equal "$(jq -c .tenders <<<"$output")" \
	    '[{"tender":"card","amount":7000},{"tender":"cash","amount":5000}]'
	assert_equal "$(data_of PaymentRequested 1 | jq .amount)" 7000
	assert_equal "$(data_of PaymentApproved 1 | jq .amount)" 12000
	assert_equal "$(cafe-pay --json list | jq -c '[.amount, .tenders]')" \
	    '[12000,[{"tender":"card","amount":7000},{"tender":"cash","amount":5000}]]'
	assert_equal "$(awk '{print $4}' "$FAKE_LEDGER")" 7000
	assert_equal "$(till cash_in)" 5000
	# The card part declined: nothing of the order, no cash into the drawer.
	before=$(count OrderPlaced)
	FAKE_MODE=decline run --separate-stderr cafe-order place latte --tender card:1000 --tender cash
	assert_failure 1
	assert_equal "$stderr" "cafe-order: payment declined: card declined"
	assert_equal "$(count OrderPlaced)" "$before"
	assert_equal "$(till cash_in)" 5000
	assert_equal "$(cafe-pay --json list | jq -s -c '[.[].status]')" '["approved","declined"]'
	# The amounts the other way round: the card's given, cash the rest.
	run cafe-order --json place latte --tender card:1000 --tender cash --tendered 5000
	assert_success
	assert_equal "$(jq -c '[.tenders, .change]' <<<"$output")" \
	    '[[{"tender":"card","amount":1000},{"tender":"cash","amount":3000}],2000]'
}

@test "tenders that do not add up, or cash without the drawer: 65 or 1, one line, nothing appended" {
	cafe-log -q init
	refused 65 "cafe-order: two tenders without an amount: give one of them its part (--tender cash:5000 --tender card)" \
	    cafe-order place latte --tender cash --tender card
	refused 65 "cafe-order: the tenders add up to 9000, more than the order's total of 4000" \
	    cafe-order place latte --tender cash:9000 --tender card
	refused 65 "cafe-order: the tenders add up to 3000, less than the order's total of 4000: leave the last one without an amount to take the rest" \
	    cafe-order place latte --tender cash:3000
	refused 65 "cafe-order: the tenders with amounts already make the total of 4000: the card tender would take nothing" \
	    cafe-order place latte --tender cash:4000 --tender card
	refused 65 "cafe-order: tender cash is given twice: an order is paid by card, in cash, or split between the two" \
	    cafe-order place latte --tender cash:1000 --tender cash
	refused 65 "cafe-order: a tender is card or cash, with an optional amount (cash:5000), not 'cheque'" \
	    cafe-order place latte --tender cheque
	refused 65 "cafe-order: a tender's amount is a whole number above 0, not '-5'" \
	    cafe-order place latte --tender cash:-5
	refused 65 "cafe-order: an order takes at most two tenders (--tender cash:5000 --tender card), not 3" \
	    cafe-order place latte --tender cash:1 --tender card:1 --tender cash
	refused 65 "cafe-order: 3000 in cash was handed over, less than the cash part of 4000" \
	    cafe-order place latte --tender cash --tendered 3000
	refused 65 "cafe-order: --tendered is the cash handed over, but the order is not paid in cash (add --tender cash)" \
	    cafe-order place latte --tendered 5000
	refused 65 "cafe-order: --tendered wants the cash handed over as a whole number, not 'lots'" \
	    cafe-order place latte --tender cash --tendered lots
	refused 1 "cafe-order: the till is not open: a cash payment needs the cash drawer (open it with 'cafe-pay till open --float N')" \
	    cafe-order place latte --tender cash
	refused 1 "cafe-order: the till is not open: a cash payment needs the cash drawer (open it with 'cafe-pay till open --float N')" \
	    cafe-order place latte --tender cash:1000 --tender card
	assert_equal "$(calls)" 0
	# A batch line is held to the same, before anything is placed.
	refused 65 "cafe-order: stdin:2: tenders[0]: a tender is card or cash, with an optional amount (cash:5000), not 'gold'" \
	    cafe-order place --batch < <(printf '%s\n' '{"items":[{"product":"tea"}]}' \
	    '{"items":[{"product":"tea"}],"tenders":[{"tender":"gold"}]}')
}

@test "the till: open, the drawer now, close with the count; over/short in every format of the close-out" {
	run --separate-stderr cafe-pay till
	assert_success
	assert_line --index 0 "till        closed"
	run cafe-pay --json till open --float 100000
	assert_success
	assert_equal "$(jq -c '[.status, .float, .expected]' <<<"$output")" '["open",100000,100000]'
	assert_equal "$(db_sql "SELECT stream || ' ' || type FROM events WHERE type = 'TillOpened'")" \
	    "till-main TillOpened"
	refused 1 "cafe-pay: the till is already open (since $(jq -r .opened_at <<<"$output")): close it first with 'cafe-pay till close --counted N'" \
	    cafe-pay till open --float 5
	cafe-order -q place latte --tender cash --tendered 5000
	cafe-order -q place americano --tender cash:1000 --tender card
	cafe-order -q place tea
	cafe-pay -q refund 1 --amount 500
	cafe-daemon -q run --once
	assert_equal "$(cafe-pay --json till | jq -c '[.cash_in, .cash_out, .expected]')" '[5000,500,104500]'
	run cafe-pay --json till close --counted 104000
	assert_success
	assert_equal "$(jq -c '[.status, .expected, .counted, .over_short]' <<<"$output")" \
	    '["closed",104500,104000,-500]'
	refused 1 "cafe-pay: the till is not open: there is nothing to close (open it with 'cafe-pay till open --float N')" \
	    cafe-pay till close --counted 1
	# The day's close-out: the tenders and the drawer.
	run cafe-trace report --format json
	assert_equal "$(jq -c '[.tenders, .cash_refunds, .till.over_short, .till.closes]' <<<"$output")" \
	    '[{"card":4500,"cash":5000},500,-500,1]'
	run cafe-trace report
	assert_line --regexp '^card +4,500 KRW$'
	assert_line --regexp '^cash +5,000 KRW  \(500 KRW of it given back\)$'
	assert_line --regexp '^till +-500 KRW  \(counted 104,000 KRW, expected 104,500 KRW\)$'
	run cafe-trace report --format csv
	assert_line $'tender:card,,4500\r'
	assert_line $'tender:cash,,5000\r'
	assert_line $'till:over_short,,-500\r'
	run cafe-trace report --format html
	assert_output --partial '<td id="over_short">-500 KRW</td>'
	assert_output --partial '<td id="cash">5,000 KRW</td>'
}

@test "till usage: a missing or bad amount is 64 or 65, a stray word 64; nothing appended" {
	cafe-log -q init
	refused 64 "cafe-pay: 'till open' needs --float N (the cash in the drawer)" cafe-pay till open
	refused 65 "cafe-pay: --float wants a whole number from 0 (in the smallest unit of the currency), not '-1'" \
	    cafe-pay till open --float -1
	refused 65 "cafe-pay: --counted wants a whole number from 0 (in the smallest unit of the currency), not 'x'" \
	    cafe-pay till close --counted x
	run --separate-stderr cafe-pay till shut
	assert_failure 64
	assert_equal "$stderr" "cafe-pay: 'till' takes nothing, 'open --float N' or 'close --counted N', not 'shut' (see 'cafe-pay --help')"
	run --separate-stderr cafe-pay till close --float 5
	assert_failure 64
	assert_equal "$stderr" "cafe-pay: --float goes with 'till open' (see 'cafe-pay --help')"
}

@test "refunds go back to the tenders that paid: the card first, --tender cash first, cash out of an open drawer" {
	cafe-pay -q till open --float 0
	cafe-order -q place latte:3 --tender cash:5000 --tender card      # 7000 card, 5000 cash
	run cafe-pay --json refund 1 --amount 8000
	assert_success
	assert_equal "$(jq -c .tenders <<<"$output")" '[{"tender":"cash","amount":1000},{"tender":"card","amount":7000}]'
	cafe-daemon -q run --once
	assert_equal "$(db_sql "SELECT data FROM events WHERE type = 'PaymentRefunded' ORDER BY seq" | jq -c '[.amount, .tender]' | paste -sd' ')" \
	    '[1000,"cash"] [7000,null]'
	assert_equal "$(grep -c '^refund ' "$FAKE_COUNT_FILE")" 1
	assert_equal "$(till cash_out)" 1000
	# --tender cash: out of the drawer first.
	cafe-order -q place latte:2 --tender cash:2000 --tender card      # 6000 card, 2000 cash
	run cafe-pay --json refund 2 --amount 3000 --tender cash
	assert_equal "$(jq -c .tenders <<<"$output")" '[{"tender":"cash","amount":2000},{"tender":"card","amount":1000}]'
	# A tender it was not paid with; cash while the drawer is closed.
	cafe-order -q place tea --tender cash
	refused 1 "cafe-pay: order 3 was paid in cash: its refund comes out of the drawer (--tender cash)" \
	    cafe-pay refund 3 --tender card
	cafe-order -q place tea
	refused 1 "cafe-pay: order 4 was not paid in cash: its refund goes back to the card" \
	    cafe-pay refund 4 --tender cash
	refused 65 "cafe-pay: --tender is cash or card, not 'gold'" cafe-pay refund 4 --tender gold
	cafe-daemon -q run --once
	cafe-pay -q till close --counted 0
	refused 1 "cafe-pay: the till is not open: a cash refund needs the cash drawer (open it with 'cafe-pay till open --float N')" \
	    cafe-pay refund 3
	refused 1 "cafe-order: the till is not open: giving back its cash needs the cash drawer (open it with 'cafe-pay till open --float N')" \
	    cafe-order cancel 3
	# The receipt says where the money went.
	run cafe-order receipt 1
	assert_line --regexp '^Refunded in cash '
	assert_line --regexp '^Paid by card +7,000 KRW'
}

@test "a cancel gives each tender back what it paid; a cash refund is never sent to the processor" {
	cafe-pay -q till open --float 0
	cafe-order -q place latte --tender cash:1500 --tender card
	cafe-order -q place tea --tender cash
	cafe-order -q cancel 1
	cafe-order -q cancel 2
	cafe-daemon -q run --once
	assert_equal "$(db_sql "SELECT data FROM events WHERE type = 'RefundRequested' ORDER BY seq" | jq -c '[.order_id, .amount, .tender]' | paste -sd' ')" \
	    '[1,1500,"cash"] [1,2500,null] [2,2500,"cash"]'
	assert_equal "$(grep -c '^refund ' "$FAKE_COUNT_FILE")" 1
	assert_equal "$(cafe-trace --json list | jq -s -c '[.[].payment_status]')" '["refunded","refunded"]'
	assert_equal "$(till cash_out)" 4000
	assert_equal "$(till expected)" 0
}

@test "tickets: 1, 2, 3 through the business day, from 1 again the next; in the trace, the receipt and the messages" {
	shop 'timezone: Asia/Seoul' 'notify: {templates: {DeliveryStarted: "#{ticket} is being made ({order_id})"}}'
	at() { local when=$1; shift; faked "$when" -- "$@"; }
	at '2026-12-06 23:00:00 KST' cafe-order -q place latte
	at '2026-12-06 23:30:00 KST' cafe-order -q place latte
	at '2026-12-07 08:00:00 KST' cafe-order -q place latte
	at '2026-12-07 08:01:00 KST' cafe-order -q place latte
	assert_equal "$(db_sql "SELECT data FROM events WHERE type = 'OrderPlaced' ORDER BY seq" | jq -c .ticket | paste -sd' ')" \
	    '1 2 1 2'
	assert_equal "$(cafe-trace --json list | jq -s -c '[.[] | [.order_id, .ticket]]')" '[[1,1],[2,2],[3,1],[4,2]]'
	run cafe-order --json receipt 4
	assert_equal "$(jq .ticket <<<"$output")" 2
	cafe-daemon -q run --once
	assert_equal "$(db_sql "SELECT data FROM events WHERE type = 'NotificationQueued' AND data->>'event' = 'DeliveryStarted' ORDER BY seq" | jq -r .text | paste -sd'|')" \
	    '#1 is being made (1)|#2 is being made (2)|#1 is being made (3)|#2 is being made (4)'
	# The pick-up board calls them by their tickets, not their ids.
	web
	assert_equal "$(curl -s -H 'Accept: application/json' "$URL/" | jq -c .making)" '[1,2,1,2]'
	# The same key again is the first order, with its ticket.
	run cafe-order --json place tea --key k1
	run cafe-order --json place tea --key k1
	assert_equal "$(jq -c '[.order_id, .ticket]' <<<"$output")" '[5,1]'
}

@test "notes and takeout: per order and per item, kept in OrderPlaced, on the receipt, the list and the kitchen's view" {
	cafe-order -q place latte --takeout --note 'no nuts'
	cafe-order -q place --batch < <(echo '{"items":[{"product":"latte","note":"less ice"},{"product":"tea"}],"takeout":true}')
	assert_equal "$(data_of OrderPlaced 1 | jq -c '[.takeout, .note]')" '[true,"no nuts"]'
	assert_equal "$(data_of OrderPlaced 2 | jq -c '[.takeout, .items[0].note, (.items[1] | has("note"))]')" \
	    '[true,"less ice",false]'
	cafe-order -q place tea
	assert_equal "$(data_of OrderPlaced 3 | jq -c 'has("takeout")')" false
	assert_equal "$(cafe-trace --json list | jq -s -c '[.[].takeout]')" '[true,true,false]'
	run cafe-order receipt 2
	assert_line --regexp '^Ticket 2  Order 2, placed .*, to go$'
	assert_line --regexp '^latte .*less ice'
	run cafe-order --json receipt 1
	assert_equal "$(jq -c '[.takeout, .note]' <<<"$output")" '[true,"no nuts"]'
	# Bad notes and takeouts: 65, nothing appended.
	refused 65 "cafe-order: stdin:1: takeout must be true or false" \
	    cafe-order place --batch < <(echo '{"items":[{"product":"tea"}],"takeout":"yes"}')
	refused 65 "cafe-order: stdin:1: items[0]: note must be a string" \
	    cafe-order place --batch < <(echo '{"items":[{"product":"tea","note":5}]}')
	refused 65 "cafe-order: stdin:1: an item's note is not valid UTF-8 text (control characters or bad bytes)" \
	    cafe-order place --batch < <(printf '{"items":[{"product":"tea","note":"a\\u0007b"}]}\n')
}

@test "a manager's: refunds over the limit and closing the till need the managers' group, by uid, never \$USER" {
	cafe-pay -q till open --float 0
	cafe-order -q place latte:3
	cafe-order -q place tea --tender cash
	me=$(id -un)
	# nobody's own group is nogroup; this user is not in it.
	shop 'staff: {managers_group: nogroup, refund_limit: 3000}'
	USER=nobody LOGNAME=nobody refused 77 "cafe-pay: only a manager may refund more than 3000: $me is not in the group 'nogroup' (ask a manager to run it)" \
	    cafe-pay refund 1
	refused 77 "cafe-order: only a manager may refund more than 3000: $me is not in the group 'nogroup' (ask a manager to run it)" \
	    cafe-order cancel 1
	refused 77 "cafe-pay: only a manager may close the till: $me is not in the group 'nogroup' (ask a manager to run it)" \
	    cafe-pay till close --counted 0
	# Up to the limit anyone may.
	run cafe-pay refund 1 --amount 3000
	assert_success
	run cafe-pay refund 2
	assert_success
	# A group that does not exist says so.
	shop 'staff: {managers_group: no-such-group-here}'
	refused 77 "cafe-pay: only a manager may close the till, and the managers' group 'no-such-group-here' (staff.managers_group) does not exist on this machine" \
	    cafe-pay till close --counted 0
	# A member may: this user's own group.
	shop "staff: {managers_group: $(id -gn), refund_limit: 0}"
	cafe-daemon -q run --once
	run cafe-pay till close --counted 2500
	assert_success
	# Without the key, anyone (as before).
	shop
	cafe-pay -q till open --float 0
	run cafe-pay till close --counted 0
	assert_success
}

@test "staff: and printer: in the config are checked: 78, one line" {
	use_config <<<'staff: {managers_group: "", refund_limit: 5}'
	run --separate-stderr cafe-pay till
	assert_failure 78
	assert_equal "$stderr" "cafe-pay: $T/config.yaml:1: staff.managers_group: must not be empty"
	use_config <<<'staff: {refund_limit: -1}'
	run --separate-stderr cafe-pay till
	assert_failure 78
	[[ $stderr == "cafe-pay: $T/config.yaml:1: staff.refund_limit: "* ]]
	use_config <<<'staff: {boss: me}'
	run --separate-stderr cafe-pay till
	assert_failure 78
	[[ $stderr == *"staff"*"boss"* ]]
	use_config <<<'printer: {codepage: cp949}'
	run --separate-stderr cafe-pay till
	assert_failure 78
	assert_equal "$stderr" "cafe-pay: $T/config.yaml:1: printer: needs a device (/dev/usb/lp0) or a command ([lp, -d, receipts])"
	use_config <<<'printer: {device: /dev/null, command: [cat]}'
	run --separate-stderr cafe-pay till
	assert_failure 78
	assert_equal "$stderr" "cafe-pay: $T/config.yaml:1: printer: takes a device or a command, not both"
	use_config <<<'printer: {device: /dev/null, codepage: klingon-1}'
	run --separate-stderr cafe-pay till
	assert_failure 78
	assert_equal "$stderr" "cafe-pay: $T/config.yaml:1: printer.codepage: is not an encoding iconv knows (cp949, cp437, utf-8...)"
	use_config <<<'printer: {device: /dev/null, width: 8}'
	run --separate-stderr cafe-pay till
	assert_failure 78
	[[ $stderr == "cafe-pay: $T/config.yaml:1: printer.width: "* ]]
	use_config <<<'web: {tenders: [card, gold]}'
	run --separate-stderr cafe-pay till
	assert_failure 78
	[[ $stderr == "cafe-pay: $T/config.yaml:1: web.tenders[1]: must be card or cash, not "* ]]
}

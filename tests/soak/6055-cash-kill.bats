#!/usr/bin/env bats
# 6055-cash-kill (soak, `make soak`): cash and split orders while the daemon
# and the placing terminals are killed with SIGKILL at random moments. After
# every round the drawer's expected cash is the float plus the cash taken
# (the cash parts of the orders that exist) less the cash given back, as
# counted from the log here, independently of the till's own fold; at the
# end every cancelled order got back each tender's part exactly once, the
# processor refunded only card parts, and a split killed before its order
# committed took no cash and kept no charge (reconcile voids it).

bats_require_minimum_version 1.5.0
load ../helpers/setup
load ../helpers/daemon

CAFE_TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
PATH="$CAFE_TOP/bin:$CAFE_TOP/${CAFE_BUILD:-build}/tests:$CAFE_TOP/tests/helpers:$PATH"

FLOAT=100000

local_setup() {
	use_config <<-EOF
	menu:
	  - {name: latte, price: 4000, stock: 1000000}
	  - {name: tea, price: 2500}
	payment: {sim: {latency_ms: 20, jitter_ms: 20}}
	daemon: {lease_ms: 200, poll_ms: 20, reconcile_after_ms: 300}
	EOF
	cafe-pay -q till open --float $FLOAT
}

# Cash, split and card orders; every third cancelled.
cash_backlog() {	# N
	local i id
	for ((i = 0; i < $1; i++)); do
		case $((i % 3)) in
		0) id=$(cafe-order place latte --tender cash --tendered 5000 | head -1) ;;
		1) id=$(cafe-order place latte:2 --tender cash:3000 --tender card) ;;
		2) id=$(cafe-order place tea) ;;
		esac
		((i % 3 == 1)) && cafe-order -q cancel "$id" --reason soak
	done
	return 0
}

sum_cash() {	# TYPE: the cash amounts of events of that type
	db_sql "SELECT data FROM events WHERE type = '$1'" |
	    jq -s '[.[] | if .tenders then (.tenders[] | select(.tender == "cash") | .amount)
	        elif .tender == "cash" then .amount else empty end] | add // 0'
}

# Every policy at the head, and every charge answered: placed, declined
# or voided.
settled() {
	[ "$(db_sql "SELECT count(*) FROM checkpoints WHERE seq = (SELECT max(seq) FROM events)")" -ge 7 ] &&
	    [ "$(db_sql "SELECT count(*) FROM events r WHERE r.type = 'PaymentRequested' AND NOT EXISTS
	    (SELECT 1 FROM events o WHERE o.stream = r.stream AND o.type IN ('PaymentApproved',
	    'PaymentVoided', 'PaymentDeclined'))")" = 0 ]
}

# The till's expected cash against the log's, counted here.
drawer_adds_up() {
	local want got
	want=$(( FLOAT + $(sum_cash PaymentApproved) - $(sum_cash PaymentRefunded) ))
	got=$(cafe-pay --json till | jq .expected)
	[ "$want" = "$got" ] || { echo "the drawer expects $got, the log says $want"; return 1; }
}

@test "40 rounds of kills among cash and split orders: the drawer adds up after every round" {
	cash_backlog 30
	for ((round = 1; round <= 40; round++)); do
		cafe-daemon -q run >/dev/null 2>>"$T/daemon.err" 3>&- &
		d=$!
		# A split on its way to the processor, killed at its own moment.
		cafe-order -q place latte --tender cash:1000 --tender card 2>/dev/null 3>&- &
		p=$!
		ms=$((RANDOM % 400))
		# The random moment of the kill is the point of the test.
		sleep "0.$(printf %03d $ms)"
		kill -KILL "$p" "$d" 2>/dev/null || :
		wait "$p" "$d" 2>/dev/null || :
		drawer_adds_up
		((round % 5)) || cash_backlog 3
	done
	# Work off the rest, reconcile's voids of killed splits included.
	wait_for 'cafe-daemon -q run --once 2>/dev/null; settled' 60
	drawer_adds_up
	# Each cancelled order: every tender's part back exactly once.
	for id in $(db_sql "SELECT data->>'order_id' FROM events WHERE type = 'OrderCancelled'"); do
		paid=$(db_sql "SELECT data FROM events WHERE type = 'PaymentApproved' AND CAST(data->>'order_id' AS INTEGER) = $id" |
		    jq -c '[.tenders[]? | [.tender, .amount]] | sort')
		back=$(db_sql "SELECT data FROM events WHERE type = 'PaymentRefunded' AND CAST(data->>'order_id' AS INTEGER) = $id" |
		    jq -s -c '[.[] | [(.tender // "card"), .amount]] | sort')
		[ "$paid" = "$back" ] || fail "order $id paid $paid, got back $back"
	done
	# The processor refunded card parts only, once each, and voided the
	# charges of splits killed before their order.
	assert_equal "$(db_sql "SELECT count(*) FROM sim_ledger WHERE op = 'refund'")" \
	    "$(db_sql "SELECT count(*) FROM events WHERE type = 'PaymentRefunded' AND data->>'tender' IS NULL")"
	assert_equal "$(db_sql "SELECT count(*) FROM events WHERE type = 'PaymentVoided'")" \
	    "$(db_sql "SELECT count(*) FROM sim_ledger WHERE op = 'void'")"
	no_duplicates
	no_gaps
	run cafe-log verify
	assert_success
}

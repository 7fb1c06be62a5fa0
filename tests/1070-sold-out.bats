#!/usr/bin/env bats
# The last item sells out while a second customer is being charged for it:
# that customer gets no order, and the charge is voided at once.

load helpers/setup

@test "two customers charged for the last latte: one order, one voided charge" {
	use_config <<'EOF'
menu:
  - {name: latte, price: 4000, stock: 1}
payment:
  sim: {latency_ms: 300}
EOF
	cafe-order place latte --customer a >"$T/a.out" 2>"$T/a.err" &
	a=$!
	cafe-order place latte --customer b >"$T/b.out" 2>"$T/b.err" &
	b=$!
	sa=0; wait $a || sa=$?
	sb=0; wait $b || sb=$?

	# Exactly one succeeded; the other was refused for stock.
	[ $((sa + sb)) -eq 1 ]
	cat "$T/a.err" "$T/b.err" | grep -q "cafe-order: out of stock: no latte left"
	[ "$(db_sql "SELECT count(*) FROM events WHERE type = 'OrderPlaced'")" = 1 ]
	[ "$(db_sql "SELECT count(*) FROM events WHERE type = 'PaymentVoided'")" = 1 ]
	# The money balances at the processor: one charge kept.
	kept=$(db_sql "SELECT sum(CASE op WHEN 'charge' THEN amount ELSE -amount END)
		FROM sim_ledger WHERE outcome = 'approved'")
	[ "$kept" = 4000 ]
	run cafe-order --json stock latte
	assert_output --partial '"stock":0'
}

#!/usr/bin/env bats
# What people see on a terminal and scripts never do: the progress meter
# of long work (cafe-log import, a trace catch-up or rebuild), tables
# fitted to the terminal's width with an ellipsis, colour. Terminals are
# real ptys made by script(1) (util-linux).

load helpers/setup

# A log of $1 events to import: orders, each an OrderPlaced and its
# PaymentApproved.
big_log() {
	awk -v n="$1" 'BEGIN {
		for (i = 1; i <= n; i++) {
			o = int((i + 1) / 2)
			if (i % 2)
				printf "{\"id\":\"%032x\",\"stream\":\"order-%d\",\"version\":1," \
				    "\"type\":\"OrderPlaced\",\"data\":{\"order_id\":%d,\"product\":" \
				    "\"tea\",\"qty\":1,\"unit_price\":2500,\"total\":2500,\"customer\":" \
				    "\"c%d\",\"address\":\"\"},\"meta\":{\"correlation_id\":\"%d\"}," \
				    "\"ts\":\"2026-01-01T09:00:00.000Z\"}\n", i, o, o, o, o
			else
				printf "{\"id\":\"%032x\",\"stream\":\"payment-%d\",\"version\":1," \
				    "\"type\":\"PaymentApproved\",\"data\":{\"order_id\":%d," \
				    "\"amount\":2500,\"ref\":\"r%d\"},\"meta\":{\"correlation_id\":" \
				    "\"%d\"},\"ts\":\"2026-01-01T09:00:00.000Z\"}\n", i, o, o, o, o
		}
	}'
}

# Runs a shell command line on a terminal of $COLUMNS (default 100)
# columns, of type $TTY_TERM (default xterm, whatever TERM the suite was
# started with: a cron job's or a chroot's may be dumb); its output (both
# streams) is in $output, with CRs.
on_tty() {
	run env TERM="${TTY_TERM:-xterm}" script -qec "stty cols ${COLS:-100} 2>/dev/null; $1" /dev/null \
	    < /dev/null
}

@test "import: no progress when stderr is not a terminal" {
	big_log 3000 > "$T/big.jsonl"
	run cafe-log import --rechain < "$T/big.jsonl"
	assert_success
	# Exactly the message: no carriage return, no escape, no meter.
	assert_output "cafe-log: imported 3000 events"
}

@test "import on a terminal shows progress with a rate and clears it" {
	big_log 40000 > "$T/big.jsonl"
	on_tty "cafe-log import --rechain < '$T/big.jsonl'"
	assert_success
	assert_output --regexp 'cafe-log: (reading|importing) +[0-9]+% [0-9]+/[0-9]+ [0-9]+/s'
	# The meter's line is erased before the final message.
	assert_output --partial $'\r\e[Kcafe-log: imported 40000 events'
	[ "$(event_count)" -eq 40000 ]
}

@test "import on a terminal with -q: no meter" {
	big_log 40000 > "$T/big.jsonl"
	on_tty "cafe-log -q import --rechain < '$T/big.jsonl'"
	assert_success
	assert_output ""
}

@test "a long trace catch-up shows progress on a terminal, nothing in a pipe" {
	# Long enough (80000 orders) that the meter's 200 ms delay passes.
	big_log 160000 > "$T/big.jsonl"
	cafe-log -q import --rechain < "$T/big.jsonl"
	db_save
	on_tty "cafe-trace list > /dev/null"
	assert_success
	assert_output --regexp 'cafe-trace: catching up +[0-9]+% [0-9]+/160000'
	run cafe-trace --db "$(db_saved)" list
	assert_success
	[ "${#lines[@]}" -eq 80001 ]
	on_tty "cafe-trace rebuild"
	assert_output --regexp 'cafe-trace: rebuilding +[0-9]+%'
	assert_output --partial "trace rebuilt from 160000 events"
}

@test "tables fit a narrower terminal: the widest text column is cut" {
	cafe-order place latte --customer "a customer with a rather long name indeed" >/dev/null
	cafe-order place tea --customer kim >/dev/null
	COLS=60 LANG=C.UTF-8 on_tty "cafe-trace show 1"
	assert_success
	while IFS= read -r line; do
		line=${line%$'\r'}
		line=$(sed 's/\x1b\[[0-9;]*m//g' <<<"$line")
		[ "$(LC_ALL=C.UTF-8 wc -L <<<"$line")" -le 60 ] || fail "wider than 60: $line"
	done <<<"$output"
	assert_output --partial "…"
	# $COLUMNS wins over the terminal's own width.
	COLUMNS=50 LANG=C on_tty "cafe-trace list"
	assert_output --partial "..."
	# Into a pipe, nothing is cut, whatever $COLUMNS says.
	COLUMNS=40 run cafe-trace list
	assert_output --partial "a customer with a rather long name indeed"
	refute_output --partial "..."
}

@test "wide characters take two columns: a Hangul name keeps the table aligned" {
	cafe-order place latte --customer 김민수 >/dev/null
	cafe-order place tea --customer kim >/dev/null
	run cafe-trace list
	w1=$(sed -n 2p <<<"$output" | LC_ALL=C.UTF-8 wc -L)
	w2=$(sed -n 3p <<<"$output" | LC_ALL=C.UTF-8 wc -L)
	[ "$w1" -eq "$w2" ] || fail "rows of $w1 and $w2 columns: $output"
}

@test "colour on a terminal only, and never with NO_COLOR" {
	cafe-order place latte >/dev/null
	cafe-order cancel 1 >/dev/null
	on_tty "cafe-trace list"
	assert_output --partial $'\e[31mcancelled\e[0m'
	NO_COLOR=1 on_tty "cafe-trace list"
	refute_output --partial $'\e['
	TTY_TERM=dumb on_tty "cafe-trace list"
	refute_output --partial $'\e['
	run cafe-trace list
	refute_output --partial $'\e['
	# An empty NO_COLOR is unset (no-color.org).
	NO_COLOR= on_tty "cafe-trace list"
	assert_output --partial $'\e[31m'
}

@test "cafe-trace list at 80 columns keeps the statuses and times whole" {
	cafe-order place latte:2+large+oat americano mocha tea:3 \
	    --customer 'Kim Min-jun of the third floor' >/dev/null
	cafe-order place tea --customer lee >/dev/null
	cafe-pay refund 1 --amount 100 >/dev/null
	cafe-daemon -q run --once
	cafe-order cancel 2 >/dev/null
	cafe-daemon -q run --once
	COLS=80 NO_COLOR=1 on_tty "COLUMNS=80 cafe-trace list"
	assert_success
	lines=("${lines[@]//$'\r'/}")
	for l in "${lines[@]}"; do
		[ "$(printf '%s' "$l" | LC_ALL=C.UTF-8 wc -L)" -le 80 ] || fail "wider than 80: $l"
	done
	assert_line --index 1 --regexp ' paid +partially_refunded +brewing +[0-9]{2}:[0-9]{2}:[0-9]{2}$'
	assert_line --index 2 --regexp ' cancelled +refunded +cancelled +[0-9]{2}:[0-9]{2}:[0-9]{2}$'
	# Wide enough, everything is there.
	COLS=160 NO_COLOR=1 on_tty "COLUMNS=160 cafe-trace list"
	lines=("${lines[@]//$'\r'/}")
	assert_line --index 1 --partial 'Kim Min-jun of the third floor  latte x2 + americano + mocha + tea x3'
}

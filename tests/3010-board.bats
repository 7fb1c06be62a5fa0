#!/usr/bin/env bats
# 3010-board: `cafe-deliver board`, the kitchen's screen, in a real
# terminal: tmux on a private socket, keys sent with send-keys, the screen
# read with capture-pane. Each key goes through the same steps as the
# cafe-deliver verbs; a refusal shows on the status line and appends
# nothing.

load helpers/setup
load helpers/pg

local_setup() {
	command -v tmux >/dev/null || skip "tmux is missing (make deps)"
	NSOCK=0
	SOCK=$T/tmux.0
}

teardown() {
	for s in "$T"/tmux.*; do
		tmux -S "$s" kill-server 2>/dev/null || :
	done
	# Only a cluster of the test's own: under check-pg, PG_DIR names the
	# suite's.
	[ -z "${OWN_PG:-}" ] || pg_stop
}

# A tmux server of its own for each terminal a test opens.
new_terminal() {
	tmux -S "$SOCK" kill-server 2>/dev/null || :
	NSOCK=$((NSOCK + 1))
	SOCK=$T/tmux.$NSOCK
}

# place ARGS...: an order, its delivery started as the daemon would.
place() {
	local id
	id=$(cafe-order place "$@")
	log-append "delivery-$id" DeliveryStarted "{\"order_id\":$id,\"address\":\"\"}" >/dev/null
}

# board [COLSxROWS] [ENV...]: the board in a fresh tmux session; the pane
# says EXIT and the status when it ends.
board() {
	local size=${1:-80x24}
	shift || :
	new_terminal
	tmux -S "$SOCK" new-session -d -x "${size%x*}" -y "${size#*x}" \
	    "echo BEFORE; env TERM=xterm-256color LANG=C.UTF-8 $* cafe-deliver board; echo EXIT \$?; sleep 600"
	wait_for 'screen | grep -q KITCHEN'
}

count_type() { db_sql "SELECT count(*) FROM events WHERE type = '$1'"; }
screen() { tmux -S "$SOCK" capture-pane -p "$@"; }
status_line() { screen | tail -1; }
keys() { tmux -S "$SOCK" send-keys "$@"; }
line_of() { screen | grep -E "^[ >] +$1  "; }
# The board of this test's terminal: the child of its pane's shell (a
# suite run beside this one has boards of its own).
board_pid() {
	pgrep -P "$(tmux -S "$SOCK" list-panes -F '#{pane_pid}' | head -1)" -f 'cafe-deliver board' |
	    head -1
}

@test "the queue, oldest first, with items and waits; r, d with a rider, c; q leaves the terminal as it was" {
	place latte:2+large+oat americano --customer kim
	place tea --customer 김민지
	place mocha
	cafe-deliver ready 2 >/dev/null
	board
	run screen
	assert_line --index 0 --regexp '^ KITCHEN  2 making, 1 ready, 0 out +[0-9:]+ UTC$'
	assert_line --index 1 '  ORDER  STATUS      WAITED  ITEMS'
	assert_line --index 2 --regexp '^>     1  brewing +[0-9]+s  latte x2 \(large, oat\), americano \(regular\)$'
	assert_line --index 3 --regexp '^      2  ready +[0-9]+s  tea$'
	assert_line --index 4 --regexp '^      3  brewing +[0-9]+s  mocha \(regular, whole\)$'
	# The oldest is selected at start: r makes it ready.
	keys r
	wait_for '[ "$(count_type DrinkReady)" = 2 ]'
	wait_for 'screen | grep -q "order 1 ready"'
	wait_for 'line_of 1 | grep -q ready'
	# Order 3 is still brewing: dispatch is refused, nothing appended.
	keys j j
	wait_for 'line_of 3 | grep -q "^>"'
	before=$(event_count)
	keys d
	wait_for 'screen | grep -q "order 3, rider (Enter: none, Esc: back):"'
	keys minho Enter
	wait_for 'status_line | grep -q "order 3"'
	run status_line
	assert_output --regexp '^ order 3 .*'
	refute_output --partial dispatched
	[ "$(event_count)" = "$before" ]
	# Order 2 is ready: out with minho, then delivered.
	keys k d
	wait_for 'screen | grep -q "order 2, rider"'
	keys minho Enter
	wait_for '[ "$(count_type DeliveryDispatched)" = 1 ]'
	wait_for 'line_of 2 | grep -q "dispatched .*(rider minho)"'
	run db_sql "SELECT data->>'rider' FROM events WHERE type = 'DeliveryDispatched'"
	assert_output minho
	keys c
	wait_for '[ "$(count_type DeliveryCompleted)" = 1 ]'
	wait_for '! screen | grep -qE "^[ >] +2  "'
	keys q
	wait_for 'screen | grep -q "EXIT 0"'
	run screen
	assert_line --index 0 BEFORE
	refute_output --partial KITCHEN
	[ "$(tmux -S "$SOCK" display -p '#{alternate_on}')" = 0 ]
}

@test "an order picked up later waits under 'later' with its time, after those to make; a note and TO GO show" {
	# A zone where it is about noon now: the pick-up an hour ahead is today.
	off=$((12 - $(date -u +%-H)))
	zone=UTC
	[ "$off" -gt 0 ] && zone=Etc/GMT-$off
	[ "$off" -lt 0 ] && zone=Etc/GMT+$((-off))
	use_config <<<"timezone: $zone"
	at=$(TZ=$zone date -d '+60 min' +%H:%M)
	cafe-order place latte --pickup-at "$at" --note 'less ice' -q
	place tea --takeout
	board
	run screen
	assert_line --index 0 --regexp '^ KITCHEN  1 making, 0 ready, 0 out, 1 later '
	assert_line --index 2 --regexp '^>     2  brewing +[0-9]+s  TO GO  tea$'
	assert_line --index 3 "      1  later        $at  latte (regular, whole)  \"less ice\""
	# Not started: ready is refused, nothing appended.
	keys j r
	wait_for 'status_line | grep -q "order 1"'
	assert_equal "$(count_type DrinkReady)" 0
	# Started by the daemon (here by hand): it moves up among those to make.
	log-append delivery-1 DeliveryStarted '{"order_id":1,"address":""}' >/dev/null
	wait_for 'line_of 1 | grep -q brewing'
	wait_for 'screen | grep -q "2 making, 0 ready, 0 out  "'
}

@test "a commit by another terminal shows without a key" {
	place tea
	place mocha
	board
	cafe-deliver ready 2 >/dev/null
	wait_for 'line_of 2 | grep -q ready'
	place latte
	wait_for 'line_of 3 | grep -q brewing'
	cafe-order cancel 1 >/dev/null
	wait_for '! line_of 1'
	assert_equal "$(screen | head -1 | grep -o '[0-9] making, [0-9] ready')" "1 making, 1 ready"
}

@test "the server away under the board: the queue stays with the reason, and comes back by itself" {
	# A cluster of its own, so that stopping it stops nobody else.
	pg_start
	OWN_PG=1
	CAFE_DB=$(pg_fresh_db t3010_away)
	cafe-log -q init
	place tea
	place mocha
	board
	wait_for 'line_of 2 | grep -q brewing'
	pg_server_stop
	keys j          # a key reads the queue again
	wait_for 'status_line | grep -q "the queue as it was: "'
	run status_line
	assert_output --regexp "^ the queue as it was: (lost the connection to|cannot connect to) database"
	line_of 1
	line_of 2
	# The screen stays up, and reads again each second: once the server is
	# back, it says so, and a commit by another terminal shows.
	pg_server_start
	wait_for 'status_line | grep -q "the log is read again"' 30
	cafe-deliver ready 2 >/dev/null
	wait_for 'line_of 2 | grep -q ready' 30
	keys q
	wait_for 'screen | grep -q "EXIT 0"'
}

@test "late orders are red (bold without colour); NO_COLOR is respected" {
	use_config <<-EOF
	kitchen: {late_after_ms: 1}
	EOF
	place tea
	board 80x24 CAFE_CONFIG="$CAFE_CONFIG"
	wait_for 'line_of 1 | grep -q "[1-9]s"'
	run screen -e
	assert_line --index 2 --regexp $'\e\\[1m\e\\[31m +[0-9]+s'
	board 80x24 CAFE_CONFIG="$CAFE_CONFIG" NO_COLOR=1
	wait_for 'line_of 1 | grep -q "[1-9]s"'
	run screen -e
	assert_line --index 2 --regexp $'\e\\[1m +[0-9]+s'
	refute_output --regexp $'\e\\[3[0-8]m'
}

@test "80x24 with more orders than fit; a resize redraws; G shows the newest" {
	for i in $(seq 30); do place tea --customer "c$i"; done
	board 80x24
	run screen
	assert_equal "${#lines[@]}" 24
	assert_line --index 21 --regexp '^     20  brewing'
	assert_equal "$(status_line)" ' up/down select  r ready  d dispatch  c delivered  q quit'
	keys G
	wait_for 'line_of 30 | grep -q "^>"'
	tmux -S "$SOCK" resize-window -x 50 -y 12
	wait_for '[ "$(screen | wc -l)" = 12 ]'
	wait_for 'line_of 30 | grep -q "^>"'
	run screen
	for l in "${lines[@]}"; do
		[ "$(printf %s "$l" | wc -m)" -le 50 ] || fail "wider than 50: $l"
	done
	assert_line --index 1 '  ORDER  STATUS      WAITED  ITEMS'
}

@test "SIGTERM and SIGINT end it and give the terminal back" {
	place tea
	for sig in TERM INT; do
		board
		kill -"$sig" "$(board_pid)"
		wait_for 'screen | grep -q "EXIT 0"'
		run screen
		assert_line --index 0 BEFORE
		refute_output --partial KITCHEN
	done
}

@test "no terminal, or a dumb one: 64, one line, nothing appended" {
	place tea
	before=$(event_count)
	run cafe-deliver board </dev/null
	assert_failure 64
	assert_output "cafe-deliver: the board needs a terminal (standard input and output are not one); 'cafe-deliver list' prints the queue"
	new_terminal
	tmux -S "$SOCK" new-session -d -x 200 -y 24 \
	    "env TERM=dumb cafe-deliver board 2>&1; echo EXIT \$?; sleep 600"
	wait_for 'screen | grep -q EXIT'
	run screen
	assert_line --index 0 "cafe-deliver: the board needs a terminal (TERM is dumb or unset); 'cafe-deliver list' prints the queue"
	assert_line --index 1 "EXIT 64"
	[ "$(event_count)" = "$before" ]
}

@test "a picture of the board: the screen as tmux holds it, rendered by a browser, reads back" {
	command -v aha >/dev/null || skip "aha is missing (make deps)"
	command -v chromium >/dev/null || skip "no chromium: run 'make deps'"
	# A zone where it is about noon: half an hour ago is the same business
	# day, so the tickets run 1, 2, 3, 4 as the ids do.
	off=$((12 - $(date -u +%-H)))
	zone=UTC
	[ "$off" -gt 0 ] && zone=Etc/GMT-$off
	[ "$off" -lt 0 ] && zone=Etc/GMT+$((-off))
	use_config <<-EOF
	kitchen: {late_after_ms: 600000}
	timezone: $zone
	EOF
	# The first order has waited long: placed half an hour ago.
	faked -f -31m -- cafe-order place mocha+large >/dev/null
	log-append delivery-1 DeliveryStarted '{"order_id":1,"address":""}' >/dev/null
	place latte:2+large+oat americano --customer kim
	place tea --customer 김민지
	place americano:3
	cafe-deliver ready 2 >/dev/null
	cafe-deliver dispatch 2 --rider minho >/dev/null
	cafe-deliver ready 3 >/dev/null
	board 80x16 CAFE_CONFIG="$CAFE_CONFIG"
	wait_for 'line_of 1 | grep -q "^>.*31m"'
	{
		echo '<!DOCTYPE html><html><head><meta charset="utf-8"><style>'
		echo 'body { margin: 0; background: #111; } pre { margin: 0; padding: 12px; color: #ddd;'
		echo '  font: 15px/1.3 "DejaVu Sans Mono", monospace; }</style></head><body><pre>'
		screen -e | aha --black --no-header
		echo '</pre></body></html>'
	} >"$T/board.html"
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
	    --user-data-dir="$T/chromium" --window-size=764,340 --screenshot="$T/board.png" \
	    "file://$T/board.html" 2>/dev/null
	[ "$(head -c 8 "$T/board.png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ]
	[ "$(stat -c %s "$T/board.png")" -gt 10000 ]
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
	    --user-data-dir="$T/chromium" --no-pdf-header-footer --print-to-pdf="$T/board.pdf" \
	    "file://$T/board.html" 2>/dev/null
	run pdftotext -layout "$T/board.pdf" -
	assert_line --regexp 'KITCHEN +2 making, 1 ready, 1 out'
	assert_line --regexp '> +1 +brewing +31m +mocha \(large, whole\)'
	assert_line --regexp '2 +dispatched .*latte x2 \(large, oat\), americano \(regular\) \(rider m'
	assert_line --regexp '3 +ready .*tea'
	assert_line --regexp '4 +brewing .*americano x3 \(regular\)'
	# The late wait is red in the page the browser drew.
	grep -q 'color:red;.*31m\|31m.*color:red' "$T/board.html" ||
	    grep -Eq '<span style="[^"]*red[^"]*"[^>]*>[^<]*31m' "$T/board.html"
	if [ -n "${CAFE_SCREENSHOTS:-}" ]; then
		cp "$T/board.png" "$CAFE_SCREENSHOTS/board.png"
	fi
}

# Helpers for the cafe-daemon tests (tests/6xxx, tests/soak/6xxx), loaded
# after helpers/setup: daemons in the background, counting events, leases.

DAEMONS=()

# Starts `cafe-daemon ARGS...` in the background (fd 3 closed for bats);
# its pid in $DAEMON, its stderr appended to ${ERR:-$T/daemon.err}.
start_daemon() {
	cafe-daemon "$@" >/dev/null 2>>"${ERR:-$T/daemon.err}" 3>&- &
	DAEMON=$!
	DAEMONS+=("$DAEMON")
}

alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	[[ -n $st && $st != Z* ]]
}

teardown() {
	local p
	for p in "${DAEMONS[@]}"; do
		kill -KILL "$p" 2>/dev/null || :
		wait "$p" 2>/dev/null || :
	done
	DAEMONS=()
}

# Events of a type (all events without one); 0 without a database.
count() {
	if ! db_made; then
		echo 0
	elif [ $# -eq 0 ]; then
		db_sql "SELECT count(*) FROM events"
	else
		db_sql "SELECT count(*) FROM events WHERE type = '$1'"
	fi
}

# Events of a type for one order.
count_of() {
	db_sql "SELECT count(*) FROM events WHERE type = '$1'
	    AND CAST(data->>'order_id' AS INTEGER) = $2"
}

# The pid of the live holder of a policy's lease, or nothing.
holder() {
	cafe-daemon --json status 2>/dev/null |
	    jq -r --arg p "$1" 'select(.policy == $p) | .holder // empty' | cut -d@ -f1
}

# The pids holding the policies' leases, one line per policy (- for none).
holders() {
	cafe-daemon --json status 2>/dev/null | jq -r '.holder // "-" | split("@")[0]'
}

# 1 when every policy's lease is held by pid $1.
holds_all() {
	[ "$(holders | sort -u)" = "$1" ]
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# A policy's checkpoint.
checkpoint() {
	db_sql "SELECT coalesce((SELECT seq FROM checkpoints WHERE name = '$1'), 0)"
}

head_seq() {
	db_sql "SELECT coalesce(max(seq), 0) FROM events"
}

# Places n lattes (or PRODUCT) for kim; the last order id in $ORDER.
place() {
	local n=${1:-1} product=${2:-latte} i
	for ((i = 0; i < n; i++)); do
		ORDER=$(cafe-order place "$product" --customer kim --address 'table 4') ||
		    return 1
	done
}

# No event type appears twice for the same (order, type) where it must not.
# At most one of each per order (and per tender: a split is refunded once
# to the card and once out of the drawer).
no_duplicates() {
	local dup
	dup=$(db_sql "SELECT type, (data->>'order_id'), count(*)
	    FROM events WHERE type IN ('DeliveryStarted', 'RefundRequested',
	    'PaymentRefunded', 'DeliveryCancelled', 'StockReleased', 'PaymentVoided')
	    GROUP BY 1, 2, (data->>'tender') HAVING count(*) > 1
	    UNION ALL
	    SELECT 'NotificationQueued', (meta->>'causation_id'), count(*)
	    FROM events WHERE type = 'NotificationQueued' GROUP BY 2 HAVING count(*) > 1")
	[ -z "$dup" ] || { echo "duplicates: $dup"; return 1; }
}

# seq runs 1..n without a gap.
no_gaps() {
	[ "$(db_sql "SELECT count(*) - coalesce(max(seq), 0) FROM events")" = 0 ]
}

# --- killing the daemon at random moments (6050 and soak/6050) ---

# A backlog: n orders (lattes and mochas, half of them tracked stock) and a
# cancel of every third one, placed with one cafe-order process.
backlog() {	# N
	local i first
	first=$(( $(count PaymentRequested) + 1 ))
	for ((i = 0; i < $1; i++)); do
		if ((i % 2)); then echo '{"product":"latte","customer":"kim","address":"t1"}'
		else echo '{"product":"mocha","customer":"lee","address":"t2"}'; fi
	done | cafe-order place --batch >/dev/null
	for ((i = first; i < first + $1; i += 3)); do
		cafe-order cancel "$i" --reason soak >/dev/null
	done
}

# Starts a daemon (follow or --once, by turns), kills it with SIGKILL after
# a random 0-599 ms, adds some work, ROUNDS times.
kill_loop() {	# ROUNDS
	local round ms pid
	for ((round = 1; round <= $1; round++)); do
		if ((round % 3)); then
			cafe-daemon -q run >/dev/null 2>>"$T/daemon.err" 3>&- &
		else
			cafe-daemon -q run --once >/dev/null 2>>"$T/daemon.err" 3>&- &
		fi
		pid=$!
		ms=$((RANDOM % 600))
		# The random moment of the kill is the point of the test.
		sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
		kill -KILL "$pid" 2>/dev/null || :
		wait "$pid" 2>/dev/null || :
		((round % 4)) || backlog 12
	done
}

# 1 when every policy's checkpoint is at the log's head.
caught_up() {
	[ "$(db_sql "SELECT count(*) FROM checkpoints
	    WHERE seq = (SELECT max(seq) FROM events) AND name IN ('start-delivery',
	    'compensate', 'refund', 'reconcile', 'notify', 'trace')")" = 6 ]
}

# Works off what is left, once the dead daemons' leases have lapsed.
finish() {
	wait_for 'cafe-daemon -q run --once 2>/dev/null; caught_up' 20
}

# Every guarantee, checked against the log and the sim's books.
check_exactly_once() {
	local q
	q() { db_sql "$1"; }
	# Paid and not called off: exactly one DeliveryStarted.
	[ "$(q "SELECT count(*) FROM events p WHERE p.type = 'OrderPlaced' AND
	    NOT EXISTS (SELECT 1 FROM events c WHERE c.type IN ('OrderCancelled', 'OrderRejected')
	    AND c.stream = p.stream) AND (SELECT count(*) FROM events d
	    WHERE d.stream = 'delivery-' || (p.data->>'order_id')
	    AND d.type = 'DeliveryStarted') != 1")" = 0 ] || { echo "an order without exactly one DeliveryStarted"; return 1; }
	# Cancelled: one RefundRequested, one PaymentRefunded, one refund at the processor.
	[ "$(q "SELECT count(*) FROM events c WHERE c.type = 'OrderCancelled' AND (
	    (SELECT count(*) FROM events r WHERE r.type = 'RefundRequested'
	     AND (r.data->>'order_id') = (c.data->>'order_id')) != 1 OR
	    (SELECT count(*) FROM events r WHERE r.type = 'PaymentRefunded'
	     AND (r.data->>'order_id') = (c.data->>'order_id')) != 1 OR
	    (SELECT count(*) FROM sim_ledger l WHERE l.op = 'refund'
	     AND l.order_id = CAST(c.data->>'order_id' AS INTEGER)) != 1)")" = 0 ] ||
	    { echo "a cancel without exactly one refund"; return 1; }
	# The delivery of a cancelled order is cancelled once, started or not.
	[ "$(q "SELECT count(*) FROM events c WHERE c.type = 'OrderCancelled' AND
	    (SELECT count(*) FROM events d WHERE d.stream = 'delivery-' || (c.data->>'order_id')
	     AND d.type = 'DeliveryCancelled') != 1")" = 0 ] || { echo "a delivery not cancelled"; return 1; }
	# One message per status change.
	[ "$(q "SELECT count(*) FROM events c WHERE c.type IN ('PaymentApproved',
	    'PaymentRefunded', 'RefundFailed', 'DeliveryStarted', 'DeliveryCancelled',
	    'OrderRejected') AND (SELECT count(*) FROM events n WHERE n.type = 'NotificationQueued'
	    AND n.stream = 'notify-' || c.id) != 1")" = 0 ] || { echo "a message missing or twice"; return 1; }
	# Stock: released once per cancelled latte.
	[ "$(q "SELECT count(*) FROM events c WHERE c.type = 'OrderCancelled' AND
	    (SELECT count(*) FROM events s WHERE s.type = 'StockReleased'
	     AND (s.data->>'order_id') = (c.data->>'order_id')) !=
	    (SELECT count(*) FROM events s WHERE s.type = 'StockReserved'
	     AND (s.data->>'order_id') = (c.data->>'order_id'))")" = 0 ] ||
	    { echo "stock not released exactly once"; return 1; }
	no_duplicates
	no_gaps
	[ "$(q "SELECT count(*) FROM checkpoints WHERE name IN ('start-delivery', 'compensate',
	    'refund', 'reconcile', 'notify', 'trace') AND seq = (SELECT max(seq) FROM events)")" = 6 ] ||
	    { echo "a checkpoint behind the head"; return 1; }
}

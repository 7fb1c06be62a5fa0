#!/usr/bin/env bats
# 0085-pg-hosts: a chain's several hosts on one PostgreSQL server over TCP.
# Each "host" is a network namespace of its own, joined to the server's by
# a veth pair (made and removed here), with a terminal and a daemon in it;
# they log in with a password. Where namespaces cannot be made (not root,
# or a container that refuses), the same runs over TCP on 127.0.0.1, and
# the test says so (CAFE_TEST_NO_NETNS=1 forces that).

load helpers/setup
load helpers/pg
load helpers/daemon

bats_require_minimum_version 1.5.0

# Two namespaces, 10.231.N.2 inside and 10.231.N.1 on the server's side.
make_hosts() {
	# CAFE_TEST_NO_NETNS=1 tries the fallback on a machine that has them.
	[ "$(id -u)" = 0 ] && [ -z "${CAFE_TEST_NO_NETNS:-}" ] || return 1
	local n ns
	for n in 1 2; do
		ns=$([ $n = 1 ] && echo "$NS1" || echo "$NS2")
		ip netns add "$ns" 2>/dev/null || return 1
		ip link add "${ns}h" type veth peer name "${ns}g" &&
		    ip link set "${ns}g" netns "$ns" &&
		    ip addr add "10.231.$n.1/30" dev "${ns}h" &&
		    ip link set "${ns}h" up &&
		    ip -n "$ns" addr add "10.231.$n.2/30" dev "${ns}g" &&
		    ip -n "$ns" link set "${ns}g" up &&
		    ip -n "$ns" link set lo up || return 1
	done
}

drop_hosts() {
	local ns
	for ns in "$NS1" "$NS2"; do
		ip netns del "$ns" 2>/dev/null || :
		ip link del "${ns}h" 2>/dev/null || :
	done
}

setup_file() {
	export NS1=cafe$$a NS2=cafe$$b
	if make_hosts; then
		export HOSTS=netns PG_LISTEN=10.231.1.1,10.231.2.1
		export ADDR1=10.231.1.1 ADDR2=10.231.2.1
	else
		drop_hosts
		export HOSTS=loopback PG_LISTEN=127.0.0.1 ADDR1=127.0.0.1 ADDR2=127.0.0.1
		echo "# no network namespaces here: the hosts share 127.0.0.1 over TCP" >&3
	fi
	export PG_PORT=$(( 20000 + $$ % 20000 ))
	pg_start
	# Password logins over TCP (scram-sha-256); the socket stays trust.
	pg_as sed -i '1i host all all 0.0.0.0/0 scram-sha-256' "$PG_DIR/data/pg_hba.conf"
	psql -q "$PG_URI" -c "ALTER ROLE cafe PASSWORD 'brew-secret'" -c "CREATE DATABASE chain"
	pg_server_stop
	pg_server_start
}

teardown_file() {
	pg_stop
	[ "$HOSTS" != netns ] || drop_hosts
}

teardown() {
	local p
	for p in ${DAEMON_A:-} ${DAEMON_B:-}; do { kill -9 "$p"; wait "$p"; } 2>/dev/null || :; done
}

uri_of() {	# HOST: how that host reaches the server
	echo "postgresql://cafe:brew-secret@$([ "$1" = 1 ] && echo "$ADDR1" || echo "$ADDR2"):$PG_PORT/chain"
}

# on HOST CMD...: CMD run on host 1 or 2, with that host's URI in $CAFE_DB.
on() {
	local n=$1
	shift
	if [ "$HOSTS" = netns ]; then
		CAFE_DB=$(uri_of "$n") ip netns exec "$([ "$n" = 1 ] && echo "$NS1" || echo "$NS2")" "$@"
	else
		CAFE_DB=$(uri_of "$n") "$@"
	fi
}

# daemon_on HOST: a daemon on that host in the background; $! is its pid
# (the subshell execs ip netns exec, which execs the program).
daemon_on() {
	(
		export CAFE_DB=$(uri_of "$1")
		exec >/dev/null 2>"$T/daemon-$1.err"
		if [ "$HOSTS" = netns ]; then
			exec ip netns exec "$([ "$1" = 1 ] && echo "$NS1" || echo "$NS2")" cafe-daemon run
		fi
		exec cafe-daemon run
	) &
}

@test "two hosts, a terminal and a daemon on each: every order handled once, through a kill" {
	CAFE_DB="postgresql:///chain?host=$PG_DIR&port=$PG_PORT&user=cafe"
	on 1 cafe-log -q init
	daemon_on 1
	DAEMON_A=$!
	daemon_on 2
	DAEMON_B=$!
	# Both counters at once.
	( for i in $(seq 8); do on 1 cafe-order place latte --customer one >/dev/null || exit 1; done ) &
	one=$!
	( for i in $(seq 8); do on 2 cafe-order place tea --customer two >/dev/null || exit 1; done ) &
	two=$!
	wait "$one"
	wait "$two"
	wait_for '[ "$(count DeliveryStarted)" = 16 ]' 30
	# Both hosts are connected, each from its own address.
	if [ "$HOSTS" = netns ]; then
		assert_equal "$(db_joined ' ' "SELECT DISTINCT host(client_addr) FROM pg_stat_activity
		    WHERE application_name = 'cafe-daemon' ORDER BY 1")" "10.231.1.2 10.231.2.2"
	fi
	# The host that holds start-delivery dies; the other takes its work.
	victim=$(holder start-delivery)
	[ "$victim" = "$DAEMON_A" ] || [ "$victim" = "$DAEMON_B" ]
	{ kill -KILL "$victim"; wait "$victim"; } 2>/dev/null || :
	for i in $(seq 4); do on 2 cafe-order place latte >/dev/null; on 1 cafe-order cancel $((i * 2)) >/dev/null; done
	wait_for '[ "$(count DeliveryStarted)" = 20 ] && [ "$(count PaymentRefunded)" = 4 ]' 60
	no_duplicates
	no_gaps
	run on 2 cafe-log verify
	assert_success
	assert_output "cafe-log: ok: $(count) events checked"
}

@test "a wrong password: 74, one line, the password never shown, nothing appended" {
	# A database of its own: the chain's, of the test before, may still
	# hear from a daemon of that test on its way out.
	psql -q "$PG_URI" -c "CREATE DATABASE lone"
	CAFE_DB="postgresql:///lone?host=$PG_DIR&port=$PG_PORT&user=cafe"
	on 1 cafe-log -q init
	before=$(count)
	run --separate-stderr env CAFE_DB="postgresql://cafe:wrong-pw@$ADDR1:$PG_PORT/lone" cafe-order place latte
	assert_failure 74
	assert_equal "$output" ""
	assert_equal "$(printf '%s\n' "$stderr" | wc -l)" 1
	[[ $stderr == "cafe-order: cannot connect to database 'postgresql://cafe:***@$ADDR1:$PG_PORT/lone': "*"password authentication failed"* ]]
	[[ $stderr != *wrong-pw* ]]
	assert_equal "$(count)" "$before"
}

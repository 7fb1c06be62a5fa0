# A PostgreSQL primary and a synchronous standby managed by Patroni with
# etcd (Debian's patroni and etcd-server), all on loopback, no containers:
# the failover tests (tests/ha/). Load after helpers/setup.
#   ha_start         etcd and two Patroni nodes, n1 and n2, in $HA (a temp
#                    dir), as nobody (PostgreSQL refuses root); waits for a
#                    leader and a streaming sync standby. Sets HA_URI: both
#                    hosts, target_session_attrs=read-write, connect_timeout.
#   ha_leader        the node that is leader now (n1 or n2), or nothing
#   ha_kill NODE     its host dies: kill -9 its Patroni and its postmaster
#                    together (a postmaster killed alone is restarted in
#                    place by Patroni, which tests nothing)
#   ha_rejoin NODE   starts its Patroni again; waits until it streams
#   ha_stop          everything down, $HA removed
# Patroni's ttl of 10 s and loop_wait of 1 s make a failover take ~11 s.

HA_PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

ha_as() {
	if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

ha_port() {	# N: the base port + N
	echo $((HA_BASE + $1))
}

ha_node_config() {	# N
	local n=$1
	cat <<EOF
scope: cafe
name: n$n
restapi:
  listen: 127.0.0.1:$(ha_port $((10 + n)))
  connect_address: 127.0.0.1:$(ha_port $((10 + n)))
etcd3:
  hosts: 127.0.0.1:$(ha_port 1)
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 1
    retry_timeout: 4
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      parameters:
        wal_log_hints: 'on'
        max_connections: 200
  initdb:
  - encoding: UTF8
  - auth: trust
  pg_hba:
  - local all all trust
  - host all all 127.0.0.1/32 trust
  - host replication all 127.0.0.1/32 trust
postgresql:
  listen: 127.0.0.1:$(ha_port $((20 + n)))
  connect_address: 127.0.0.1:$(ha_port $((20 + n)))
  data_dir: $HA/n$n/data
  bin_dir: $HA_PG_BIN
  pgpass: $HA/n$n/pgpass
  authentication:
    superuser: {username: cafe}
    replication: {username: cafe}
    rewind: {username: cafe}
  parameters:
    unix_socket_directories: '$HA/n$n'
  remove_data_directory_on_rewind_failure: true
  remove_data_directory_on_diverged_timelines: true
EOF
}

ha_members() {	# the cluster as one surviving node sees it: NAME ROLE STATE lines
	local n out
	for n in 1 2; do
		out=$(curl -fsS --max-time 2 "http://127.0.0.1:$(ha_port $((10 + n)))/cluster" \
		    2>/dev/null) || continue
		jq -r '.members[] | "\(.name) \(.role) \(.state)"' <<<"$out" && return 0
	done
	return 1
}

ha_leader() {
	ha_members | awk '$2 == "leader" && $3 == "running" { print $1 }'
}

ha_streaming() {	# NODE: 1 when it is a running sync standby
	ha_members | grep -qx "$1 sync_standby \(running\|streaming\)"
}

ha_patroni() {	# NODE: starts its Patroni
	(cd "$HA" && ha_as patroni "$HA/$1.yml" >>"$HA/$1.log" 2>&1 &)
}

ha_start() {
	command -v patroni >/dev/null && command -v etcd >/dev/null ||
	    { echo "no patroni or etcd: run 'make deps'" >&2; return 1; }
	HA=$(mktemp -d "${TMPDIR:-/tmp}/cafe-ha.XXXXXX")
	chmod 755 "$HA"
	HA_BASE=$((20000 + (RANDOM % 400) * 100))
	[ "$(id -u)" != 0 ] || chown nobody "$HA"
	export HA HA_BASE
	(cd "$HA" && ha_as etcd --name e0 --data-dir "$HA/etcd" \
	    --listen-client-urls "http://127.0.0.1:$(ha_port 1)" \
	    --advertise-client-urls "http://127.0.0.1:$(ha_port 1)" \
	    --listen-peer-urls "http://127.0.0.1:$(ha_port 2)" \
	    --initial-advertise-peer-urls "http://127.0.0.1:$(ha_port 2)" \
	    --initial-cluster "e0=http://127.0.0.1:$(ha_port 2)" >"$HA/etcd.log" 2>&1 &)
	for n in 1 2; do
		ha_as mkdir -p "$HA/n$n"
		ha_node_config $n | ha_as tee "$HA/n$n.yml" >/dev/null
	done
	ha_patroni n1
	wait_for '[ "$(ha_leader)" = n1 ]' 120 || { tail -20 "$HA/n1.log" >&2; return 1; }
	ha_patroni n2
	wait_for 'ha_streaming n2' 120 || { tail -20 "$HA/n2.log" >&2; return 1; }
	HA_URI="postgresql://cafe@127.0.0.1:$(ha_port 21),127.0.0.1:$(ha_port 22)/postgres?target_session_attrs=read-write&connect_timeout=2"
	export HA_URI
}

ha_pids() {	# NODE: its Patroni's pid and its postmaster's
	pgrep -f "patroni $HA/$1.yml" | while read -r p; do
		# The python process itself, not runuser around it.
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = runuser ] || echo "$p"
	done
	head -1 "$HA/$1/data/postmaster.pid" 2>/dev/null
}

ha_kill() {	# NODE
	# shellcheck disable=SC2046
	kill -KILL $(ha_pids "$1") 2>/dev/null || :
}

ha_rejoin() {	# NODE
	ha_patroni "$1"
	wait_for "ha_streaming $1" 180 || { tail -30 "$HA/$1.log" >&2; return 1; }
}

ha_stop() {
	[ -n "${HA:-}" ] && [ -d "$HA" ] || return 0
	local n
	for n in n1 n2; do ha_kill $n; done
	pkill -KILL -f "etcd --name e0 --data-dir $HA/etcd" 2>/dev/null || :
	rm -rf "$HA"
}

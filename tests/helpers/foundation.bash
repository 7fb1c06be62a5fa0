# Loaded after helpers/setup by the foundation's tests (log, cafe-log,
# cafe-order, cafe-trace): `load helpers/foundation`.
#
#   count_type TYPE          events of that type in $CAFE_DB
#   hold_write_lock [DB]     a sqlite3 (or psql) process takes the write
#                            lock (BEGIN IMMEDIATE, or PostgreSQL's
#                            writers' lock) and keeps it
#   release_write_lock       rolls it back and waits for that process
#   unwritable_dir           sets RO to a directory for the database that
#                            make_unwritable then closes to `as_other`;
#                            skips the test when there is no way to
#                            make one
#   make_unwritable DIR      takes the right to write DIR and its files
#   as_other CMD...          runs CMD as a user that cannot write there
# Teardown (foundation_teardown, called by teardown) releases the lock and
# removes the directory.

count_type() {
	db_sql "SELECT count(*) FROM events WHERE type = '$1'"
}

hold_write_lock() {
	local db=${1:-$CAFE_DB}

	rm -f "$T/lock.fifo" "$T/locked"
	mkfifo "$T/lock.fifo"
	# fd 3 closed: bats waits for it; the fifo opens when we open its end.
	if is_pg "$db"; then
		psql -qX "$db" <"$T/lock.fifo" >/dev/null 2>&1 3>&- &
	else
		sqlite3 "$db" <"$T/lock.fifo" >/dev/null 2>&1 3>&- &
	fi
	LOCK_PID=$!
	exec {LOCK_FD}>"$T/lock.fifo"
	if is_pg "$db"; then
		# The writers' lock every cafe writer takes first (lib/store/pg.c).
		printf 'BEGIN;\nSELECT pg_advisory_xact_lock(4242002);\n\\! touch "%s"\n' \
		    "$T/locked" >&"$LOCK_FD"
	else
		printf 'BEGIN IMMEDIATE;\n.shell touch "%s"\n' "$T/locked" >&"$LOCK_FD"
	fi
	wait_for '[ -e "$T/locked" ]' 5
}

release_write_lock() {
	[ -n "${LOCK_FD:-}" ] || return 0
	printf 'ROLLBACK;\n' >&"$LOCK_FD" 2>/dev/null
	exec {LOCK_FD}>&-
	LOCK_FD=
	wait "$LOCK_PID" 2>/dev/null
	LOCK_PID=
}

# Root writes through any mode bits, so as root the command runs as nobody
# (setpriv) in a directory outside the test's own (bats makes that one 0700).
unwritable_dir() {
	if [ "$(id -u)" != 0 ]; then
		RO=$T/ro
		mkdir -p "$RO"
		return
	fi
	command -v setpriv >/dev/null ||
	    skip "running as root without setpriv: cannot drop the right to write"
	RO=$(mktemp -d /tmp/cafe-ro.XXXXXX)
	chmod 755 "$RO"
	echo "$RO" >>"$T/.cleanup"
}

# Takes away the right to write DIR and everything in it from as_other.
make_unwritable() {
	if [ "$(id -u)" != 0 ]; then
		chmod a-w "$1"/* "$1"
		echo "$1" >>"$T/.restore"
	else
		# Root's directory, 0755, files 0644: nobody may read, not write.
		chmod 644 "$1"/*
		chmod go-w "$1"
	fi
}

# Runs a command as another user (nobody, when we are root). A program of
# bin/ runs from a copy in a directory anyone may enter: the checkout may
# sit where nobody can reach it (a clone in /root is 0700).
as_other() {
	local prog=$1 dir

	if [ "$(id -u)" != 0 ]; then
		"$@"
		return
	fi
	shift
	if [[ $prog == "$CAFE_TOP/bin/"* ]]; then
		dir=$(mktemp -d /tmp/cafe-bin.XXXXXX)
		chmod 755 "$dir"
		echo "$dir" >>"$T/.cleanup"
		cp "$prog" "$dir/"
		prog=$dir/${prog##*/}
	fi
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	    env HOME=/nonexistent XDG_CONFIG_HOME=/nonexistent \
	    XDG_DATA_HOME=/nonexistent "$prog" "$@"
}

foundation_teardown() {
	local d

	release_write_lock
	if [ -f "$T/.restore" ]; then
		while read -r d; do
			chmod -R u+w "$d"
		done <"$T/.restore"
	fi
	if [ -f "$T/.cleanup" ]; then
		while read -r d; do
			case $d in /tmp/cafe-ro.* | /tmp/cafe-bin.*) rm -rf "$d" ;; esac
		done <"$T/.cleanup"
	fi
}

teardown() {
	foundation_teardown
}

#!/usr/bin/env bats
# 0060-corrupt: a database that is not one, or is damaged. Every program
# says so in one line naming the file and exits 74 (EX_IOERR); nothing is
# written, nothing crashes, nothing is printed as if it were an answer.

load helpers/setup

bats_require_minimum_version 1.5.0

# PROGRAM ARGS...: 74, no stdout, one line that names the file.
damaged() {
	run --separate-stderr "$@"
	assert_failure 74
	assert_equal "$output" ""
	assert_equal "$(printf '%s\n' "$stderr" | wc -l)" 1
	assert_equal "$stderr" "$1: '$CAFE_DB' is not a cafe database or is damaged ($why)"
}

@test "a file that is not a database: every program refuses it and leaves it as it was" {
	sqlite_only "damage to the file's own bytes; a PostgreSQL server keeps its own pages"
	head -c 65536 /dev/urandom > "$CAFE_DB"
	sum=$(cksum < "$CAFE_DB")
	why="file is not a database"
	damaged cafe-order place tea
	damaged cafe-order menu
	damaged cafe-order cancel 1
	damaged cafe-pay list
	damaged cafe-deliver list
	damaged cafe-trace list
	damaged cafe-trace stats
	damaged cafe-notify send --once
	damaged cafe-log stats
	damaged cafe-log verify
	damaged cafe-log head
	damaged cafe-daemon run --once
	damaged cafe-daemon status
	assert_equal "$(cksum < "$CAFE_DB")" "$sum"
	[ ! -e "$CAFE_DB-wal" ] && [ ! -e "$CAFE_DB-journal" ]
}

@test "a log cut short: refused, and nothing written to it" {
	sqlite_only "damage to the file's own bytes; a PostgreSQL server keeps its own pages"
	for i in $(seq 200); do echo '{"product":"tea","customer":"kim"}'; done |
		cafe-order place --batch -q
	cafe-daemon run --once -q
	sqlite3 "$CAFE_DB" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
	size=$(stat -c %s "$CAFE_DB")
	truncate -s $(( size / 2 )) "$CAFE_DB"
	sum=$(cksum < "$CAFE_DB")
	why="database disk image is malformed"
	damaged cafe-log verify
	damaged cafe-log stats
	damaged cafe-order place tea
	damaged cafe-trace list
	damaged cafe-daemon run --once
	assert_equal "$(cksum < "$CAFE_DB")" "$sum"
}

@test "damaged pages inside the log: verify and stats say so, and exit 74" {
	sqlite_only "damage to the file's own bytes; a PostgreSQL server keeps its own pages"
	for i in $(seq 200); do echo '{"product":"tea","customer":"kim"}'; done |
		cafe-order place --batch -q
	sqlite3 "$CAFE_DB" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
	# The events table fills most of the file: overwrite three of its pages.
	pages=$(sqlite3 "$CAFE_DB" 'PRAGMA page_count')
	dd if=/dev/zero bs=4096 seek=$(( pages / 3 )) count=3 conv=notrunc of="$CAFE_DB" 2>/dev/null
	why="database disk image is malformed"
	damaged cafe-log stats
	# verify runs the file's own check first, which names the page.
	run --separate-stderr cafe-log verify
	assert_failure 74
	assert_equal "$output" ""
	assert_equal "$(printf '%s\n' "$stderr" | wc -l)" 1
	[[ $stderr == "cafe-log: '$CAFE_DB' is not a cafe database or is damaged (the file's own check: "*")" ]]
}

@test "a PostgreSQL database with an events table of its own: refused, left as it was" {
	on_pg || skip "PostgreSQL only: a server database that is not cafe's"
	db_sql "CREATE TABLE events(seq int, note text); INSERT INTO events VALUES (1, 'mine')"
	for cmd in "cafe-order place latte" "cafe-order menu" "cafe-log verify" "cafe-log init" \
	    "cafe-trace list" "cafe-daemon run --once" "cafe-notify list" "cafe-deliver list"; do
		run --separate-stderr $cmd
		assert_failure 74
		assert_equal "$output" ""
		assert_equal "$stderr" "${cmd%% *}: '$CAFE_DB' is not a cafe database (its events table is not cafe's)"
	done
	assert_equal "$(db_sql "SELECT seq, note FROM events")" "1|mine"
	assert_equal "$(db_sql "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 1
}

# A member of staff not yet in the shop's group, or a unit running as the
# wrong user: every program says so in one line that names the file and
# what to do, and exits 74 (it crashed with SIGSEGV before).
@test "a log this user may not open: every program names the file and the group to join" {
	sqlite_only "file permissions; a PostgreSQL server checks its own roles"
	[ "$(id -u)" = 0 ] || skip "needs root to run a program as another user"
	cafe-order place tea -q
	dir=$(mktemp -d)
	chmod 755 "$dir"
	db="$dir/cafe.db"
	cp "$CAFE_DB" "$db"
	sum=$(cksum < "$db")
	chgrp daemon "$db"
	# The programs run from a copy the other user may reach: a checkout
	# under /root (0700) is nobody's to execute, which is not what this
	# test is about. The same goes for the working directory.
	mkdir "$dir/bin"
	cp "$CAFE_TOP"/bin/cafe-* "$dir/bin/"
	chmod 755 "$dir/bin" "$dir"/bin/*
	local path="$dir/bin:/usr/local/bin:/usr/bin:/bin"
	cd "$dir"
	for mode in 600 660; do
		chmod "$mode" "$db"
		if [ "$mode" = 600 ]; then
			why="only its owner may read it: run as its owner, or give it a group with chgrp and chmod g+rw"
		else
			why="join its group 'daemon', or run as its owner"
		fi
		for cmd in "cafe-order place tea" "cafe-order menu" "cafe-pay list" "cafe-deliver list" \
		    "cafe-trace list" "cafe-notify send --once" "cafe-daemon run --once" \
		    "cafe-daemon status" "cafe-log verify" "cafe-log stats"; do
			run --separate-stderr runuser -u nobody -- env HOME="$dir" XDG_CONFIG_HOME="$dir" XDG_DATA_HOME="$dir" CAFE_DB="$db" PATH="$path" $cmd
			assert_failure 74
			assert_equal "$output" ""
			assert_equal "$stderr" "${cmd%% *}: cannot open database '$db': permission denied ($why)"
		done
	done
	# cafe-web checks the log before it listens.
	run --separate-stderr runuser -u nobody -- env HOME="$dir" XDG_CONFIG_HOME="$dir" XDG_DATA_HOME="$dir" CAFE_DB="$db" PATH="$path" cafe-web --listen "127.0.0.1:$(( 20000 + RANDOM % 40000 ))"
	assert_failure 74
	assert_equal "$stderr" "cafe-web: cannot open database '$db': permission denied ($why)"
	assert_equal "$(cksum < "$db")" "$sum"
	[ ! -e "$db-wal" ]
	cd "$BATS_TEST_TMPDIR"
	rm -rf "$dir"
}

# Random bytes over an index page: the events' rows still read in order,
# so a walk of the chain said ok, while placing an order failed with 74.
@test "a damaged index: verify checks the file too and exits 74 naming it" {
	sqlite_only "damage to the file's own bytes; a PostgreSQL server keeps its own pages"
	for i in $(seq 200); do echo '{"product":"tea","customer":"kim"}'; done |
		cafe-order place --batch -q
	sqlite3 "$CAFE_DB" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
	page=$(sqlite3 "$CAFE_DB" "SELECT max(pageno) FROM dbstat WHERE name = 'events_type'")
	[ -n "$page" ]
	head -c 2000 /dev/urandom |
	    dd of="$CAFE_DB" bs=1 seek=$(( (page - 1) * 4096 + 1000 )) conv=notrunc 2>/dev/null
	sum=$(cksum < "$CAFE_DB")
	run --separate-stderr cafe-log verify
	assert_failure 74
	assert_equal "$output" ""
	assert_equal "$(printf '%s\n' "$stderr" | wc -l)" 1
	[[ $stderr == "cafe-log: '$CAFE_DB' is not a cafe database or is damaged (the file's own check: "*")" ]]
	run --separate-stderr cafe-log --json verify
	assert_failure 74
	assert_equal "$(jq -c '.ok' <<<"$output")" false
	assert_equal "$(cksum < "$CAFE_DB")" "$sum"
}

#!/usr/bin/env bats
# 0070-store: the storage seam (lib/store/store.h). The same statements through
# the SQLite backend and the PostgreSQL one (a throwaway cluster) give the
# same answers, line for line: placeholders, upserts, NULLs, column kinds,
# a constraint refused, a rollback, a broken statement, the schema
# looked at. libpq is mapped only by a process that opens a postgresql://
# URI, and a server that is not there is one clear line, exit 74.

load helpers/setup
load helpers/pg

bats_require_minimum_version 1.5.0

setup_file() {
	pg_start
}

teardown_file() {
	pg_stop
}

@test "SQLite and PostgreSQL answer the same statements the same way" {
	run store-check "$T/check.db"
	assert_success
	lite=$output
	assert_line "insert: status 74"
	assert_line "select row: text=a int=11 null=- n=11"
	assert_line "literal row: text=why? text=it's int=2 n=0"
	assert_line "after rollback row: text=count int=2 null=- n=2"
	assert_line "libpq mapped 0"
	run store-check "$PG_URI"
	assert_success
	assert_line "libpq mapped 1"
	assert_line "libpq named 1 more"
	assert_equal "$(grep -v '^libpq' <<<"$output")" "$(grep -v '^libpq' <<<"$lite")"
}

@test "no PostgreSQL server there: 74, one line, the password never shown" {
	mkdir "$T/nobody-home"
	run --separate-stderr store-check "postgresql://cafe:s3cret@/postgres?host=$T/nobody-home"
	assert_failure 74
	assert_equal "$output" ""
	assert_equal "$(printf '%s\n' "$stderr" | wc -l)" 1
	assert_regex "$stderr" "^store-check: cannot connect to database 'postgresql://cafe:\*\*\*@/postgres\?host=$T/nobody-home': .*No such file or directory"
	refute_regex "$stderr" "s3cret"
}

@test "a database that does not exist on a running server: 74, one line" {
	run --separate-stderr store-check "postgresql:///nosuchdb?host=$PG_DIR&user=cafe"
	assert_failure 74
	assert_regex "$stderr" "^store-check: cannot connect to database 'postgresql:///nosuchdb.*': .*database \"nosuchdb\" does not exist"
}

# Loaded by setup.bash, and by test files with a setup of their own:
# the tests' one way to query the database ($CAFE_DB).

# Runs SQL on the test's database and prints the rows as sqlite3 does
# (columns joined by '|'). The one way tests query the database, in SQL
# the backends share: JSON fields as (data->>'key') (not json_extract), no
# PRAGMA. Tests about the SQLite file itself call sqlite3 directly.
db_sql() {
	sqlite3 "$CAFE_DB" "$@"
}

# db_joined SEP SQL: the rows of SQL (one column) on one line, joined by SEP.
db_joined() {
	db_sql "$2" | awk -v sep="$1" 'NR > 1 { printf "%s", sep } { printf "%s", $0 } END { print "" }'
}

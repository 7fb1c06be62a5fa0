#!/usr/bin/env bats
# Every program's --help against its man page: the SYNOPSIS of the page is
# the usage message (signify's rule), each --help fits on a screen and ends
# with an example that the page's EXAMPLES show too; every page passes
# `mandoc -Tlint -W warning`, repeats the exit status table of lib/base/cafe.h,
# and the section pages document every config key and every event type the
# code knows.

load helpers/setup

PROGRAMS="cafe-order cafe-pay cafe-deliver cafe-trace cafe-notify cafe-daemon cafe-log cafe-web"

# Synopsis entries, one per line: an entry starts where the program's name
# starts a line; whitespace is collapsed and dropped around '|'.
entries() {
	sed 's/^usage://' | awk -v prog="$1" '
		$1 == prog { if (e != "") print e; e = "" }
		{ for (i = 1; i <= NF; i++) e = e (e == "" ? "" : " ") $i }
		END { if (e != "") print e }' | sed 's/ *| */|/g'
}

# A man page rendered as plain text (no overstrike, no tabs).
render() {
	mandoc -Tascii -Owidth=100 "$1" | sed -e 's/.\x08//g' -e 's/\t/        /g'
}

# One section of a rendered man page.
man_section() {
	render "$1" | awk -v s="$2" '$0 == s { p = 1; next } /^[A-Z]/ { p = 0 } p'
}

need() {
	[ -x "$CAFE_TOP/bin/$1" ] || skip "$1 is not built (yet)"
}

check_help() {
	need "$1"
	run "$1" --help
	assert_success
	[ "${#lines[@]}" -le 24 ] || fail "$1 --help has ${#lines[@]} lines, more than a screen"
	local l
	for l in "${lines[@]}"; do
		[ "${#l}" -le 80 ] || fail "$1 --help: line wider than 80 columns: $l"
	done
	assert_line --index 0 --regexp "^usage: $1 "
	assert_line --index $(( ${#lines[@]} - 1 )) --regexp "^example: $1 "
}

check_synopsis() {
	need "$1"
	local page="$CAFE_TOP/man/man1/$1.1"
	[ -f "$page" ] || fail "no man page $page"
	diff -u <(man_section "$page" SYNOPSIS | entries "$1") \
	    <("$1" --help | grep -v '^example:' | entries "$1") ||
	    fail "the SYNOPSIS of $1(1) (-) and its --help (+) differ"
	# The example of --help is one of the page's examples.
	local ex
	ex=$("$1" --help | sed -n 's/^example: //p' | tr -s ' ')
	man_section "$page" EXAMPLES | sed 's/^ *//' | tr -s ' ' | grep -qxF -- "$ex" ||
	    fail "$1(1) EXAMPLES lacks the --help example: $ex"
}

check_sections() {
	local page=$1 s
	for s in NAME SYNOPSIS DESCRIPTION OPTIONS ENVIRONMENT FILES "EXIT STATUS" \
	    EXAMPLES "SEE ALSO"; do
		render "$page" | grep -qx "$s" || fail "$page has no $s"
	done
}

check_exit_table() {
	local page=$1 code
	for code in $(sed -n 's/.*= \([0-9][0-9]*\),* *\/\*.*/\1/p' "$CAFE_TOP/lib/base/cafe.h"); do
		man_section "$page" "EXIT STATUS" | grep -qE "^ +$code( |$)" ||
		    fail "$page: EXIT STATUS lacks $code"
	done
}

@test "every program has a man page with every section and the exit table" {
	for p in $PROGRAMS; do
		check_sections "$CAFE_TOP/man/man1/$p.1"
		check_exit_table "$CAFE_TOP/man/man1/$p.1"
	done
	check_exit_table "$CAFE_TOP/man/man7/cafe.7"
}

@test "every man page passes mandoc -Tlint -W warning" {
	run mandoc -Tlint -W warning "$CAFE_TOP"/man/man*/*.[157]
	assert_success
	assert_output ""
	# Nothing an ASCII terminal cannot show.
	for page in "$CAFE_TOP"/man/man*/*.[157]; do
		render "$page" | grep -q '<?>' && fail "$page has characters ASCII cannot show"
	done
	# No quote opened inside another (.Pq Ql a , Ql b nests the second
	# in the first: '(‘a, ‘b’’)').
	for page in "$CAFE_TOP"/man/man*/*.[157]; do
		mandoc -Tutf8 "$page" | sed -e 's/.\x08//g' | grep -P '‘[^’]*‘' &&
		    fail "$page opens a quote inside a quote"
	done
	true
}

@test "cafe-order: --help fits a screen and its SYNOPSIS is the man page's" {
	check_help cafe-order
	check_synopsis cafe-order
}

@test "cafe-pay: --help fits a screen and its SYNOPSIS is the man page's" {
	check_help cafe-pay
	check_synopsis cafe-pay
}

@test "cafe-deliver: --help fits a screen and its SYNOPSIS is the man page's" {
	check_help cafe-deliver
	check_synopsis cafe-deliver
}

@test "cafe-trace: --help fits a screen and its SYNOPSIS is the man page's" {
	check_help cafe-trace
	check_synopsis cafe-trace
}

@test "cafe-notify: --help fits a screen and its SYNOPSIS is the man page's" {
	check_help cafe-notify
	check_synopsis cafe-notify
}

@test "cafe-daemon: --help fits a screen and its SYNOPSIS is the man page's" {
	check_help cafe-daemon
	check_synopsis cafe-daemon
}

@test "cafe-log: --help fits a screen and its SYNOPSIS is the man page's" {
	check_help cafe-log
	check_synopsis cafe-log
}

@test "cafe-web: --help fits a screen and its SYNOPSIS is the man page's" {
	check_help cafe-web
	check_synopsis cafe-web
}

@test "a subcommand's --help prints the same synopsis" {
	run cafe-trace show --help
	assert_success
	assert_line --index 0 --partial "usage: cafe-trace"
	run cafe-order place latte --help
	assert_success
	assert_line --index 0 --partial "usage: cafe-order"
}

@test "cafe.yaml(5) documents every key lib/config/ accepts" {
	local page="$CAFE_TOP/man/man5/cafe.yaml.5" text key
	text=$(render "$page")
	# key_is(k, "name") and the dotted INT_KEY / int_key tables.
	for key in $(cat "$CAFE_TOP"/lib/config/*.c | grep -v "^#include" |
	    grep -ohE 'key_is\(k, "[a-z_]+"\)|"[a-z]+(\.[a-z_]+)+"|INT_KEY\([a-z]+\.[a-z_.]+' |
	    grep -oE '[a-z_.]+$|[a-z_.]+"' | tr -d '"' | sed 's/.*\.//' | sort -u); do
		grep -qw -- "$key" <<<"$text" || fail "cafe.yaml(5) does not mention '$key'"
	done
}

@test "cafe-log(5)'s event types are the catalogue's table, both ways" {
	local page="$CAFE_TOP/man/man5/cafe-log.5" table listed
	# The rows of CAFE_EVENT_TYPES: X(ENUM, Name, ...).
	table=$(grep -oE '^[[:space:]]*X\([A-Z_]+, [A-Za-z]+,' "$CAFE_TOP/lib/event/catalogue.h" |
	    sed -E 's/.*, ([A-Za-z]+),$/\1/' | sort)
	listed=$(sed -n '/^\.Sh EVENT TYPES/,/^\.Sh /p' "$page" | sed -n 's/^\.It Sy \([A-Za-z]*\).*/\1/p' | sort)
	[ "$(wc -l <<<"$table")" -ge 29 ]
	diff <(echo "$table") <(echo "$listed") || fail "cafe-log(5) and lib/event/catalogue.h list different types"
}

@test "event types are named only by the catalogue: no type's name as a string in the code" {
	local names
	names=$(grep -oE '^[[:space:]]*X\([A-Z_]+, [A-Za-z]+,' "$CAFE_TOP/lib/event/catalogue.h" |
	    sed -E 's/.*, ([A-Za-z]+),$/\1/' | paste -sd'|')
	run grep -nE "[\"']($names)[\"']" $(ls "$CAFE_TOP"/lib/*/*.[ch] | grep -v /event/catalogue) \
	    "$CAFE_TOP"/cmd/*.c "$CAFE_TOP"/cmd/common/*.[ch]
	assert_failure 1
	assert_output ''
}

@test "cafe-log(5) names every table the code creates" {
	local text table
	text=$(render "$CAFE_TOP/man/man5/cafe-log.5")
	for table in $(grep -ohE 'CREATE TABLE IF NOT EXISTS [a-z_.]+' "$CAFE_TOP"/lib/*/*.c |
	    sed 's/.* //; s/^main\.//' | sort -u); do
		grep -qw -- "$table" <<<"$text" || fail "cafe-log(5) does not name table $table"
	done
}

@test "every error message of a usage mistake says where to look" {
	for p in $PROGRAMS; do
		[ -x "$CAFE_TOP/bin/$p" ] || continue
		run "$p" no-such-verb
		assert_failure 64
		assert_output --partial "$p: "
		assert_output --partial "--help"
		run "$p" --no-such-option
		assert_failure 64
		assert_output --partial "--help"
	done
}

#!/usr/bin/env bats
# 0960-house: the layout the README promises (its "lib/ in layers"),
# checked on the built objects and the sources: the arrows between lib/'s
# folders run one way, no files call each other round, no file grows past
# about 800 lines, transactions are spelled only in lib/store, and cmd/
# holds no SQL.

load helpers/setup

@test "lib/ in layers: no file uses a folder listed after its own, and no files call each other round" {
	command -v nm >/dev/null || skip "nm is missing (binutils)"
	run file-graph "$CAFE_BUILD_DIR"
	assert_success
	assert_output --regexp '^[0-9]+ files, [0-9]+ arrows$'
}

@test "no source file over 800 lines" {
	cd "$CAFE_TOP"
	run bash -c "wc -l lib/*/*.[ch] cmd/*.c cmd/common/*.[ch] | awk '\$2 != \"total\" && \$1 > 800'"
	assert_success
	assert_output ""
}

@test "BEGIN, COMMIT and SAVEPOINT are spelled only in lib/store; cmd/ holds no SQL" {
	cd "$CAFE_TOP"
	run bash -c "grep -rn '\"\\(BEGIN\\|COMMIT\\|SAVEPOINT\\|ROLLBACK\\|RELEASE\\)' lib cmd | grep -v '^lib/store/'"
	assert_output ""
	run bash -c "grep -rn '\"\\(SELECT\\|INSERT\\|UPDATE\\|DELETE\\|CREATE\\) ' cmd"
	assert_output ""
}

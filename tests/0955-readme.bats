#!/usr/bin/env bats
# 0955-readme: what the README promises about the project's own files:
# the license it names is there, and the log's schema version in
# cafe-log(5) is the one `cafe-log init` makes.

load helpers/setup

bats_require_minimum_version 1.5.0

@test "the license the README names is the LICENSE file" {
	grep -q '^ISC License$' "$CAFE_TOP/LICENSE"
	grep -q '^ISC (the `LICENSE` file)' "$CAFE_TOP/README.md"
}

@test "cafe-log(5) gives the schema version that init makes" {
	run --separate-stderr cafe-log init
	assert_success
	version=$(sed -n "s/.*(schema version \([0-9]*\))$/\1/p" <<<"$stderr")
	[ -n "$version" ]
	grep -q "^(now $version: " "$CAFE_TOP/man/man5/cafe-log.5"
}

@test "the README's program table names every program there is" {
	for c in "$CAFE_TOP"/cmd/cafe-*.c; do
		p=$(basename "$c" .c)
		grep -q "^| \`$p\` " "$CAFE_TOP/README.md" || { echo "README lacks $p" >&2; return 1; }
	done
}

@test "make demo installs only what the build needs; make check what the tests need too" {
	vars=$(make -C "$CAFE_TOP" -pn demo 2>/dev/null)
	build=$(sed -n 's/^BUILD_DEPS = //p' <<<"$vars")
	[ -n "$build" ]
	for heavy in chromium postgresql clang debootstrap tmux bats; do
		if grep -qw "$heavy" <<<"$build"; then
			echo "BUILD_DEPS has $heavy" >&2
			return 1
		fi
	done
	grep -q '^demo: build-deps' "$CAFE_TOP/Makefile"
	grep -q '^check: deps' "$CAFE_TOP/Makefile"
}

# Loaded by every bats file: `load helpers/setup`.
# Each test gets its own temp dir with its own database, HOME and XDG dirs,
# and runs the built programs in bin/ (plain or sanitizer build: whatever
# `make` built last; CAFE_BUILD names the build dir for test drivers).

bats_load_library bats-support
bats_load_library bats-assert

CAFE_TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
CAFE_BUILD_DIR="$CAFE_TOP/${CAFE_BUILD:-build}"
CAFE_HELPERS="$CAFE_TOP/tests/helpers"
PATH="$CAFE_TOP/bin:$CAFE_BUILD_DIR/tests:$CAFE_HELPERS:$PATH"
export PATH
source "$(dirname "${BASH_SOURCE[0]}")/db.bash"

setup() {
	T="$BATS_TEST_TMPDIR"
	export HOME="$T/home" XDG_CONFIG_HOME="$T/home/.config" XDG_DATA_HOME="$T/home/.local/share"
	mkdir -p "$HOME"
	CAFE_DB=$(test_db) || return 1
	export CAFE_DB
	unset CAFE_CONFIG NO_COLOR
	export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=99"
	export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=98"
	if declare -F local_setup >/dev/null; then local_setup; fi
}

# Writes a config file and points CAFE_CONFIG at it: `use_config <<EOF ... EOF`.
use_config() {
	cat > "$T/config.yaml"
	export CAFE_CONFIG="$T/config.yaml"
}

# Waits until a shell condition holds, for at most $2 seconds (default 10).
wait_for() {
	local cond=$1 limit=${2:-10} deadline
	deadline=$(( $(date +%s%N) / 1000000 + limit * 1000 ))
	until eval "$cond"; do
		if [ $(( $(date +%s%N) / 1000000 )) -ge "$deadline" ]; then
			echo "timed out after ${limit}s waiting for: $cond" >&2
			return 1
		fi
		sleep 0.02
	done
}

# faked FAKETIME-ARGS... -- COMMAND...: runs COMMAND with its clock as
# faketime(1) sets it ('2026-12-01 14:30:00 KST', -f '@2026-12-01
# 14:30:00', -f -31m), under any build (libfaketime goes ahead of a
# sanitizer's runtime). On PostgreSQL an event takes the server's clock,
# not the program's: the same offset goes to the server's clock for the
# command's session (cafe.clock_offset_ms, lib/store/log-pg.c).
faked() {
	local fargs=() off
	while [ $# -gt 0 ] && [ "$1" != -- ]; do fargs+=("$1"); shift; done
	shift
	off=$(( $(faketime "${fargs[@]}" date +%s%3N) - $(date +%s%3N) ))
	PGOPTIONS="${PGOPTIONS:-} -c cafe.clock_offset_ms=$off" \
	    ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0" faketime "${fargs[@]}" "$@"
}

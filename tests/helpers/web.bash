# web.bash - cafe-web for the tests (7000-web, 7100-web-order): a server
# on a free port of its own, stopped by the daemon helper's teardown.

# web [ARGS...]: cafe-web on a free port of its own; URL is its base.
web() {
	local i
	for i in 1 2 3 4 5; do
		PORT=$(( 20000 + (RANDOM * 7 + BATS_TEST_NUMBER * 131 + i) % 40000 ))
		cafe-web --listen "127.0.0.1:$PORT" "$@" >/dev/null 2>>"$T/web.err" 3>&- &
		WEB=$!
		DAEMONS+=("$WEB")
		URL=http://127.0.0.1:$PORT
		if wait_for "curl -s -o /dev/null $URL/style.css || ! alive $WEB"; then
			alive "$WEB" && return 0
		fi
	done
	fail "cafe-web did not start: $(cat "$T/web.err")"
}

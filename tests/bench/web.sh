#!/bin/bash
# web.sh - cafe-web under load (issue 15), each against a floor on the
# same server in the same rounds:
#  - order pages per second (ab, keep-alive, WEB_CONCURRENCY 4) against
#    its static /style.css, rounds interleaved: static, page, static...
#    Goal: pages >= 50% of static.
#  - the 404 of a made-up link for an order that exists against one for
#    an order that does not: the ratio should be 1 (nothing is looked up
#    before the tag is checked).
#  - WEB_CLIENTS (100) event-stream clients of the pick-up board
#    (tests/helpers/bench-sse): from a commit (cafe-deliver ready) to
#    every client having the new board, WEB_COMMITS (20) times.
#    Goal: p99 <= 50 ms.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${WEB_ROUNDS:-5}
reqs=${WEB_REQUESTS:-4000}
conc=${WEB_CONCURRENCY:-4}
clients=${WEB_CLIENTS:-100}
commits=${WEB_COMMITS:-20}
command -v ab >/dev/null || { echo "web.sh: ab is missing (make deps: apache2-utils)" >&2; exit 1; }
work=$(mktemp -d)
web=
trap '[ -z "$web" ] || kill "$web" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
export HOME=$work XDG_CONFIG_HOME=$work/config CAFE_DB=$work/cafe.db
unset CAFE_CONFIG
PATH=$top/bin:$top/build/tests:$PATH

for i in $(seq $((commits + 5))); do
	link=$(cafe-order --json place latte:2+large tea --customer "c$i" | jq -r .link)
	[ "$i" != 1 ] || first=$link
done
cafe-daemon -q run --once
port=$(( 30000 + $$ % 20000 ))
cafe-web -q --listen "127.0.0.1:$port" --max-connections 1024 &
web=$!
base=http://127.0.0.1:$port
until curl -s -o /dev/null "$base/style.css"; do sleep 0.05; done
page=$base/o/${first##*/}
zeros=00000000000000000000000000000000

rps() {	# URL: requests per second
	ab -q -k -c "$conc" -n "$reqs" "$1" 2>/dev/null | awk '/^Requests per second/ { print $4 }'
}
med() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
: >"$work/page" ; : >"$work/nf"
for r in $(seq "$rounds"); do
	s=$(rps "$base/style.css")
	p=$(rps "$page")
	a=$(rps "$base/o/1-$zeros")
	b=$(rps "$base/o/999999-$zeros")
	printf 'round %d: static %s/s, order page %s/s (%.2fx); 404 of order 1 %s/s, of order 999999 %s/s (%.2fx)\n' \
	    "$r" "$s" "$p" "$(echo "$p / $s" | bc -l)" "$a" "$b" "$(echo "$a / $b" | bc -l)"
	echo "$p / $s" | bc -l >>"$work/page"
	echo "$a / $b" | bc -l >>"$work/nf"
done
printf 'order page: median of round ratios %.2fx the static file (goal >= 0.50)\n' "$(med <"$work/page")"
printf '404s: an existing order'"'"'s made-up link against a missing one'"'"'s: %.2fx\n' "$(med <"$work/nf")"
set -- $(bench-sse "$port" /events "$clients" "$commits" cafe-deliver -q ready)
printf 'event streams: %d clients, %d commits: commit to every client p50 %s ms, p99 %s ms, max %s ms (goal p99 <= 50)\n' \
    "$clients" "$commits" "$1" "$2" "$3"

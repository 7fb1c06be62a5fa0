#!/bin/bash
# web-order.sh - ordering on cafe-web (issue 26), each against its floor
# in the same rounds, interleaved:
#  - a web order (POST /orders, JSON, to its 201; the sim processor; one
#    curl keeping its connection, as a phone's browser does) against
#    `cafe-order place` of the same items (mocha, whose stock is not counted), WEB_ORDERS (50) of each
#    per round, one after another. Goal: within 1.3x.
#  - the menu page (GET /menu, ab keep-alive, WEB_CONCURRENCY 4) against
#    the server's static /style.css. Goal: at least 0.5x its requests
#    per second.
#  - WEB_WATCHERS (100) phones each watching its own order's page (an
#    event stream, tests/helpers/bench-sse @FILE), the daemon running:
#    from a commit that changes one watched order (cafe-deliver ready) to
#    its page hearing of it, once per watched order, first with nothing
#    else going on, then while WEB_ORDERERS (8) clients order on the web
#    one after another without pause. Goal: p99 <= 50 ms while they order.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${WEB_ROUNDS:-5}
orders=${WEB_ORDERS:-50}
reqs=${WEB_REQUESTS:-2000}
conc=${WEB_CONCURRENCY:-4}
command -v ab >/dev/null || { echo "web-order.sh: ab is missing (make deps: apache2-utils)" >&2; exit 1; }
work=$(mktemp -d)
web=
trap '[ -z "$web" ] || kill "$web" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
export HOME=$work XDG_CONFIG_HOME=$work/config CAFE_DB=$work/cafe.db
cat >"$work/cafe.yaml" <<EOC
web: {ordering: true, orders_per_minute: 10000}
EOC
export CAFE_CONFIG=$work/cafe.yaml
PATH=$top/bin:$top/build/tests:$PATH

cafe-order place tea -q
port=$(( 30000 + $$ % 20000 ))
cafe-web -q --listen "0.0.0.0:$port" &
web=$!
base=http://127.0.0.1:$port
until curl -s -o /dev/null "$base/style.css"; do sleep 0.05; done
body='{"items":[{"product":"mocha","qty":2,"options":["large","oat"]},{"product":"tea"}],"customer":"kim"}'

ms() { echo $(( $(date +%s%N) / 1000000 )); }
web_orders() {
	local i t0
	t0=$(ms)
	# One client that keeps its connection, as a phone's browser does:
	# the orders one after another, the codes read after.
	curl -s -w '%{stderr}%{http_code}\n' -H 'Content-Type: application/json' \
	    --data-binary "$body" $(for i in $(seq "$orders"); do echo "$base/orders"; done) \
	    2>>"$work/codes" >/dev/null
	echo $(( $(ms) - t0 ))
}
counter_orders() {
	local i t0
	t0=$(ms)
	for i in $(seq "$orders"); do
		cafe-order place mocha:2+large+oat tea --customer kim -q
	done
	echo $(( $(ms) - t0 ))
}
rps() {	# URL: requests per second
	ab -q -k -c "$conc" -n "$reqs" "$1" 2>/dev/null | awk '/^Requests per second/ { print $4 }'
}
med() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
: >"$work/place"; : >"$work/menu"
for r in $(seq "$rounds"); do
	c=$(counter_orders)
	w=$(web_orders)
	s=$(rps "$base/style.css")
	m=$(rps "$base/menu")
	printf 'round %d: cafe-order place %d ms, web order %d ms (%.2fx) for %d orders; static %s/s, menu %s/s (%.2fx)\n' \
	    "$r" "$c" "$w" "$(echo "$w / $c" | bc -l)" "$orders" "$s" "$m" "$(echo "$m / $s" | bc -l)"
	echo "$w / $c" | bc -l >>"$work/place"
	echo "$m / $s" | bc -l >>"$work/menu"
done
if grep -qv '^201$' "$work/codes"; then
	echo "web-order.sh: a web order was refused: $(sort "$work/codes" | uniq -c | tr '\n' ' ')" >&2
	exit 1
fi
printf 'web order: median of round ratios %.2fx cafe-order place (goal <= 1.30)\n' "$(med <"$work/place")"
printf 'menu page: median of round ratios %.2fx the static file (goal >= 0.50)\n' "$(med <"$work/menu")"

# Phones watching their orders while others order.
watchers=${WEB_WATCHERS:-100}
orderers=${WEB_ORDERERS:-8}
cafe-daemon -q run &
daemon=$!
trap '[ -z "$web" ] || kill "$web" 2>/dev/null; kill "$daemon" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
for set in quiet busy; do
	: >"$work/$set.paths"; : >"$work/$set.ids"
	for i in $(seq "$watchers"); do
		cafe-order --json place tea --customer "w$i" >"$work/one"
		jq -r .order_id "$work/one" >>"$work/$set.ids"
		jq -r '.link | sub("^https?://[^/]+"; "") + "/events"' "$work/one" >>"$work/$set.paths"
	done
	printf '#!/bin/sh\nexec cafe-deliver -q ready "$(sed -n "${1}p" %s)"\n' "$work/$set.ids" \
	    >"$work/$set.step"
	chmod +x "$work/$set.step"
done
# Every watched order is being made before its page is watched.
last=$(tail -1 "$work/busy.ids")
until [ "$(cafe-trace --json list | jq -r "select(.order_id == $last) | .delivery_status")" = brewing ]; do
	sleep 0.05
done
# The phones each have an address apart from the orderers' (each
# address may hold 128 connections), one per phase: the first phase's
# streams are let go by the server only at their next keep-alive.
set -- $(BENCH_SSE_FROM=127.0.0.2 bench-sse "$port" "@$work/quiet.paths" "$watchers" "$watchers" \
    "$work/quiet.step")
printf 'watching: %d phones, nothing else: commit to its page p50 %s ms, p99 %s ms, max %s ms\n' \
    "$watchers" "$1" "$2" "$3"
: >"$work/busy.codes"
touch "$work/ordering"
for o in $(seq "$orderers"); do
	while [ -e "$work/ordering" ]; do
		curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
		    --data-binary '{"items":[{"product":"tea"}]}' \
		    $(for i in $(seq 20); do echo "$base/orders"; done) >>"$work/busy.codes"
	done &
done
sleep 1
set -- $(BENCH_SSE_FROM=127.0.0.3 bench-sse "$port" "@$work/busy.paths" "$watchers" "$watchers" \
    "$work/busy.step")
rm -f "$work/ordering"
wait $(jobs -p | grep -v "^$web\$" | grep -v "^$daemon\$") 2>/dev/null || :
printf 'watching: %d phones while %d clients order (%d orders placed meanwhile): p50 %s ms, p99 %s ms, max %s ms (goal p99 <= 50)\n' \
    "$watchers" "$orderers" "$(grep -c '^201$' "$work/busy.codes")" "$1" "$2" "$3"

#!/usr/bin/env bats
# 0020-config: reading cafe.yaml(5) - lookup order, defaults, every value
# that DESIGN §7 allows, and errors that name the file, the line and the key.

bats_load_library bats-support
bats_load_library bats-assert

setup() {
	case ${CAFE_BUILD:-build} in
	/*) DUMP=${CAFE_BUILD}/tests/config-dump ;;
	*) DUMP=$BATS_TEST_DIRNAME/../${CAFE_BUILD:-build}/tests/config-dump ;;
	esac
	export HOME=$BATS_TEST_TMPDIR/home
	export XDG_CONFIG_HOME=$BATS_TEST_TMPDIR/xdg
	mkdir -p "$HOME" "$XDG_CONFIG_HOME"
	unset CAFE_CONFIG
	F=$BATS_TEST_TMPDIR/cafe.yaml
}

# Writes its arguments, one a line, to $F.
config() {
	printf '%s\n' "$@" >"$F"
}

# Expects config-dump $F to fail with 78 and exactly the message given.
fails_with() {
	run "$DUMP" "$F"
	assert_failure 78
	assert_output "config-dump: $1"
}

@test "no file anywhere: built-in defaults" {
	[ ! -e /etc/cafe/config.yaml ] || skip "/etc/cafe/config.yaml exists"
	run "$DUMP"
	assert_success
	run jq -c '[.path, .db, .currency, .durability, .payment.processor,
	    .payment.timeout_ms, .payment.sim, .payment.breaker, .notify,
	    .daemon]' <<<"$output"
	assert_output '[null,null,"KRW","full","sim",610,{"latency_ms":0,"jitter_ms":0,"failure_rate":0,"decline_over":0,"seed":1},{"window":20,"min_calls":5,"failure_rate":50,"slow_call_ms":610,"open_ms":5000,"half_open_calls":3},{"channels":[],"retry":{"max_attempts":5,"backoff_ms":1000},"templates":{}},{"poll_ms":50,"lease_ms":5000,"reconcile_after_ms":60000,"lag_alert":1000,"lag_alert_ms":300000}]'
	run "$DUMP"
	run jq -c '.menu' <<<"$output"
	assert_output '[{"name":"americano","code":null,"price":3000,"stock":100,"options":["size"]},{"name":"latte","code":null,"price":4000,"stock":100,"options":["size","milk"]},{"name":"mocha","code":null,"price":4500,"stock":null,"options":["size","milk"]},{"name":"tea","code":null,"price":2500,"stock":null,"options":[]}]'
	run "$DUMP"
	run jq -c '[.options, .timezone, .tax]' <<<"$output"
	assert_output '[{"size":{"regular":0,"large":500},"milk":{"whole":0,"oat":600}},null,{"rate_percent":0,"included":true}]'
}

@test "an empty file or one with only comments gives the defaults" {
	: >"$F"
	run "$DUMP" "$F"
	assert_success
	run jq -r '.path + " " + .currency + " " + (.menu | length | tostring)' <<<"$output"
	assert_output "$F KRW 4"
	config '# nothing here yet' '---'
	run "$DUMP" "$F"
	assert_success
}

@test "a full file in block and flow style" {
	config \
	    'db: /var/lib/cafe/cafe.db' \
	    'currency: EUR' \
	    'durability: normal' \
	    'menu:                          # smallest unit of the currency' \
	    '  - {name: americano, price: 3000, stock: 100}' \
	    '  - {name: latte, price: 4000}' \
	    '  - name: flat-white_2' \
	    '    price: 4200' \
	    '    stock: 0' \
	    'payment:' \
	    '  processor: command' \
	    '  command: [/usr/local/bin/card-terminal, --json]' \
	    '  timeout_ms: 700' \
	    '  sim: {latency_ms: 5, jitter_ms: 2, failure_rate: 0.25, decline_over: 100000, seed: -7}' \
	    '  breaker: {window: 30, min_calls: 6, failure_rate: 40, slow_call_ms: 900,' \
	    '            open_ms: 6000, half_open_calls: 2}' \
	    'notify:' \
	    '  channels:' \
	    '    - {type: file, path: /var/log/cafe/messages.log}' \
	    '    - {type: command, command: [/usr/sbin/sendmail, -t]}' \
	    '    - {type: stdout}' \
	    '  retry: {max_attempts: 7, backoff_ms: 0}' \
	    '  templates: {DeliveryStarted: "Order {order_id}: your {product} is being made",' \
	    '              DrinkReady: "커피 {qty}잔, {customer}"}' \
	    'daemon: {poll_ms: 10, lease_ms: 2000, reconcile_after_ms: 0, lag_alert: 5}' \
	    'kitchen: {prep_ms: 600000}' \
	    'hours: {open: "07:30", close: "24:00"}' \
	    'language: ko'
	run "$DUMP" "$F"
	assert_success
	run jq -c '.path = "F" | del(.options, .timezone, .tax) | .menu |= map(del(.code, .options))' <<<"$output"
	assert_output '{"path":"F","db":"/var/lib/cafe/cafe.db","currency":"EUR","durability":"normal","menu":[{"name":"americano","price":3000,"stock":100},{"name":"latte","price":4000,"stock":null},{"name":"flat-white_2","price":4200,"stock":0}],"payment":{"processor":"command","command":["/usr/local/bin/card-terminal","--json"],"timeout_ms":700,"sim":{"latency_ms":5,"jitter_ms":2,"failure_rate":0.25,"decline_over":100000,"seed":-7},"breaker":{"window":30,"min_calls":6,"failure_rate":40,"slow_call_ms":900,"open_ms":6000,"half_open_calls":2}},"notify":{"channels":[{"type":"file","path":"/var/log/cafe/messages.log"},{"type":"command","command":["/usr/sbin/sendmail","-t"]},{"type":"stdout"}],"retry":{"max_attempts":7,"backoff_ms":0},"templates":{"DeliveryStarted":"Order {order_id}: your {product} is being made","DrinkReady":"커피 {qty}잔, {customer}"}},"daemon":{"poll_ms":10,"lease_ms":2000,"reconcile_after_ms":0,"lag_alert":5,"lag_alert_ms":300000},"kitchen":{"late_after_ms":600000,"prep_ms":600000},"language":"ko","hours":{"open_min":450,"close_min":1440},"staff":{"managers_group":null,"refund_limit":0},"printer":{"device":null,"command":null,"codepage":null,"width":42},"web":{"cash":false}}'
}

@test "a Korean menu with codes, choices, tax and a time zone" {
	config 'timezone: Asia/Seoul' 'tax: {rate_percent: 10, included: true}' \
	    'menu:' '  - {name: 카페라떼, code: klatte, price: 4500, options: [size]}' \
	    '  - {name: "☕ drip coffee", price: 3000}' \
	    'options: {size: {레귤러: 0, 라지: 700}}'
	run "$DUMP" "$F"
	assert_success
	run jq -c '[.timezone, .tax, .menu, .options]' <<<"$output"
	assert_output '["Asia/Seoul",{"rate_percent":10,"included":true},[{"name":"카페라떼","code":"klatte","price":4500,"stock":null,"options":["size"]},{"name":"☕ drip coffee","code":null,"price":3000,"stock":null,"options":[]}],{"size":{"레귤러":0,"라지":700}}]'
}

@test "keys left out or null keep their defaults" {
	config 'payment:' '  breaker: {window: 7}' 'notify:' 'daemon: {poll_ms: ~}'
	run "$DUMP" "$F"
	assert_success
	run jq -c '[.payment.breaker.window, .payment.breaker.min_calls,
	    .notify.retry.max_attempts, .daemon.poll_ms, (.menu | length)]' <<<"$output"
	assert_output '[7,5,5,50,4]'
}

@test "unknown key, at the top and deeper down" {
	config 'db: /tmp/x.db' '' 'paymnt: {}'
	fails_with "$F:3: paymnt: unknown key (see cafe.yaml(5))"
	config 'payment:' '  sim:' '    seed: 3' '    latncy_ms: 5'
	fails_with "$F:4: payment.sim.latncy_ms: unknown key (see cafe.yaml(5))"
	config 'menu:' '  - {name: latte, price: 4000, prise: 1}'
	fails_with "$F:2: menu[0].prise: unknown key (see cafe.yaml(5))"
}

@test "wrong type" {
	config 'currency: KRW' '' '' 'menu: {name: latte}'
	fails_with "$F:4: menu: must be a list, not a map"
	config 'payment:' '  breaker: [1, 2]'
	fails_with "$F:2: payment.breaker: must be a map, not a list"
	config 'payment: {command: /bin/pay}'
	fails_with "$F:1: payment.command: must be a list of strings, not '/bin/pay'"
	config '- db: x'
	fails_with "$F:1: top level: must be a map of keys, not a list (see cafe.yaml(5))"
}

@test "bad values" {
	config 'payment:' '  breaker:' '    min_calls: 2' '' '' '' '    window: abc'
	fails_with "$F:7: payment.breaker.window: must be a whole number from 1 to 1000000, not 'abc'"
	# A breaker that needs more calls than its window holds could never
	# open (it was clamped): refused, at the line of min_calls.
	config 'payment:' '  breaker:' '    min_calls: 30' '    window: 20'
	fails_with "$F:3: payment.breaker.min_calls: is 30, more than the window of 20 calls: the breaker could never open"
	config 'payment:' '  breaker: {window: 3}'
	run "$DUMP" "$F"
	assert_success
	assert_equal "$(jq -c '.payment.breaker | [.window, .min_calls]' <<<"$output")" '[3,3]'
	config 'payment: {breaker: {window: 12x}}'
	fails_with "$F:1: payment.breaker.window: must be a whole number from 1 to 1000000, not '12x'"
	config 'payment: {timeout_ms: 1.5}'
	fails_with "$F:1: payment.timeout_ms: must be a whole number from 1 to 86400000, not '1.5'"
	config 'payment: {breaker: {failure_rate: 101}}'
	fails_with "$F:1: payment.breaker.failure_rate: must be a whole number from 1 to 100, not '101'"
	config 'payment: {sim: {failure_rate: 1.5}}'
	fails_with "$F:1: payment.sim.failure_rate: must be a number from 0 to 1, not '1.5'"
	config 'payment: {processor: cash}'
	fails_with "$F:1: payment.processor: must be sim or command, not 'cash'"
	config 'durability: fast'
	fails_with "$F:1: durability: must be full or normal, not 'fast'"
	config 'menu:' '  - {name: latte, price: 0}'
	fails_with "$F:2: menu[0].price: must be a whole number from 1 to 1000000000000, not '0'"
	config 'menu:' '  - {name: latte, price: 10, stock: -1}'
	fails_with "$F:2: menu[0].stock: must be a whole number from 0 to 1000000000, not '-1'"
	config 'menu:' '  - {name: "la:tte", price: 10}'
	fails_with "$F:2: menu[0].name: must be text of at most 40 characters without ':', '+' or ',' (not starting with '-'), not 'la:tte'"
	config 'menu:' '  - {name: "-latte", price: 10}'
	fails_with "$F:2: menu[0].name: must be text of at most 40 characters without ':', '+' or ',' (not starting with '-'), not '-latte'"
	config 'menu:' '  - {name: 카페라떼, code: Klatte, price: 10}'
	fails_with "$F:2: menu[0].code: must be a word of a-z, 0-9, '_' and '-' starting with a letter (at most 32), not 'Klatte'"
	config 'menu:' '  - {name: latte, price: 10}' '  - {name: 카페라떼, code: latte, price: 20}'
	fails_with "$F:3: menu[1].code: 'latte' is on the menu twice"
	config 'menu:' '  - {name: latte, price: 10, options: [size, syrup]}'
	fails_with "$F:2: menu[0].options: no option group 'syrup' (see options: in cafe.yaml(5))"
	config 'options: {size: {small: 0, large: 500}, milk: {large: 100}}'
	fails_with "$F:1: options.milk.large: choice 'large' is offered twice (a choice's name says its group)"
	config 'options: {size: {}}'
	fails_with "$F:1: options.size: must list from 1 to 8 choices (the first is the default), not 0"
	config 'options: {size: {large: -5}}'
	fails_with "$F:1: options.size.large: must be a whole number from 0 to 1000000000000, not '-5'"
	config 'tax: {rate_percent: 101}'
	fails_with "$F:1: tax.rate_percent: must be a whole number from 0 to 100, not '101'"
	config 'tax: {included: maybe}'
	fails_with "$F:1: tax.included: must be true or false, not 'maybe'"
	config 'timezone: Mars/Olympus'
	fails_with "$F:1: timezone: must be a time zone such as Asia/Seoul or UTC (one of /usr/share/zoneinfo), not 'Mars/Olympus'"
	config 'timezone: ../../etc/passwd'
	fails_with "$F:1: timezone: must be a time zone such as Asia/Seoul or UTC (one of /usr/share/zoneinfo), not '../../etc/passwd'"
	config 'menu:' '  - {name: latte, price: 10}' '  - {name: latte, price: 20}'
	fails_with "$F:3: menu[1].name: 'latte' is on the menu twice"
	config 'menu:' '  - {name: latte}'
	fails_with "$F:2: menu[0].price: missing (every product needs a name and a price)"
	config 'notify:' '  channels:' '    - {type: file}'
	fails_with "$F:3: notify.channels[0].path: missing (a file channel needs a path)"
	config 'notify: {retry: {max_attempts: 0}}'
	fails_with "$F:1: notify.retry.max_attempts: must be a whole number from 1 to 1000, not '0'"
	config 'daemon: {poll_ms: 0}'
	fails_with "$F:1: daemon.poll_ms: must be a whole number from 1 to 86400000, not '0'"
	config 'db: "cafe\u0001.db"'
	fails_with "$F:1: db: must be text without control characters, not 'cafe?.db'"
}

@test "template with an unknown placeholder or event" {
	config 'notify:' '  templates:' '    DrinkReady: "{product} for {customer}"' \
	    '    DeliveryStarted: "Order {order_id}: {foo}"'
	fails_with "$F:4: notify.templates.DeliveryStarted: unknown placeholder '{foo}' (known: {order_id} {product} {items} {qty} {customer} {amount} {status} {rider})"
	config 'notify:' '  templates: {OrderPlaced: "thanks"}'
	fails_with "$F:2: notify.templates.OrderPlaced: not an event that sends a message (PaymentApproved, PaymentRefunded, RefundFailed, DeliveryStarted, DrinkReady, DeliveryDispatched, DeliveryCompleted, DeliveryCancelled, OrderReturned, OrderRejected)"
}

@test "duplicate key" {
	config 'payment:' '  timeout_ms: 100' '  sim: {seed: 1}' '  timeout_ms: 200'
	fails_with "$F:4: payment.timeout_ms: duplicate key (first at line 2)"
	config 'daemon: {poll_ms: 1, poll_ms: 2}'
	fails_with "$F:1: daemon.poll_ms: duplicate key (first at line 1)"
}

@test "YAML syntax error" {
	config 'menu:' '  - {name: latte, price: 4000' 'db: x'
	run "$DUMP" "$F"
	assert_failure 78
	assert_output --regexp "^config-dump: $F:[0-9]+: YAML syntax error: .+"
	config 'db: a: b'
	fails_with "$F:1: YAML syntax error: mapping values are not allowed in this context"
	config 'db: x' '---' 'db: y'
	fails_with "$F:2: YAML syntax error: a second document (a file holds only one)"
}

@test "command processor without a command" {
	config 'payment:' '  timeout_ms: 100' '  processor: command'
	fails_with "$F:3: payment.command: required when processor is command (a list: program and arguments)"
	config 'payment: {processor: command, command: []}'
	fails_with "$F:1: payment.command: must name a program to run"
}

@test "an explicit file that does not exist or cannot be read" {
	run "$DUMP" "$BATS_TEST_TMPDIR/nope.yaml"
	assert_failure 78
	assert_output "config-dump: $BATS_TEST_TMPDIR/nope.yaml: cannot read: No such file or directory"
	run "$DUMP" "$BATS_TEST_TMPDIR"
	assert_failure 78
	assert_output "config-dump: $BATS_TEST_TMPDIR: cannot read: Is a directory"
	CAFE_CONFIG=$BATS_TEST_TMPDIR/nope.yaml run "$DUMP"
	assert_failure 78
	assert_output "config-dump: $BATS_TEST_TMPDIR/nope.yaml: cannot read: No such file or directory"
}

@test "\$CAFE_CONFIG is read, and an explicit path wins over it" {
	config 'currency: USD'
	mkdir -p "$XDG_CONFIG_HOME/cafe"
	printf 'currency: JPY\n' >"$XDG_CONFIG_HOME/cafe/config.yaml"
	CAFE_CONFIG=$F run "$DUMP"
	assert_success
	run jq -r '.path + " " + .currency' <<<"$output"
	assert_output "$F USD"
	printf 'currency: EUR\n' >"$BATS_TEST_TMPDIR/other.yaml"
	CAFE_CONFIG=$F run "$DUMP" "$BATS_TEST_TMPDIR/other.yaml"
	assert_success
	run jq -r '.currency' <<<"$output"
	assert_output EUR
}

@test "XDG lookup: \$XDG_CONFIG_HOME, else ~/.config" {
	mkdir -p "$XDG_CONFIG_HOME/cafe" "$HOME/.config/cafe"
	printf 'currency: JPY\n' >"$XDG_CONFIG_HOME/cafe/config.yaml"
	printf 'currency: GBP\n' >"$HOME/.config/cafe/config.yaml"
	run "$DUMP"
	assert_success
	run jq -r '.path + " " + .currency' <<<"$output"
	assert_output "$XDG_CONFIG_HOME/cafe/config.yaml JPY"
	XDG_CONFIG_HOME= run "$DUMP"
	assert_success
	run jq -r '.path + " " + .currency' <<<"$output"
	assert_output "$HOME/.config/cafe/config.yaml GBP"
	printf 'currency: [x]\n' >"$XDG_CONFIG_HOME/cafe/config.yaml"
	run "$DUMP"
	assert_failure 78
	assert_output "config-dump: $XDG_CONFIG_HOME/cafe/config.yaml:1: currency: must be a string, not a list"
}

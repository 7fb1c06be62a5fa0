#!/usr/bin/env bats
# 4050-trace-report: cafe-trace report, the business day's close-out in
# the shop's time zone: its JSON fields (DESIGN §11), CSV, text, and one
# self-contained HTML page rendered by a real headless browser.

load helpers/setup
load helpers/foundation

bats_require_minimum_version 1.5.0

at() {	# "YYYY-MM-DD HH:MM:SS" (UTC) COMMAND...: the command at that instant
	local when=$1
	shift
	TZ=UTC faked -f "@$when" -- "$@"
}

# A day in Seoul: an order just before its midnight (the day before), two
# on the day, one partly refunded that day, one cancelled and refunded.
the_day() {
	use_config <<-EOF
	timezone: Asia/Seoul
	tax: {rate_percent: 10, included: true}
	EOF
	at '2026-11-30 14:30:00' cafe-order place tea >/dev/null           # 23:30 KST, 30 Nov
	at '2026-11-30 15:30:00' cafe-order place latte:2+oat americano >/dev/null  # 00:30
	at '2026-11-30 16:10:00' cafe-order place mocha --customer lee >/dev/null   # 01:10
	at '2026-11-30 16:20:00' cafe-pay refund 2 --amount 600 --reason 'no oat' >/dev/null
	at '2026-11-30 16:30:00' cafe-order cancel 3 >/dev/null
	at '2026-11-30 16:40:00' cafe-daemon -q run --once
}

@test "report --format json: the day's counts and money in the shop's time zone" {
	the_day
	run --separate-stderr cafe-trace report --day 2026-12-01 --format json
	assert_success
	run jq -c 'del(.products, .hours)' <<<"$output"
	assert_output '{"day":"2026-12-01","timezone":"Asia/Seoul","currency":"KRW","orders":2,"drinks":4,"gross":16700,"refunds":5100,"voids":0,"owed":0,"net":11600,"tax":1054,"cancelled":1,"rejected":0,"shop":"main","tenders":{"card":16700,"cash":0},"cash_refunds":0,"till":null}'
	run cafe-trace --json report --day 2026-12-01
	run jq -c '.products' <<<"$output"
	assert_output '[{"product":"latte","drinks":2,"revenue":9200},{"product":"mocha","drinks":1,"revenue":4500},{"product":"americano","drinks":1,"revenue":3000}]'
	run cafe-trace --json report --day 2026-12-01
	run jq -c '.hours' <<<"$output"
	assert_output '[{"hour":"2026-11-30T15:00:00.000Z","orders":1,"gross":12200},{"hour":"2026-11-30T16:00:00.000Z","orders":1,"gross":4500}]'
	# The day before holds the tea only.
	run cafe-trace --json report --day 2026-11-30
	run jq -c '[.orders, .gross, .products]' <<<"$output"
	assert_output '[1,2500,[{"product":"tea","drinks":1,"revenue":2500}]]'
	# Today, when no day is given.
	run cafe-trace --json report
	assert_equal "$(jq -r .day <<<"$output")" "$(TZ=Asia/Seoul date +%F)"
}

@test "the tax in net shrinks with refunds, whether prices include it or not" {
	for included in true false; do
		db_remove
		use_config <<-EOF
		tax: {rate_percent: 10, included: $included}
		EOF
		cafe-order place tea >/dev/null
		cafe-order place latte >/dev/null
		cafe-order cancel 1 >/dev/null
		cafe-pay refund 2 --amount 1100 >/dev/null
		cafe-daemon -q run --once
		run cafe-trace --json report
		tax=$(jq .tax <<<"$output")
		if [ $included = true ]; then
			# 2,500 with 227 in it, cancelled; 4,000 with 364 in it, 1,100 back (100 of tax).
			assert_equal "$(jq -c '[.gross, .refunds, .net, .tax]' <<<"$output")" '[6500,3600,2900,264]'
		else
			# 2,750 with 250 on top, cancelled; 4,400 with 400 on top, 1,100 back (100 of tax).
			assert_equal "$(jq -c '[.gross, .refunds, .net, .tax]' <<<"$output")" '[7150,3850,3300,300]'
		fi
		run cafe-trace report
		assert_line --partial "  (tax $tax KRW in it)"
	done
}

@test "report as CSV and as text" {
	the_day
	run cafe-trace report --day 2026-12-01 --format csv
	assert_success
	# The products, then the day's tenders (no till was closed that day).
	assert_output "$(printf 'product,drinks,revenue\r\nlatte,2,9200\r\nmocha,1,4500\r\namericano,1,3000\r\ntender:card,,16700\r\ntender:cash,,0\r')"
	run cafe-trace report --day 2026-12-01
	assert_line --index 0 'Close-out of 2026-12-01 (Asia/Seoul)'
	assert_line --regexp '^gross +16,700 KRW$'
	assert_line --regexp '^refunds +-5,100 KRW$'
	assert_line --regexp '^net +11,600 KRW  \(tax 1,054 KRW in it\)$'
	assert_line --regexp '^latte +2 +9,200$'
}

@test "report --format html: one self-contained page a browser shows with its charts" {
	the_day
	command -v chromium >/dev/null || skip "no chromium: run 'make deps'"
	cafe-trace report --day 2026-12-01 --format html >"$T/day.html"
	# Nothing fetched: no script, no style sheet or image from anywhere.
	run grep -Eic '<script|<link|<img|@import|src=|url\(' "$T/day.html"
	assert_output 0
	assert_equal "$(grep -c '<svg' "$T/day.html")" 2
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
	    --user-data-dir="$T/chromium" --no-pdf-header-footer --print-to-pdf="$T/day.pdf" \
	    "file://$T/day.html" 2>/dev/null
	[ -s "$T/day.pdf" ]
	run pdftotext -layout "$T/day.pdf" -
	assert_success
	assert_line --partial 'Close-out of 2026-12-01'
	assert_line --partial 'Asia/Seoul'
	assert_line --regexp 'Net +11,600 KRW'
	assert_line --partial 'Sales per hour'
	assert_line --partial 'Sales per product'
	# The bars' labels, as the browser laid them out: the hours in Seoul.
	assert_line --regexp '00:00 +12,200 KRW'
	assert_line --regexp '01:00 +4,500 KRW'
	assert_line --regexp 'latte +9,200 KRW'
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
	    --user-data-dir="$T/chromium" --window-size=800,900 --screenshot="$T/day.png" \
	    "file://$T/day.html" 2>/dev/null
	[ "$(stat -c %s "$T/day.png")" -gt 10000 ]
}

# The text report padded names by characters (a Korean name shifted its
# row), and the HTML chart cut labels past about 20 characters.
@test "long and Korean product names: text columns line up, the chart shows them whole" {
	long="ethiopia yirgacheffe single origin pour"
	use_config <<-EOF
	timezone: Asia/Seoul
	menu:
	  - {name: 카페라떼, price: 4500}
	  - {name: $long, price: 7000}
	  - {name: tea, price: 2500}
	EOF
	at '2026-11-30 16:10:00' cafe-order place 카페라떼 "$long" tea >/dev/null
	run cafe-trace report --day 2026-12-01
	assert_success
	assert_line "카페라떼$(printf '%16s' '') $(printf '%7s' 1) $(printf '%12s' 4,500)"
	assert_line "tea$(printf '%21s' '') $(printf '%7s' 1) $(printf '%12s' 2,500)"
	assert_line "$long $(printf '%7s' 1) $(printf '%12s' 7,000)"
	command -v chromium >/dev/null || skip "no chromium: run 'make deps'"
	cafe-trace report --day 2026-12-01 --format html >"$T/day.html"
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
	    --user-data-dir="$T/chromium" --no-pdf-header-footer --print-to-pdf="$T/day.pdf" \
	    "file://$T/day.html" 2>/dev/null
	run pdftotext -layout "$T/day.pdf" -
	assert_success
	assert_line --regexp "^ *$long +7,000 KRW"
}

@test "report refuses a bad day or format: 64, one line; a look leaves no database" {
	run --separate-stderr cafe-trace report --day 2026-13-01
	assert_failure 64
	assert_equal "$stderr" "cafe-trace: --day wants a date like 2026-11-22, not '2026-13-01' (see 'cafe-trace --help')"
	run --separate-stderr cafe-trace report --format xml
	assert_failure 64
	assert_equal "$stderr" "cafe-trace: --format wants text, json, csv or html, not 'xml' (see 'cafe-trace --help')"
	run --separate-stderr cafe-trace report --since 2026-11-01
	assert_failure 64
	no_db
	run --separate-stderr cafe-trace --json report --day 2026-12-01
	assert_success
	assert_equal "$(jq -c '[.orders, .gross, .products]' <<<"$output")" '[0,0,[]]'
	no_db
	cafe-order place tea >/dev/null
	before=$(event_count)
	run --separate-stderr cafe-trace report --day 2026-02-30
	assert_failure 64
	assert_equal "$(event_count)" "$before"
}

@test "report and stats for a user who may read the log but not write it" {
	unwritable_dir
	CAFE_DB=$RO/cafe.db cafe-order place latte:2+oat tea >/dev/null
	CAFE_DB=$RO/cafe.db cafe-pay refund 1 --amount 600 >/dev/null
	CAFE_DB=$RO/cafe.db cafe-daemon -q run --once
	make_unwritable "$RO"
	as_other sh -c ": >>'$RO/cafe.db'" 2>/dev/null &&
	    skip "this user can still write '$RO/cafe.db'"
	# Folded into temporary tables: the same answer, nothing written.
	run --separate-stderr as_other "$CAFE_TOP/bin/cafe-trace" --db "$RO/cafe.db" --json report
	assert_success
	assert_equal "$(jq -c '[.orders, .drinks, .gross, .refunds, .products[0]]' <<<"$output")" \
	    '[1,3,11700,600,{"product":"latte","drinks":2,"revenue":9200}]'
	run --separate-stderr as_other "$CAFE_TOP/bin/cafe-trace" --db "$RO/cafe.db" --json stats
	assert_success
	assert_equal "$(jq -c '[.orders, .charged, .refunds, .revenue]' <<<"$output")" \
	    '[1,11700,600,11100]'
}

#!/usr/bin/env bats
# 7110-web-language: customers read cafe in Korean or English (DESIGN §13).
# Pages follow each request's Accept-Language; an order records its
# language (a web order's from Accept-Language, a counter order's from
# --language or the config's language:) and its messages are written in
# it, with amounts as a Korean reads them (4,000원). The words come from
# the gettext catalogue made from po/ko.po.

bats_require_minimum_version 1.5.0
load helpers/setup
load helpers/daemon
load helpers/web

local_setup() {
	command -v curl >/dev/null || skip "curl is missing (make deps)"
	use_config <<<'web: {ordering: true}'
	cafe-log -q init
}

get() {	# PATH LANG: the page as a browser asking for LANG gets it
	curl -s -H "Accept-Language: $2" "$URL$1"
}

order() {	# LANG [JSON]: an order on the web; its link in LINK
	local body='{"items":[{"product":"latte"}]}'
	[ $# -lt 2 ] || body=$2
	curl -s -o "$T/body" -H "Accept-Language: $1" -H 'Content-Type: application/json' \
	    -H "Origin: $URL" --data-binary "$body" "$URL/orders"
	LINK=$(jq -r '.link | sub("^https?://[^/]+"; "")' "$T/body")
}

placed_data() {
	db_sql "SELECT data FROM events WHERE type = 'OrderPlaced' AND stream = 'order-$1'"
}

messages_of() {
	db_sql "SELECT data->>'text' FROM events WHERE type = 'NotificationQueued'
	    AND CAST(data->>'order_id' AS INTEGER) = $1 ORDER BY seq"
}

@test "the menu in Korean for Accept-Language: ko, with amounts in 원; English otherwise" {
	web
	run get /menu 'ko-KR,ko;q=0.9,en-US;q=0.8'
	assert_output --partial '<html lang="ko">'
	assert_output --partial '<title>주문하기</title>'
	assert_output --partial '<span class="price">4,000원</span>'
	assert_output --partial '>주문하고 결제하기</button>'
	run get /menu 'en-US,en;q=0.9,ko;q=0.5'
	assert_output --partial '<html lang="en">'
	assert_output --partial '<span class="price">4,000 KRW</span>'
	assert_output --partial '>Order and pay</button>'
	# Neither named (or none at all): the shop's language.
	run get /menu 'fr-FR'
	assert_output --partial '<html lang="en">'
	run curl -s "$URL/menu"
	assert_output --partial '<html lang="en">'
	# q decides, not the order named in.
	run get /menu 'en;q=0.4, ko;q=0.8'
	assert_output --partial '<html lang="ko">'
	# Answers say they vary with it, so that no cache mixes them.
	run curl -s -D - -o /dev/null "$URL/menu"
	assert_output --regexp $'Vary: Accept, Accept-Language\r'
}

@test "a web order in Korean records ko; its page and its messages are Korean; the same page in English for an English reader" {
	web
	order ko '{"items":[{"product":"latte"}],"customer":"김민지","contact":"kim@example.com"}'
	assert_equal "$(placed_data 1 | jq -r .language)" ko
	order en
	assert_equal "$(placed_data 2 | jq -r .language)" en
	cafe-daemon -q run --once
	run messages_of 1
	assert_line --index 0 '주문 1: latte 4,000원 결제되었습니다. 감사합니다'
	assert_line --index 1 '주문 1: latte 만드는 중입니다'
	run messages_of 2
	assert_line --index 0 'Order 2: thank you, 4,000 KRW received for your latte'
	# DeliveryStarted carries the language, for the message about it.
	assert_equal "$(db_sql "SELECT data->>'language' FROM events WHERE type = 'DeliveryStarted' AND stream = 'delivery-1'")" ko
	order ko
	run get "$LINK" ko
	assert_output --partial '<title>주문 3</title>'
	assert_output --partial '<p class="total">합계 4,000원</p>'
	assert_output --partial '>주문 취소</button>'
	run get "$LINK" en
	assert_output --partial '<title>Order 3</title>'
	assert_output --partial '<p class="total">Total 4,000 KRW</p>'
	run get "$LINK" ko
	assert_output --partial '<title>주문 3</title>'
	# The page's live updates speak the reader's language too.
	run curl -s -N --max-time 3 -H 'Accept-Language: ko' "$URL$LINK/events"
	assert_output --partial '"status":"결제 완료, 주방에서 곧 만듭니다"'
	assert_output --partial '주문 및 결제 완료'
}

@test "the pick-up board in Korean" {
	web
	run get / ko
	assert_output --partial '<h1>만드는 중</h1>'
	assert_output --partial '<h1>준비 완료</h1>'
	assert_output --regexp '<p id="called" class="called" hidden><b id="latest">0</b>번 주문이 준비되었습니다</p>'
	run get / en
	assert_output --partial '<h1>Being made</h1>'
}

@test "a form's refusal is headed in the reader's language; its JSON stays the command line's" {
	use_config <<-EOF
	web: {ordering: true}
	menu:
	  - {name: latte, price: 4000, stock: 0}
	EOF
	web
	before=$(event_count)
	code=$(curl -s -o "$T/page" -w '%{http_code}' -H 'Accept-Language: ko' -H "Origin: $URL" \
	    --data-urlencode 'qty:latte=1' "$URL/orders")
	assert_equal "$code" 409
	run cat "$T/page"
	assert_output --partial '<h1>죄송합니다</h1><p class="headline">품절입니다. 결제된 금액은 없습니다.</p>'
	assert_output --partial '<p id="error">out of stock: no latte left</p>'
	assert_output --partial '>돌아가기</a>'
	assert_equal "$(event_count)" "$before"
}

@test "a counter order: --language ko, else the config's language:, writes its messages in Korean; a language we lack is 65" {
	cafe-order place latte --language ko -q
	cafe-order place tea -q
	cafe-daemon -q run --once
	use_config <<<$'language: ko\nweb: {ordering: true}'
	cafe-order place mocha -q
	cafe-daemon -q run --once
	assert_equal "$(placed_data 1 | jq -r .language)" ko
	assert_equal "$(placed_data 2 | jq 'has("language")')" false
	assert_equal "$(placed_data 3 | jq -r .language)" ko
	run messages_of 1
	assert_line --index 0 '주문 1: latte 4,000원 결제되었습니다. 감사합니다'
	run messages_of 2
	assert_line --index 0 'Order 2: thank you, 2,500 KRW received for your tea'
	run messages_of 3
	assert_line --index 0 '주문 3: mocha 4,500원 결제되었습니다. 감사합니다'
	before=$(event_count)
	run --separate-stderr cafe-order place latte --language fr
	assert_failure 65
	assert_equal "$stderr" "cafe-order: language must be en or ko, not 'fr'"
	assert_equal "$(event_count)" "$before"
	# The web's JSON may say it too, and is held to the same.
	web
	code=$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' \
	    -H "Origin: $URL" --data-binary '{"items":[{"product":"latte"}],"language":"de"}' \
	    "$URL/orders")
	assert_equal "$code" 422
	assert_equal "$(jq -c . "$T/body")" '{"error":"language must be en or ko, not '"'de'"'","exit":65}'
	assert_equal "$(event_count)" "$before"
}

@test "every customer text in the code has its Korean, and the placeholders of each message are kept" {
	command -v xgettext >/dev/null || skip "gettext is missing (make deps)"
	cd "$CAFE_TOP"
	xgettext --from-code=UTF-8 -k -kN_ -kT -kcafe_tr:2 -o "$T/cafe.pot" --omit-header \
	    lib/*/*.c lib/*/*.h cmd/*.c cmd/common/*.c
	run msgcmp po/ko.po "$T/cafe.pot"
	assert_success
	run msgfmt --check --statistics -o /dev/null po/ko.po
	assert_success
	refute_output --partial untranslated
	# Each message's {placeholders} are the English one's.
	msgcat --no-wrap po/ko.po | /usr/bin/python3 -c '
import re, sys
bad = 0
for msgid, msgstr in re.findall(r"^msgid (\".*\")\nmsgstr (\".*\")$", sys.stdin.read(), re.M):
    if sorted(re.findall(r"{\w+}|%s", msgid)) != sorted(re.findall(r"{\w+}|%s", msgstr)):
        print("placeholders differ: " + msgid)
        bad = 1
sys.exit(bad)'
}

@test "without its catalogue (a cafe-web copied away, not installed): a warning at start, and English pages" {
	[ ! -e /usr/local/share/locale/ko/LC_MESSAGES/cafe.mo ] ||
	    skip "cafe is installed: its catalogue is found wherever cafe-web runs from"
	mkdir -p "$T/elsewhere"
	cp "$CAFE_TOP/bin/cafe-web" "$T/elsewhere/"
	PATH="$T/elsewhere:$PATH" web
	run get /menu ko
	assert_output --partial '<html lang="ko">'
	assert_output --partial '>Order and pay</button>'
	run cat "$T/web.err"
	assert_output --partial "cafe-web: warning: Korean pages will be in English: no Korean catalogue"
}

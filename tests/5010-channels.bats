#!/usr/bin/env bats
# 5010-channels: the channels shipped in share/cafe for the customer's
# contact: e-mail through sendmail(8) (a stand-in sendmail records what
# an MTA would get) and the SMS gateway example (against a gateway on
# loopback), driven by real orders, the daemon and cafe-notify.

bats_require_minimum_version 1.5.0
load helpers/setup
load helpers/daemon

local_setup() {
	# A sendmail that keeps its arguments and the mail, and fails while
	# $T/mta-down exists.
	cat >"$T/sendmail" <<-EOF
	#!/bin/sh
	n=\$(ls "$T"/mail.* 2>/dev/null | wc -l)
	printf '%s\n' "\$*" >"$T/args.\$n"
	cat >"$T/mail.\$n"
	[ ! -e "$T/mta-down" ] || { echo "relay refused" >&2; exit 75; }
	EOF
	chmod +x "$T/sendmail"
	export SENDMAIL=$T/sendmail
}

email_config() {
	use_config <<-EOF
	notify:
	  channels:
	    - {type: command, command: ["$CAFE_TOP/share/cafe/channel-email", "Cafe <orders@cafe.example>"]}
	  retry: {max_attempts: 10, backoff_ms: 1000}
	EOF
}

# The first message of each order: DeliveryStarted's.
run_orders() {
	cafe-daemon -q run --once
	cafe-notify -q send --once || :
}

@test "e-mail: the message goes to the customer's address through sendmail; no address, nothing sent" {
	email_config
	cafe-order place latte --customer kim --contact kim@example.com -q
	cafe-order place tea --customer lee --contact '+82 10-1234-5678' -q
	cafe-order place mocha -q
	run_orders
	# Mail for order 1 only: orders 2 and 3 gave no e-mail address.
	assert_equal "$(ls "$T"/mail.* | wc -l)" "$(cafe-notify --json list | jq -s 'map(select(.order_id == 1)) | length')"
	assert_equal "$(cat "$T"/args.* | sort -u)" "-i -- kim@example.com"
	run cat "$T/mail.0"
	assert_line 'From: Cafe <orders@cafe.example>'
	assert_line 'To: kim@example.com'
	assert_line 'Subject: Your order 1'
	assert_line 'Content-Type: text/plain; charset=utf-8'
	assert_line --regexp '^Order 1: '
	# Every message counts as sent on this channel: none waits for a retry.
	run cafe-notify --json list
	assert_equal "$(jq -s 'map(.status) | unique' <<<"$output" | jq -c .)" '["sent"]'
}

@test "e-mail: a relay that refuses is a failed send, tried again until it takes it" {
	email_config
	cafe-order place latte --contact kim@example.com -q
	touch "$T/mta-down"
	run_orders
	run cafe-notify --json list
	assert_equal "$(jq -r .status <<<"$output" | sort -u)" failed
	assert_equal "$(db_sql "SELECT count(*) FROM events WHERE type = 'NotificationSent'")" 0
	rm "$T/mta-down"
	wait_for 'cafe-notify -q send --once; [ "$(cafe-notify --json list | jq -r .status | sort -u)" = sent ]' 60
	# A message keeps its Message-ID through its retries, so the MTA can
	# drop a duplicate: as many IDs as messages.
	assert_equal "$(grep -h '^Message-ID:' "$T"/mail.* | sort -u | wc -l)" \
	    "$(cafe-notify --json list | wc -l)"
	[ "$(ls "$T"/mail.* | wc -l)" -gt "$(cafe-notify --json list | wc -l)" ]
}

@test "the SMS example: a phone number gets the text by the gateway's HTTP API; an e-mail address does not" {
	command -v /usr/bin/python3 >/dev/null || skip "no python3"
	# A gateway on loopback that keeps each request's headers and body.
	/usr/bin/python3 - "$T" >"$T/gateway.port" 2>"$T/gateway.err" <<-'EOF' &
	import http.server, sys, os
	out = sys.argv[1]
	class H(http.server.BaseHTTPRequestHandler):
	    def do_POST(self):
	        body = self.rfile.read(int(self.headers["Content-Length"]))
	        n = len([f for f in os.listdir(out) if f.startswith("sms.")])
	        with open(os.path.join(out, "sms.%d" % n), "w") as f:
	            f.write(self.headers["Authorization"] + "\n" + body.decode() + "\n")
	        self.send_response(200)
	        self.send_header("Content-Length", "0")
	        self.end_headers()
	    def log_message(self, *a):
	        pass
	s = http.server.HTTPServer(("127.0.0.1", 0), H)
	print(s.server_address[1], flush=True)
	s.serve_forever()
	EOF
	DAEMONS+=("$!")
	wait_for '[ -s "$T/gateway.port" ]'
	export SMS_GATEWAY_URL=http://127.0.0.1:$(cat "$T/gateway.port")/send SMS_API_KEY=k3y
	use_config <<-EOF
	notify:
	  channels:
	    - {type: command, command: ["$CAFE_TOP/share/cafe/channel-sms-example"]}
	EOF
	cafe-order place latte --contact '+82 10-1234-5678' -q
	cafe-order place tea --contact kim@example.com -q
	run_orders
	run cat "$T"/sms.*
	assert_line 'Bearer k3y'
	# Order 1's messages, to its number; none of order 2's.
	for f in "$T"/sms.*; do
		sed -n 2p "$f" | jq -e '.to == "+821012345678" and (.text | startswith("Order 1: "))'
	done
	assert_equal "$(ls "$T"/sms.* | wc -l)" "$(cafe-notify --json list | jq -s 'map(select(.order_id == 1)) | length')"
	# The gateway away: a failed send, to be tried again.
	export SMS_GATEWAY_URL=http://127.0.0.1:9/send
	cafe-order place mocha --contact '010-9876-5432' -q
	run_orders
	assert_equal "$(cafe-notify --json list | jq -r 'select(.order_id == 3) | .status' | sort -u)" failed
}

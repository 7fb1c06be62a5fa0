#!/usr/bin/env bats
# make install / make uninstall into a temporary DESTDIR: programs, man
# pages, completions and share/cafe/ land where PREFIX says, the installed
# programs run, the installed pages render, and uninstall takes it all
# away again. The example config names every key with its default.

load helpers/setup

# What the suite's build made (plain or sanitizer), installed as it is:
# nothing is rebuilt, so bin/ is never relinked under other tests.
make_top() {
	make -s -C "$CAFE_TOP" SANITIZE="$([ "${CAFE_BUILD:-build}" = build-san ] && echo 1)" \
	    INSTALL_DEPS= "$@"
}

@test "make install puts everything under DESTDIR/PREFIX, and it works there" {
	root="$T/root"
	run make_top install PREFIX=/opt/cafe DESTDIR="$root"
	assert_success
	p="$root/opt/cafe"
	for prog in cafe-order cafe-pay cafe-deliver cafe-trace cafe-notify cafe-daemon cafe-log; do
		[ -x "$CAFE_TOP/bin/$prog" ] || continue
		[ -x "$p/bin/$prog" ] || fail "$prog not installed"
		[ -f "$p/share/man/man1/$prog.1" ] || fail "$prog.1 not installed"
		[ -f "$p/share/bash-completion/completions/$prog" ] || fail "no bash completion for $prog"
		[ -f "$p/share/zsh/site-functions/_$prog" ] || fail "no zsh completion for $prog"
		[ -f "$p/share/fish/vendor_completions.d/$prog.fish" ] || fail "no fish completion for $prog"
	done
	for page in man5/cafe.yaml.5 man5/cafe-log.5 man7/cafe.7; do
		[ -f "$p/share/man/$page" ] || fail "$page not installed"
	done
	for f in "$CAFE_TOP"/share/cafe/*; do
		[ -f "$f" ] || continue
		cmp "$f" "$p/share/cafe/${f##*/}" || fail "share/cafe/${f##*/} not installed"
	done
	[ -f "$p/share/cafe/config.yaml.example" ]
	# Units, cron line, sysusers and tmpfiles follow PREFIX.
	for u in cafe-daemon cafe-notify cafe-web; do
		grep -qE "^ExecStart=/opt/cafe/bin/$u( |$)" "$p/lib/systemd/system/$u.service" ||
		    fail "$u.service does not start /opt/cafe/bin/$u"
		! grep -q @BINDIR@ "$p/lib/systemd/system/$u.service"
	done
	grep -q '^Type=notify$' "$p/lib/systemd/system/cafe-daemon.service"
	grep -q '^WatchdogSec=' "$p/lib/systemd/system/cafe-daemon.service"
	grep -q '/opt/cafe/bin/cafe-daemon -q run --once$' "$p/share/cafe/cafe.cron"
	grep -q '/opt/cafe/bin/cafe-notify -q send --once$' "$p/share/cafe/cafe.cron"
	grep -q '^u cafe ' "$p/lib/sysusers.d/cafe.conf"
	grep -q '^d /var/lib/cafe 2770 cafe cafe' "$p/lib/tmpfiles.d/cafe.conf"
	# Hardened: systemd-analyze rates each unit below 4 of 10 (its
	# threshold counts tenths).
	for u in cafe-daemon cafe-notify cafe-web; do
		run systemd-analyze security --offline=yes --threshold=39 \
		    "$p/lib/systemd/system/$u.service"
		assert_success
		assert_output --regexp "exposure level for $u.service: [0-3]\.[0-9] "
	done

	# The installed programs run, and the pages render.
	run "$p/bin/cafe-order" --version
	assert_success
	assert_output --regexp '^cafe-order [0-9]'
	run "$p/bin/cafe-order" place latte --customer kim
	assert_success
	assert_output "1"
	run "$p/bin/cafe-trace" --json list
	assert_output --partial '"customer":"kim"'
	run mandoc -Tlint -W warning "$p"/share/man/man*/*
	assert_success
	run bash -c "mandoc -Tascii '$p/share/man/man1/cafe-order.1' | sed 's/.\x08//g'"
	assert_line "NAME"
	refute_output --partial "<?>"
	# The installed bash completion is the real one.
	run bash -c "source '$p/share/bash-completion/completions/cafe-order'; complete -p cafe-log"
	assert_output --partial "-F _cafe"
}

@test "make uninstall removes what install put there, and nothing else" {
	root="$T/root"
	mkdir -p "$root/usr/local/bin"
	touch "$root/usr/local/bin/someone-else"
	make_top install PREFIX=/usr/local DESTDIR="$root"
	run make_top uninstall PREFIX=/usr/local DESTDIR="$root"
	assert_success
	run find "$root" -type f
	assert_output "$root/usr/local/bin/someone-else"
	[ ! -d "$root/usr/local/share/cafe" ]
}

@test "share/cafe/config.yaml.example: every key, commented, with its default" {
	ex="$CAFE_TOP/share/cafe/config.yaml.example"
	# As shipped it is all comments: the defaults.
	run config-dump "$ex"
	assert_success
	[ "$(jq -c 'del(.path)' <<<"$output")" = \
	    "$(config-dump /dev/null | jq -c 'del(.path)')" ]
	# Uncommented, it is a valid config that says the same, apart from
	# the db path, the time zone, the hours, the staff's group, the printer, and
	# the channels and templates it shows as examples.
	sed -e 's/^#\([^ ]\)/\1/' -e 's/^#\(  \)/\1/' "$ex" > "$T/all.yaml"
	run config-dump "$T/all.yaml"
	assert_success
	strip='del(.path, .db, .timezone, .hours, .notify.channels, .notify.templates, .staff, .printer)'
	[ "$(jq -c "$strip" <<<"$output")" = "$(config-dump /dev/null | jq -c "$strip")" ]
	# Every key cafe.yaml(5) knows appears in it.
	for key in $(cat "$CAFE_TOP"/lib/config/*.c | grep -v "^#include" |
	    grep -ohE 'key_is\(k, "[a-z_]+"\)|"[a-z]+(\.[a-z_]+)+"|INT_KEY\([a-z]+\.[a-z_.]+' |
	    grep -oE '[a-z_.]+$|[a-z_.]+"' | tr -d '"' | sed 's/.*\.//' | sort -u); do
		grep -qE "(^|[ {#])$key:" "$ex" || fail "config.yaml.example lacks '$key'"
	done
}

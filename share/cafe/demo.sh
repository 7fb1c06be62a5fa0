#!/bin/sh
# make demo: the whole flow on a fresh database with the built-in defaults.
# Runs the programs in bin/; leaves nothing behind.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
PATH="$top/bin:$PATH"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT INT TERM
export CAFE_DB="$dir/cafe.db" HOME="$dir" XDG_CONFIG_HOME="$dir/none"
unset CAFE_CONFIG

# Commands in bold on a terminal, plain otherwise (and with NO_COLOR).
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$(printf '\033[1m') off=$(printf '\033[0m'); else bold= off=; fi
# The command as one would type it: an argument with a space or a shell
# character in quotes.
quoted() {
	line=
	for a; do
		case $a in
		'' | *[!A-Za-z0-9_.,:/@%+=-]*) a="'$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'" ;;
		esac
		line="$line${line:+ }$a"
	done
	printf '%s' "$line"
}
step() { printf '\n%s$ %s%s\n' "$bold" "$(quoted "$@")" "$off"; "$@"; }

step cafe-log init
step cafe-order menu
step cafe-order place latte:2+large+oat americano --customer kim --address "table 4"
step cafe-order place americano+large --customer lee --address "12 Hangang-ro"
step cafe-order place tea --customer park
step cafe-order place mocha --customer choi
echo; echo "# the daemon starts the kitchen for every paid order"
step cafe-daemon run --once
step cafe-deliver list
step cafe-deliver ready 1
step cafe-deliver dispatch 1 --rider minsu
step cafe-deliver complete 1
step cafe-deliver ready 2
step cafe-deliver reject 3 --reason "out of tea leaves"
step cafe-order cancel 4 --reason "customer changed their mind"
echo; echo "# compensation (refunds, restock) and messages happen in the daemon"
step cafe-daemon run --once
step cafe-notify send --once
step cafe-pay list
step cafe-trace list
step cafe-trace show 1
step cafe-log verify

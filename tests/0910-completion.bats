#!/usr/bin/env bats
# Shell completions: the bash file, sourced here and driven through
# COMP_WORDS/COMP_CWORD as bash's `complete -F` would, for subcommands,
# options, option values, product names from the menu and order ids from
# the trace; zsh and fish files checked for syntax (and fish for its
# answers) when those shells are installed.

load helpers/setup

local_setup() {
	source "$CAFE_TOP/completions/cafe.bash"
}

# complete_words WORD... : COMPREPLY for the last word, sorted, on one line.
complete_words() {
	COMP_WORDS=("$@")
	COMP_CWORD=$(( $# - 1 ))
	COMPREPLY=()
	_cafe
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

@test "bash: every program completes its subcommands" {
	run complete_words cafe-order ""
	assert_output "cancel menu place receipt stock"
	run complete_words cafe-pay ""
	assert_output "breaker list refund show till"
	run complete_words cafe-deliver ""
	assert_output "board cancel complete dispatch list ready reject return rider-link"
	run complete_words cafe-trace ""
	assert_output "follow list rebuild report show stats"
	run complete_words cafe-notify ""
	assert_output "list retry send"
	run complete_words cafe-daemon ""
	assert_output "retry run status"
	run complete_words cafe-log ""
	assert_output "export head import init stats verify"
	run complete_words cafe-log ex
	assert_output "export"
}

@test "bash: options of the subcommand and the global ones" {
	run complete_words cafe-order place --q
	assert_output "--qty --quiet"
	run complete_words cafe-order cancel --
	assert_output "--config --db --help --json --key --quiet --reason --verbose --version"
	run complete_words cafe-trace follow --a
	assert_output "--after"
	run complete_words cafe-trace --as
	assert_output "--as-of"
	run complete_words cafe-daemon run --p
	assert_output "--policy"
	run complete_words cafe-notify retry --d
	assert_output "--db --dead"
}

@test "bash: option values: statuses, policies, files" {
	run complete_words cafe-deliver list --status d
	assert_output "delivered dispatched"
	run complete_words cafe-pay list --status refund
	assert_output "refund_failed refund_pending refunded"
	run complete_words cafe-notify list --status ""
	assert_output "dead failed queued sent"
	run complete_words cafe-daemon run --policy re
	assert_output "reconcile refund"
	run complete_words cafe-daemon retry st
	assert_output "start-delivery"
	touch "$T/cafe-other.db"
	cd "$T"
	run complete_words cafe-log --db cafe-o
	assert_output "cafe-other.db"
	# A value no one can guess: nothing.
	run complete_words cafe-order place latte --customer ""
	assert_output ""
}

@test "bash: product names come from the menu of the config in use" {
	use_config <<'YAML'
menu:
  - {name: espresso, price: 2000}
  - {name: flat_white, price: 4500}
YAML
	run complete_words cafe-order place ""
	assert_output "espresso flat_white"
	run complete_words cafe-order stock f
	assert_output "flat_white"
	# --config on the command line wins, as it does for the program.
	printf 'menu:\n  - {name: chai, price: 3000}\n' > "$T/other.yaml"
	run complete_words cafe-order --config "$T/other.yaml" place ""
	assert_output "chai"
	# Every operand of place is an item; stock takes one product.
	run complete_words cafe-order place espresso f
	assert_output "flat_white"
	run complete_words cafe-order stock espresso ""
	assert_output ""
}

@test "bash: names in any script and codes complete, a name with a space whole" {
	use_config <<'YAML'
menu:
  - {name: 카페라떼, code: klatte, price: 4500}
  - {name: flat white, code: flat, price: 4200}
YAML
	run complete_words cafe-order place ""
	assert_output "flat flat white klatte 카페라떼"
	run complete_words cafe-order place 카
	assert_output "카페라떼"
	run complete_words cafe-order place kl
	assert_output "klatte"
	COMP_WORDS=(cafe-order place fla)
	COMP_CWORD=2
	_cafe
	assert_equal "${#COMPREPLY[@]}" 2
	assert_equal "${COMPREPLY[0]}" "flat white"
}

@test "bash: order ids come from the trace, with the --db on the line" {
	cafe-order place latte >/dev/null
	cafe-order place tea >/dev/null
	run complete_words cafe-trace show ""
	assert_output "1 2"
	run complete_words cafe-order receipt ""
	assert_output "1 2"
	run complete_words cafe-pay list --order ""
	assert_output "1 2"
	# Another database named on the line.
	CAFE_DB="$T/other.db" cafe-order place mocha >/dev/null
	run complete_words cafe-trace --db "$T/other.db" show ""
	assert_output "1"
	# No database: nothing, and no error on the screen.
	run complete_words cafe-trace --db "$T/none.db" show ""
	assert_success
	assert_output ""
	run complete_words cafe-deliver --db "$T/none.db" ready ""
	assert_success
	assert_output ""
}

@test "bash: the kitchen's verbs offer only the orders they can act on, with their items" {
	cafe-order place latte:2 americano >/dev/null
	cafe-order place tea >/dev/null
	cafe-order place mocha+oat >/dev/null
	cafe-daemon -q run --once
	cafe-deliver ready 2 >/dev/null
	cafe-order place tea >/dev/null     # 4: paid, not started yet
	cafe-order place tea >/dev/null
	cafe-order cancel 5 >/dev/null
	# ready: what is being made, each with what it is.
	run complete_words cafe-deliver ready ""
	assert_output "1  latte x2 + americano 3  mocha"
	# One match: the bare id, to be inserted.
	run complete_words cafe-deliver ready 3
	assert_output "3"
	run complete_words cafe-deliver dispatch ""
	assert_output "2"
	cafe-deliver dispatch 2 >/dev/null
	run complete_words cafe-deliver complete ""
	assert_output "2"
	# cancel and reject: every open order, delivered and cancelled ones not.
	run complete_words cafe-order cancel ""
	assert_output "1  latte x2 + americano 2  tea 3  mocha 4  tea"
	cafe-deliver complete 2 >/dev/null
	run complete_words cafe-deliver reject ""
	assert_output "1  latte x2 + americano 3  mocha 4  tea"
}

@test "bash: the file registers every program and can be sourced twice" {
	source "$CAFE_TOP/completions/cafe.bash"
	for p in cafe-order cafe-pay cafe-deliver cafe-trace cafe-notify cafe-daemon cafe-log; do
		run complete -p "$p"
		assert_output --partial "-F _cafe $p"
	done
}

@test "zsh: the completion file parses and names every program" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	run zsh -n "$CAFE_TOP/completions/_cafe"
	assert_success
	run head -1 "$CAFE_TOP/completions/_cafe"
	assert_output "#compdef cafe-order cafe-pay cafe-deliver cafe-trace cafe-notify cafe-daemon cafe-log cafe-web"
}

@test "fish: the completion file parses and answers" {
	command -v fish >/dev/null || skip "fish is not installed"
	f="$CAFE_TOP/completions/cafe.fish"
	run fish -n "$f"
	assert_success
	cafe-order place latte >/dev/null
	# Sourced twice (every program's copy loads it): no duplicates.
	run fish -c "source $f; source $f; complete -C 'cafe-order '"
	assert_success
	[ "$(grep -c '^place' <<<"$output")" -eq 1 ]
	run fish -c "source $f; complete -C 'cafe-order place '"
	assert_line --regexp '^americano'
	run fish -c "source $f; complete -C 'cafe-trace show '"
	assert_line --regexp '^1'
	run fish -c "source $f; complete -C 'cafe-deliver list --status br'"
	assert_line --regexp '^brewing'
	# The kitchen's verbs: the orders they can act on, described by items.
	cafe-order place tea:2 mocha >/dev/null
	cafe-daemon -q run --once
	cafe-deliver ready 1 >/dev/null
	run fish -c "source $f; complete -C 'cafe-deliver ready '"
	assert_output "$(printf '2\ttea x2 + mocha')"
	run fish -c "source $f; complete -C 'cafe-deliver dispatch '"
	assert_output "$(printf '1\tlatte')"
}

# The verbs of PROG as its verb table in cmd/ has them, sorted, one line.
verbs_of() {
	awk '/cafe_verb verbs\[\] = \{/ { on = 1; next } on && /^};/ { on = 0 } on' \
	    "$CAFE_TOP/cmd/$1.c" | sed -n 's/^	{ "\([a-z-]*\)".*/\1/p' | sort | tr '\n' ' ' | sed 's/ $//'
}

# A new verb cannot be forgotten by one shell: each offers exactly the
# verbs of each program's table (cafe-web's one verb, run, is implied).
@test "every shell completes exactly the verbs of every program's table" {
	for c in "$CAFE_TOP"/cmd/cafe-*.c; do
		p=$(basename "$c" .c)
		want=$(verbs_of "$p")
		[ -n "$want" ]
		run complete_words "$p" ""
		[ "$p" = cafe-web ] || assert_equal "bash $p: $output" "bash $p: $want"
		# zsh: the verbs=(...) of the program's case in _cafe.
		got=$(awk -v p="($p)" '$1 == p { on = 1; next } on && /;;/ { print; exit } on' \
		    "$CAFE_TOP/completions/_cafe" | tr -s ' \t' '\n\n' | sed -n "s/^\(verbs=\)\{0,1\}(\{0,1\}'\([a-z-]*\):.*/\2/p" |
		    sort | tr '\n' ' ' | sed 's/ $//')
		assert_equal "zsh $p: $got" "zsh $p: $want"
		if command -v fish >/dev/null; then
			got=$(fish -c "source '$CAFE_TOP/completions/cafe.fish'; complete -C '$p '" |
			    cut -f1 | grep -v '^-' | sort | tr '\n' ' ' | sed 's/ $//')
			[ "$p" = cafe-web ] || assert_equal "fish $p: $got" "fish $p: $want"
		fi
	done
	# cafe-order menu's own verbs, in every shell.
	run complete_words cafe-order menu ""
	assert_output "add import remove set"
	grep -q 'add\\:"add a product" set\\:"change a product" remove\\:"take a product off" import' \
	    "$CAFE_TOP/completions/_cafe"
	if command -v fish >/dev/null; then
		run fish -c "source '$CAFE_TOP/completions/cafe.fish'; complete -C 'cafe-order menu '"
		assert_equal "$(cut -f1 <<<"$output" | grep -v '^-' | sort | tr '\n' ' ')" "add import remove set "
	fi
}

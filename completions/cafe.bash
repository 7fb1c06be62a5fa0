# bash completion for the cafe programs: cafe-order, cafe-pay, cafe-deliver,
# cafe-trace, cafe-notify, cafe-daemon, cafe-log and cafe-web.
#
# Subcommands and options are known here; product names come from the menu
# (cafe-order --json menu); the orders offered are those the command can
# act on, from the kitchen's queue (cafe-deliver --json list --status S),
# each shown with its items while there is more than one to choose from;
# other order ids are the newest 50 of the trace; message ids come from
# the outbox; each with the --db and --config already on the command line. Installed
# once per program name (bash-completion loads completions/NAME), so
# sourcing it twice is harmless.

_cafe_global_opts='--db --config --json -q --quiet -v --verbose -h --help --version'

# Options that take a value, per program (the value is not the subcommand).
_cafe_value_opts() {
	case $1 in
	cafe-order) echo '--qty --customer --contact --address --note --key --wait --reason --set --add --price --code --options --stock --as-of --pickup-at --language --tender --tendered --shop' ;;
	cafe-pay) echo '--order --status --reason --amount --key --tender --float --counted' ;;
	cafe-deliver) echo '--status --rider --reason --item' ;;
	cafe-trace) echo '--customer --status --since --limit --as-of --after --day --format --shop' ;;
	cafe-notify) echo '--timeout --status --order' ;;
	cafe-daemon) echo '--policy --shop' ;;
	cafe-log) echo '--since --head' ;;
	cafe-web) echo '--listen --timeout --max-connections' ;;
	esac
}

_cafe_verbs() {
	case $1 in
	cafe-order) echo 'menu place receipt cancel stock' ;;
	cafe-pay) echo 'list show refund till breaker' ;;
	cafe-deliver) echo 'list ready dispatch complete reject cancel return board rider-link' ;;
	cafe-trace) echo 'list show follow stats report rebuild' ;;
	cafe-notify) echo 'send list retry' ;;
	cafe-daemon) echo 'run status retry' ;;
	cafe-log) echo 'init verify head export import stats' ;;
	cafe-web) echo 'run' ;;
	esac
}

# The options of one subcommand (besides the global ones).
_cafe_verb_opts() {
	case $1:$2 in
	cafe-order:place) echo '--qty --customer --contact --address --note --takeout --pickup-at --tender --tendered --language --key --wait --batch' ;;
	cafe-order:receipt) echo '--print' ;;
	cafe-order:cancel) echo '--reason --key' ;;
	cafe-order:stock) echo '--set --add' ;;
	cafe-order:menu) echo '--as-of --price --code --options --stock --prune --shop' ;;
	cafe-pay:list) echo '--order --status' ;;
	cafe-pay:refund) echo '--amount --reason --key --tender' ;;
	cafe-pay:till) echo '--float --counted' ;;
	cafe-deliver:list) echo '--status --rider --waiting' ;;
	cafe-deliver:dispatch) echo '--rider' ;;
	cafe-deliver:reject | cafe-deliver:cancel) echo '--reason' ;;
	cafe-deliver:return) echo '--item --reason' ;;
	cafe-trace:list|cafe-trace:) echo '--customer --status --since --limit --as-of --shop' ;;
	cafe-trace:show) echo '--as-of' ;;
	cafe-trace:follow) echo '--after' ;;
	cafe-trace:stats) echo '--since --as-of' ;;
	cafe-trace:report) echo '--day --format --shop' ;;
	cafe-notify:send) echo '--once --timeout' ;;
	cafe-notify:list) echo '--status --order' ;;
	cafe-notify:retry) echo '--dead' ;;
	cafe-daemon:run) echo '--once --policy --shop' ;;
	cafe-log:export) echo '--since' ;;
	cafe-log:verify) echo '--head' ;;
	cafe-log:import) echo '--rechain' ;;
	cafe-web:run|cafe-web:) echo '--listen --timeout --max-connections' ;;
	esac
}

_cafe_statuses() {
	case $1 in
	cafe-pay) echo 'requested approved declined refund_pending partially_refunded refunded refund_failed failed voiding voided' ;;
	cafe-deliver) echo 'pending brewing ready dispatched delivered cancelled' ;;
	cafe-trace) echo 'paid cancelled rejected delivered approved refund_pending partially_refunded refunded refund_failed pending brewing ready dispatched' ;;
	cafe-notify) echo 'queued sent failed dead' ;;
	esac
}

_cafe_policies='start-delivery print compensate refund reconcile notify trace'

# --db and --config as typed so far, into the array _cafe_conn.
_cafe_conn_args() {
	local i
	_cafe_conn=()
	for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
		case ${COMP_WORDS[i]} in
		--db | --config)
			_cafe_conn+=("${COMP_WORDS[i]}" "${COMP_WORDS[i + 1]}") ;;
		esac
	done
}

# The menu's names and codes that start with CUR, one a line (a name may
# hold spaces or be in any script).
_cafe_products() {	# CUR
	local w
	_cafe_conn_args
	while IFS= read -r w; do
		[[ $w == "$1"* ]] && printf '%s\n' "$w"
	done < <(cafe-order "${_cafe_conn[@]}" --json menu 2>/dev/null |
	    jq -r '.product, (.code // empty)' 2>/dev/null)
}

_cafe_order_ids() {
	_cafe_conn_args
	cafe-trace "${_cafe_conn[@]}" --json list --limit 50 2>/dev/null |
	    sed -n 's/^{"order_id":\([0-9]*\).*/\1/p'
}

# The orders in the kitchen's queue with one of the statuses given, as
# completions: the bare id when it is the only match, else "ID  ITEMS" so
# that the list shows what each order is.
_cafe_queue_ids() {	# CUR STATUS...
	local cur=$1 st line id items
	local -a ids=() shown=()
	shift
	_cafe_conn_args
	for st; do
		while IFS=$'\t' read -r id items; do
			[[ $id == "$cur"* ]] || continue
			ids+=("$id")
			shown+=("$id  $items")
		done < <(cafe-deliver "${_cafe_conn[@]}" --json list --status "$st" 2>/dev/null |
		    jq -r '[(.order_id | tostring), .product] | join("\t")' 2>/dev/null)
	done
	if ((${#ids[@]} == 1)); then
		printf '%s\n' "${ids[0]}"
	else
		printf '%s\n' "${shown[@]}"
	fi
}

_cafe_message_ids() {
	_cafe_conn_args
	cafe-notify "${_cafe_conn[@]}" --json list 2>/dev/null |
	    grep -E '"status":"(failed|dead)"' |
	    sed -n 's/.*"message_id":"\([^"]*\)".*/\1/p'
}

_cafe() {
	local prog=${COMP_WORDS[0]##*/} cur=${COMP_WORDS[COMP_CWORD]}
	local prev=${COMP_WORDS[COMP_CWORD - 1]} verb= nargs=0 i w
	local takes="--db --config $(_cafe_value_opts "$prog")"

	COMPREPLY=()
	# The subcommand, and how many operands follow it so far.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ " $takes " == *" $w "* ]]; then
			((i++))
		elif [[ $w == -* ]]; then
			:
		elif [[ -z $verb ]]; then
			verb=$w
		else
			((nargs++))
		fi
	done
	# The value of an option.
	case $prev in
	--db | --config)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--status)
		COMPREPLY=($(compgen -W "$(_cafe_statuses "$prog")" -- "$cur"))
		return ;;
	--policy)
		COMPREPLY=($(compgen -W "$_cafe_policies" -- "$cur"))
		return ;;
	--order)
		COMPREPLY=($(compgen -W "$(_cafe_order_ids)" -- "$cur"))
		return ;;
	--format)
		COMPREPLY=($(compgen -W 'text json csv html' -- "$cur"))
		return ;;
	--tender)
		COMPREPLY=($(compgen -W 'card cash' -- "$cur"))
		return ;;
	--shop)
		COMPREPLY=($(compgen -W 'all' -- "$cur"))
		return ;;
	--item)
		mapfile -t COMPREPLY < <(_cafe_products "$cur")
		return ;;
	esac
	if [[ " $takes " == *" $prev "* ]]; then
		return          # a value we cannot guess: a name, a time, a number
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$_cafe_global_opts $(_cafe_verb_opts "$prog" "$verb")" \
		    -- "$cur"))
		return
	fi
	if [[ -z $verb ]]; then
		COMPREPLY=($(compgen -W "$(_cafe_verbs "$prog")" -- "$cur"))
		return
	fi
	# Every operand of place is an item; other verbs take one operand.
	if [[ $prog:$verb == cafe-order:place ]]; then
		mapfile -t COMPREPLY < <(_cafe_products "$cur")
		return
	fi
	((nargs > 0)) && return
	case $prog:$verb in
	cafe-order:stock)
		mapfile -t COMPREPLY < <(_cafe_products "$cur") ;;
	cafe-deliver:ready)
		mapfile -t COMPREPLY < <(_cafe_queue_ids "$cur" brewing) ;;
	cafe-deliver:dispatch)
		mapfile -t COMPREPLY < <(_cafe_queue_ids "$cur" ready) ;;
	cafe-deliver:complete)
		mapfile -t COMPREPLY < <(_cafe_queue_ids "$cur" ready dispatched) ;;
	cafe-deliver:reject | cafe-order:cancel | cafe-deliver:cancel)
		mapfile -t COMPREPLY < <(_cafe_queue_ids "$cur" pending brewing ready dispatched) ;;
	cafe-deliver:return)
		mapfile -t COMPREPLY < <(_cafe_queue_ids "$cur" delivered) ;;
	cafe-pay:till)
		COMPREPLY=($(compgen -W 'open close' -- "$cur")) ;;
	cafe-pay:show | cafe-pay:refund | cafe-trace:show | cafe-order:receipt)
		COMPREPLY=($(compgen -W "$(_cafe_order_ids)" -- "$cur")) ;;
	cafe-pay:breaker)
		COMPREPLY=($(compgen -W reset -- "$cur")) ;;
	cafe-order:menu)
		COMPREPLY=($(compgen -W 'add set remove import' -- "$cur")) ;;
	cafe-notify:retry)
		COMPREPLY=($(compgen -W "$(_cafe_message_ids)" -- "$cur")) ;;
	cafe-daemon:retry)
		COMPREPLY=($(compgen -W "$_cafe_policies" -- "$cur")) ;;
	esac
}

complete -F _cafe cafe-order cafe-pay cafe-deliver cafe-trace cafe-notify cafe-daemon \
    cafe-log cafe-web

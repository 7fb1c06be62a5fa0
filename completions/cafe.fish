# fish completion for the cafe programs. Subcommands and options are known
# here; product names come from the menu (cafe-order --json menu), order
# ids from the newest 50 orders of the trace (cafe-trace --json list
# --limit 50) and message ids from the outbox, each with the --db and
# --config already on the command line. Installed once per program as
# NAME.fish; loading it again replaces what it defined (complete -e first).

function __cafe_conn --description 'the --db and --config given so far'
    set -l tokens (commandline -opc)
    set -l n (count $tokens)
    for i in (seq 2 (math $n - 1))
        switch $tokens[$i]
            case --db --config
                printf '%s\n' $tokens[$i] $tokens[(math $i + 1)]
        end
    end
end

function __cafe_products
    cafe-order (__cafe_conn) --json menu 2>/dev/null |
        jq -r '.product, (.code // empty)' 2>/dev/null
end

function __cafe_order_ids
    cafe-trace (__cafe_conn) --json list --limit 50 2>/dev/null |
        string replace -rf '^\{"order_id":([0-9]+).*' '$1'
end

# The orders in the kitchen's queue with one of the statuses, each with
# its items as the description.
function __cafe_queue_ids
    for st in $argv
        cafe-deliver (__cafe_conn) --json list --status $st 2>/dev/null |
            jq -r '[(.order_id | tostring), .product] | join("\t")' 2>/dev/null
    end
end

function __cafe_message_ids
    cafe-notify (__cafe_conn) --json list 2>/dev/null |
        string match -r '.*"status":"(?:failed|dead)".*' |
        string replace -rf '.*"message_id":"([^"]*)".*' '$1'
end

# True while no subcommand has been given (the value of --db and the like
# is not one).
function __cafe_no_verb
    set -l tokens (commandline -opc)
    set -l skip 0
    for t in $tokens[2..-1]
        if test $skip = 1
            set skip 0
            continue
        end
        switch $t
            case --db --config --qty --customer --contact --address --note --key --wait --reason \
                --set --add --order --status --rider --since --limit --as-of --after \
                --timeout --policy --shop
                set skip 1
            case '-*'
            case '*'
                return 1
        end
    end
    return 0
end

# True when the subcommand is one of $argv and no operand follows it yet.
function __cafe_operand_of
    __fish_seen_subcommand_from $argv; or return 1
    set -l tokens (commandline -opc)
    set -l seen 0
    set -l skip 0
    for t in $tokens[2..-1]
        if test $skip = 1
            set skip 0
            continue
        end
        switch $t
            case --db --config --qty --customer --contact --address --note --key --wait --reason \
                --set --add --order --status --rider --since --limit --as-of --after \
                --timeout --policy --shop
                set skip 1
            case '-*'
            case '*'
                set seen (math $seen + 1)
        end
    end
    test $seen -le 1
end

for prog in cafe-order cafe-pay cafe-deliver cafe-trace cafe-notify cafe-daemon cafe-log cafe-web
    complete -c $prog -e
    complete -c $prog -f
    complete -c $prog -l db -r -F -d 'the database'
    complete -c $prog -l config -r -F -d 'the config file'
    complete -c $prog -l json -d 'JSON on standard output'
    complete -c $prog -s q -l quiet -d 'say less'
    complete -c $prog -s v -l verbose -d 'say more'
    complete -c $prog -s h -l help -d 'print the synopsis and an example'
    complete -c $prog -l version -d 'print the version'
end

# cafe-order
set -l c cafe-order
complete -c $c -n __cafe_no_verb -a menu -d 'the menu with prices and stock'
complete -c $c -n __cafe_no_verb -a place -d 'place and pay an order'
complete -c $c -n __cafe_no_verb -a cancel -d 'cancel a paid order'
complete -c $c -n __cafe_no_verb -a stock -d 'show or change stock levels'
complete -c $c -n '__cafe_operand_of place stock' -a '(__cafe_products)' -d product
complete -c $c -n '__cafe_operand_of cancel' -a '(__cafe_queue_ids pending brewing ready dispatched)'
complete -c $c -n __cafe_no_verb -a receipt -d "the customer's receipt"
complete -c $c -n '__cafe_operand_of receipt' -a '(__cafe_order_ids)' -d order
complete -c $c -n '__fish_seen_subcommand_from place' -l qty -x -d 'how many (1-100)'
complete -c $c -n '__fish_seen_subcommand_from place' -l customer -x -d 'who it is for'
complete -c $c -n '__fish_seen_subcommand_from place' -l contact -x -d 'phone or e-mail for messages'
complete -c $c -n '__fish_seen_subcommand_from place' -l address -x -d 'where it goes'
complete -c $c -n '__fish_seen_subcommand_from place' -l note -x -d 'for the kitchen'
complete -c $c -n '__fish_seen_subcommand_from place cancel' -l key -x -d 'idempotency key'
complete -c $c -n '__fish_seen_subcommand_from place' -l wait -x -d 'keep trying while busy'
complete -c $c -n '__fish_seen_subcommand_from place' -l batch -d 'orders as JSON Lines on stdin'
complete -c $c -n '__fish_seen_subcommand_from place' -l takeout -d 'to take away'
complete -c $c -n '__fish_seen_subcommand_from place' -l pickup-at -x -d 'when it is collected'
complete -c $c -n '__fish_seen_subcommand_from place' -l tender -x -a 'card cash' -d 'card or cash (cash:5000 splits)'
complete -c $c -n '__fish_seen_subcommand_from place' -l tendered -x -d 'the cash handed over'
complete -c $c -n '__fish_seen_subcommand_from place' -l language -x -a 'en ko' -d "the customer's language"
complete -c $c -n '__fish_seen_subcommand_from receipt' -l print -d "to the shop's printer"
complete -c $c -n '__fish_seen_subcommand_from cancel' -l reason -x -d why
complete -c $c -n '__fish_seen_subcommand_from stock' -l set -x -d 'set the level'
complete -c $c -n '__fish_seen_subcommand_from stock' -l add -x -d 'add to the level'
complete -c $c -n '__cafe_operand_of menu' -a add -d 'add a product'
complete -c $c -n '__cafe_operand_of menu' -a set -d 'change a product'
complete -c $c -n '__cafe_operand_of menu' -a remove -d 'take a product off'
complete -c $c -n '__cafe_operand_of menu' -a import -d "apply a config file's menu"
complete -c $c -n '__fish_seen_subcommand_from menu' -l as-of -x -d 'the menu as it stood then'
complete -c $c -n '__fish_seen_subcommand_from menu' -l shop -x -a all -d 'one shop of a chain'
complete -c $c -n '__fish_seen_subcommand_from import' -l prune -d 'remove what the file does not have'
complete -c $c -n '__fish_seen_subcommand_from menu' -l price -x -d 'the price, in the smallest unit'
complete -c $c -n '__fish_seen_subcommand_from menu' -l code -x -d 'an ASCII word to type'
complete -c $c -n '__fish_seen_subcommand_from menu' -l options -x -d 'option groups'
complete -c $c -n '__fish_seen_subcommand_from menu' -l stock -x -d 'the stock level'

# cafe-pay
set c cafe-pay
complete -c $c -n __cafe_no_verb -a list -d 'the payments'
complete -c $c -n __cafe_no_verb -a show -d 'one payment and its events'
complete -c $c -n __cafe_no_verb -a refund -d 'ask for a refund'
complete -c $c -n __cafe_no_verb -a breaker -d 'show or reset the circuit breaker'
complete -c $c -n __cafe_no_verb -a till -d 'the cash drawer: open, close, count'
complete -c $c -n '__cafe_operand_of till' -a open -d "start the drawer's day"
complete -c $c -n '__cafe_operand_of till' -a close -d 'count and end it'
complete -c $c -n '__fish_seen_subcommand_from till' -l float -x -d 'the cash it opens with'
complete -c $c -n '__fish_seen_subcommand_from till' -l counted -x -d 'the cash counted at the close'
complete -c $c -n '__fish_seen_subcommand_from refund' -l tender -x -a 'cash card' -d 'out of this tender first'
complete -c $c -n '__cafe_operand_of show refund' -a '(__cafe_order_ids)' -d order
complete -c $c -n '__cafe_operand_of breaker' -a reset -d 'close the breaker now'
complete -c $c -n '__fish_seen_subcommand_from list' -l order -x -a '(__cafe_order_ids)' -d 'only this order'
complete -c $c -n '__fish_seen_subcommand_from list' -l status -x -a 'requested approved declined refund_pending refunded refund_failed failed voiding voided' -d 'only this status'
complete -c $c -n '__fish_seen_subcommand_from refund' -l reason -x -d why
complete -c $c -n '__fish_seen_subcommand_from refund' -l amount -x -d 'part of the charge'
complete -c $c -n '__fish_seen_subcommand_from refund' -l key -x -d 'idempotency key'

# cafe-deliver
set c cafe-deliver
complete -c $c -n __cafe_no_verb -a list -d 'the kitchen and delivery queue'
complete -c $c -n __cafe_no_verb -a ready -d 'the drink is made'
complete -c $c -n __cafe_no_verb -a dispatch -d 'a rider takes it'
complete -c $c -n __cafe_no_verb -a complete -d 'it reached the customer'
complete -c $c -n __cafe_no_verb -a reject -d 'the shop cannot make it'
complete -c $c -n __cafe_no_verb -a cancel -d 'call the order off'
complete -c $c -n __cafe_no_verb -a return -d 'a delivered order brought back'
complete -c $c -n '__cafe_operand_of cancel' -a '(__cafe_queue_ids pending brewing ready dispatched)'
complete -c $c -n '__cafe_operand_of return' -a '(__cafe_queue_ids delivered)'
complete -c $c -n '__fish_seen_subcommand_from cancel return' -l reason -x -d why
complete -c $c -n '__fish_seen_subcommand_from return' -l item -x -a '(__cafe_products)' -d 'a product brought back'
complete -c $c -n __cafe_no_verb -a board -d "the kitchen's screen"
complete -c $c -n __cafe_no_verb -a rider-link -d "a rider's own page"
complete -c $c -n '__cafe_operand_of ready' -a '(__cafe_queue_ids brewing)'
complete -c $c -n '__cafe_operand_of dispatch' -a '(__cafe_queue_ids ready)'
complete -c $c -n '__cafe_operand_of complete' -a '(__cafe_queue_ids ready dispatched)'
complete -c $c -n '__cafe_operand_of reject' -a '(__cafe_queue_ids pending brewing ready dispatched)'
complete -c $c -n '__fish_seen_subcommand_from list' -l status -x -a 'pending brewing ready dispatched delivered cancelled' -d 'only this state'
complete -c $c -n '__fish_seen_subcommand_from dispatch' -l rider -x -d 'who takes it'
complete -c $c -n '__fish_seen_subcommand_from list' -l rider -x -d 'what this rider carries'
complete -c $c -n '__fish_seen_subcommand_from list' -l waiting -d 'what waits for a rider'
complete -c $c -n '__fish_seen_subcommand_from reject' -l reason -x -d 'why (required)'

# cafe-trace (list is the default subcommand)
set c cafe-trace
complete -c $c -n __cafe_no_verb -a list -d 'where every order stands'
complete -c $c -n __cafe_no_verb -a show -d "one order's history"
complete -c $c -n __cafe_no_verb -a follow -d 'print changes as they happen'
complete -c $c -n __cafe_no_verb -a stats -d 'orders, revenue, times'
complete -c $c -n __cafe_no_verb -a report -d "the business day's close-out"
complete -c $c -n '__fish_seen_subcommand_from report' -l day -x -d 'the day (YYYY-MM-DD, local)'
complete -c $c -n '__fish_seen_subcommand_from report' -l format -x -a 'text json csv html' -d 'how to print it'
complete -c $c -n __cafe_no_verb -a rebuild -d 'fold the view again from the log'
complete -c $c -n '__cafe_operand_of show' -a '(__cafe_order_ids)' -d order
complete -c $c -n '__cafe_no_verb; or __fish_seen_subcommand_from list' -l customer -x -d 'only this customer'
complete -c $c -n '__cafe_no_verb; or __fish_seen_subcommand_from list' -l status -x -a 'paid cancelled rejected delivered approved refund_pending refunded refund_failed pending brewing ready dispatched' -d 'only this status'
complete -c $c -n '__cafe_no_verb; or __fish_seen_subcommand_from list stats' -l since -x -d 'placed at or after (RFC 3339)'
complete -c $c -n '__cafe_no_verb; or __fish_seen_subcommand_from list' -l limit -x -d 'only the newest N'
complete -c $c -n '__cafe_no_verb; or __fish_seen_subcommand_from list show stats' -l as-of -x -d 'as the log stood then'
complete -c $c -n '__fish_seen_subcommand_from follow' -l after -x -d 'start after this seq'
complete -c $c -n '__cafe_no_verb; or __fish_seen_subcommand_from list report' -l shop -x -a all -d 'one shop of a chain, or all'

# cafe-notify
set c cafe-notify
complete -c $c -n __cafe_no_verb -a send -d 'send the queued messages'
complete -c $c -n __cafe_no_verb -a list -d 'the messages'
complete -c $c -n __cafe_no_verb -a retry -d 'requeue a failed or dead message'
complete -c $c -n '__cafe_operand_of retry' -a '(__cafe_message_ids)' -d message
complete -c $c -n '__fish_seen_subcommand_from send' -l once -d 'send what is due, then exit'
complete -c $c -n '__fish_seen_subcommand_from send' -l timeout -x -d 'per command channel call'
complete -c $c -n '__fish_seen_subcommand_from list' -l status -x -a 'queued sent failed dead' -d 'only this status'
complete -c $c -n '__fish_seen_subcommand_from list' -l order -x -a '(__cafe_order_ids)' -d 'only this order'
complete -c $c -n '__fish_seen_subcommand_from retry' -l dead -d 'every dead message'

# cafe-daemon
set c cafe-daemon
complete -c $c -n __cafe_no_verb -a run -d 'run the policies'
complete -c $c -n __cafe_no_verb -a status -d 'where each policy stands'
complete -c $c -n __cafe_no_verb -a retry -d 'retry parked events'
complete -c $c -n '__cafe_operand_of retry' -a 'start-delivery print compensate refund reconcile notify trace' -d policy
complete -c $c -n '__fish_seen_subcommand_from run' -l once -d 'work off the backlog, then exit'
complete -c $c -n '__fish_seen_subcommand_from run' -l policy -x -a 'start-delivery print compensate refund reconcile notify trace' -d 'only this policy'
complete -c $c -n '__fish_seen_subcommand_from run' -l shop -x -a all -d 'the shops it serves'

# cafe-log
set c cafe-log
complete -c $c -n __cafe_no_verb -a init -d 'create the database'
complete -c $c -n __cafe_no_verb -a verify -d 'check the whole log'
complete -c $c -n __cafe_no_verb -a head -d 'print the newest link of the hash chain'
complete -c $c -n '__fish_seen_subcommand_from verify' -l head -x -d 'a link kept from cafe-log head (SEQ:HASH)'
complete -c $c -n __cafe_no_verb -a export -d 'print events as JSON Lines'
complete -c $c -n __cafe_no_verb -a import -d 'append an export read on stdin'
complete -c $c -n __cafe_no_verb -a stats -d 'count what is in the log'
complete -c $c -n '__fish_seen_subcommand_from export' -l since -x -d 'only events after this seq'
complete -c $c -n '__fish_seen_subcommand_from import' -l rechain -d 'link the events anew, unchecked'

# cafe-web
set c cafe-web
complete -c $c -n __cafe_no_verb -a run -d 'serve the pick-up board and the order pages'
complete -c $c -l listen -x -d 'where to listen (ADDRESS:PORT)'
complete -c $c -l timeout -x -d 'idle seconds before a connection is closed'
complete -c $c -l max-connections -x -d 'connections at once'

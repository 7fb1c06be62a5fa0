# Loaded by the 40xx trace tests: `load helpers/trace-log`.
# Builds logs with chosen time stamps through `cafe-log import`, so that
# as-of and stats answers are exact.

_ev_n=0

# ev ORDER_ID STREAM VERSION TYPE TS [DATA_JSON]: one export line.
ev() {
	local id=$1 stream=$2 version=$3 type=$4 ts=$5 data=${6:-'{}'}
	_ev_n=$((_ev_n + 1))
	jq -nc --arg id "$(printf '%032x' "$_ev_n")" --arg stream "$stream" \
	    --argjson version "$version" --arg type "$type" --arg ts "$ts" \
	    --argjson data "$data" --arg corr "$id" --argjson oid "$id" \
	    '{id: $id, stream: $stream, version: $version, type: $type, ts: $ts,
	      data: ({order_id: $oid} + $data),
	      meta: {correlation_id: $corr, causation_id: null, actor: "test",
	             tool: "test", host: "test"}}'
}

# placed ID PRODUCT QTY PRICE CUSTOMER TS: the three events of a placement
# (PaymentRequested a second before).
placed() {
	local id=$1 product=$2 qty=$3 price=$4 customer=$5 ts=$6
	ev "$id" "payment-$id" 1 PaymentRequested "$ts" \
	    "{\"amount\":$((qty * price)),\"currency\":\"KRW\",\"key\":\"k$id\"}"
	ev "$id" "order-$id" 1 OrderPlaced "$ts" \
	    "{\"product\":\"$product\",\"qty\":$qty,\"unit_price\":$price,\"total\":$((qty * price)),\"customer\":\"$customer\",\"address\":\"\"}"
	ev "$id" "payment-$id" 2 PaymentApproved "$ts" \
	    "{\"amount\":$((qty * price)),\"ref\":\"r$id\"}"
}

# delivered ID START READY DISPATCHED COMPLETED: the delivery stream.
delivered() {
	local id=$1
	ev "$id" "delivery-$id" 1 DeliveryStarted "$2" '{"address":""}'
	ev "$id" "delivery-$id" 2 DrinkReady "$3"
	ev "$id" "delivery-$id" 3 DeliveryDispatched "$4" '{"rider":"minho"}'
	ev "$id" "delivery-$id" 4 DeliveryCompleted "$5"
}

# The day the as-of and stats tests replay:
#   order 1, latte,     kim, 09:00, cancelled 11:00 (stamped +09:00)
#   order 2, americano, lee, 10:00, delivered 10:30
#   order 3, tea x2,    kim, 10:15, delivered 10:25
#   order 4, mocha,     park, 10:40, rejected 10:45, its refund failed 10:50
# Order 1's refund went through at 11:01.
day_log() {
	placed 1 latte 1 4000 kim 2026-01-01T09:00:00.000Z
	placed 2 americano 1 3000 lee 2026-01-01T10:00:00.000Z
	placed 3 tea 2 2500 kim 2026-01-01T19:15:00+09:00
	ev 3 delivery-3 1 DeliveryStarted 2026-01-01T10:16:00.000Z '{"address":""}'
	delivered 2 2026-01-01T10:01:00.000Z 2026-01-01T10:10:00.000Z \
	    2026-01-01T10:20:00.000Z 2026-01-01T10:30:00.000Z
	ev 3 delivery-3 2 DrinkReady 2026-01-01T10:20:00.000Z
	ev 3 delivery-3 3 DeliveryCompleted 2026-01-01T10:25:00.000Z
	placed 4 mocha 1 4500 park 2026-01-01T10:40:00.000Z
	ev 4 order-4 2 OrderRejected 2026-01-01T10:45:00.000Z '{"reason":"no milk"}'
	ev 4 payment-4 3 RefundRequested 2026-01-01T10:46:00.000Z '{"amount":4500,"reason":"no milk"}'
	ev 4 payment-4 4 RefundFailed 2026-01-01T10:50:00.000Z '{"amount":4500,"error":"card closed","attempts":1}'
	ev 1 order-1 2 OrderCancelled 2026-01-01T20:00:00+09:00 '{"reason":"changed mind"}'
	ev 1 payment-1 3 RefundRequested 2026-01-01T11:00:30.000Z '{"amount":4000,"reason":"changed mind"}'
	ev 1 payment-1 4 PaymentRefunded 2026-01-01T11:01:00.000Z '{"amount":4000,"ref":"rf1"}'
}

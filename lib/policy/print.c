/*
 * print.c - the print policy (policy.h): when the kitchen starts an order
 * (DeliveryStarted), its ticket goes to the shop's printer as ESC/POS
 * (render/escpos.h). Without printer: in the config it prints nothing and
 * only moves along. A printer that cannot be reached is tried again with
 * the daemon's backoff, then the event is parked ('cafe-daemon retry
 * print' once it is back).
 *
 * A ticket is printed at least once: a daemon killed between the print
 * and its checkpoint prints it again when it starts.
 */
#include <stdlib.h>

#include "command/printer.h"
#include "domain/order-log.h"
#include "render/escpos.h"
#include "policy.h"
#include "view/trace.h"

static int
print_act(struct cafe_policy_ctx *pc, const struct cafe_event *ev, struct cafe_err *e)
{
	const struct cafe_config *c = pc->config;
	struct cafe_order *o;
	json_t *row;
	char *bytes = NULL;
	size_t len = 0;
	int status;

	if (!cafe_printer_configured(c))
		return 0;
	o = cafe_xmalloc(sizeof *o);
	if ((status = cafe_order_load(pc->log, cafe_event_order_id(ev), o, e)) != 0) {
		free(o);
		return status;
	}
	row = cafe_trace_row_of(o);
	free(o);
	if ((status = cafe_escpos_kitchen(row, c->printer.codepage, c->printer.width, &bytes,
	    &len, e)) == 0)
		status = cafe_printer_send(c, bytes, len, e);
	free(bytes);
	json_decref(row);
	return status;
}

static int
print_decide(struct cafe_policy_ctx *pc, const struct cafe_event *ev,
    struct cafe_batch *out, struct cafe_err *e)
{
	(void)pc, (void)ev, (void)out, (void)e;
	return 0;       /* printed in act: nothing to append */
}

static const enum cafe_event_type print_types[] = { CAFE_EV_DELIVERY_STARTED, 0 };

const struct cafe_policy cafe_policy_print = {
	.name = "print",
	.checkpoint = "print",
	.types = print_types,
	.act = print_act,
	.decide = print_decide,
};

/*
 * fuzz-event - libFuzzer target: decoding an event as the log reads it
 * (cafe_event_data_parse: the flat reader, else jansson) and folding it
 * into an order, a stock level and the till (cafe_order_apply,
 * cafe_stock_apply, cafe_till_apply), the order's refunds split between
 * its tenders (cafe_refund_split), and reading its shop from its meta as
 * the log keeps it (cafe_event_shop), with the type and stream taken from
 * the input.
 *
 * Input: TYPE, a newline, STREAM, a newline, the data's JSON text, and
 * after a newline (if any) the meta's text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event/catalogue.h"
#include "store/log.h"
#include "domain/order.h"
#include "domain/tender.h"
#include "domain/till.h"

static char *
take(const char **p, const char *end)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
	char *s = malloc(n + 1);

	memcpy(s, *p, n);
	s[n] = '\0';
	*p += nl ? n + 1 : n;
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct cafe_event ev;
	struct cafe_order o;
	struct cafe_stock s;
	struct cafe_till t;
	struct cafe_batch b;
	struct cafe_err e;
	char *text, shop[168];

	memset(&ev, 0, sizeof ev);
	ev.type = take(&p, end);
	ev.kind = cafe_event_type_of(ev.type);
	ev.stream = take(&p, end);
	text = take(&p, end);
	ev.data = cafe_event_data_parse(text);
	free(text);
	if (p < end)
		ev.meta_text = take(&p, end);
	if (ev.data) {
		ev.version = 2;
		memcpy(ev.ts, "2026-01-01T00:00:00.000Z", 25);
		cafe_catalogue_check(&ev, &e);
		cafe_order_init(&o, cafe_event_order_id(&ev));
		cafe_order_apply(&o, &ev);
		cafe_order_apply(&o, &ev);
		cafe_stock_init(&s, NULL);
		cafe_stock_apply(&s, &ev);
		cafe_till_init(&t, cafe_event_shop(&ev, shop, sizeof shop));
		cafe_till_apply(&t, &ev);
		json_decref(cafe_till_json(&t));
		cafe_batch_init(&b);
		cafe_refund_split(&b, &o, 0, o.cash > 0, "fuzz");
		cafe_batch_release(&b);
	}
	cafe_event_release(&ev);
	return 0;
}

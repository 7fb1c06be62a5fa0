/*
 * page.h - the customer's order page's model: the order's row, as the
 * trace has its fields, with the steps the customer is shown (the
 * catalogue's step words), folded from the log at each request. The
 * page's HTML is render/web.h's.
 */
#ifndef CAFE_PAGE_H
#define CAFE_PAGE_H

#include <jansson.h>

#include "base/cafe.h"
#include "store/log.h"

/* The order's row with "steps" [{event, text, ts, amount?}], "refunded"
 * and "currency"; NULL with e->status CAFE_REFUSED when it was never
 * placed. New reference. */
json_t *cafe_page_order(struct cafe_log *log, long long id, const char *currency,
		struct cafe_err *e);
/* The status line a customer reads for the row ("Being made"), in lang
 * (base/lang.h). */
const char *cafe_page_status(json_t *row, const char *lang);
/* For the page's script: {status, steps: ["TIME TEXT AMOUNT", ...]},
 * ready to show as text in lang. New reference. */
json_t *cafe_page_view(json_t *row, const char *lang);

#endif

/*
 * stock.h - a product's stock level read from the log (stock.c): the I/O
 * half of the stock's fold in order.h.
 */
#ifndef CAFE_STOCK_H
#define CAFE_STOCK_H

#include "base/cafe.h"
#include "config/config.h"
#include "store/log.h"
#include "order.h"

/* The stock of a product on the menu (or known to the log); with no log
 * (log NULL), the config's starting level. Inside a write transaction it
 * also stores the new snapshot (stock.c says why that is safe). */
int cafe_stock_load(struct cafe_log *log, const struct cafe_config *c,
		const char *product, struct cafe_stock *s, struct cafe_err *e);
/* The same as it stood at until_ms (the events up to then, no snapshot). */
int cafe_stock_load_as_of(struct cafe_log *log, const struct cafe_config *c,
		const char *product, long long until_ms, struct cafe_stock *s,
		struct cafe_err *e);

#endif

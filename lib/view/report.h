/*
 * report.h - the day's close-out (cafe-trace report) and the totals of
 * cafe-trace stats, from one projection: "sales", money and counts in
 * quarter-hour buckets (every time zone's midnight falls on one) per
 * product, kept as the events arrive, so that a day costs the same to
 * report whether the log holds ten thousand events or ten million.
 *
 * What counts where: an order, its drinks, what was charged for it (gross,
 * and the tax in it) and each product's share count at the time of its
 * OrderPlaced; a refund when it was made (PaymentRefunded), a void when
 * it was made (PaymentVoided), a failed refund (owed) when it failed, a
 * cancellation or a rejection when it happened.
 */
#ifndef CAFE_REPORT_H
#define CAFE_REPORT_H

#include <jansson.h>

#include "base/cafe.h"
#include "config/config.h"
#include "store/log.h"

/*
 * The close-out of [from_ms, to_ms) (DESIGN §11): day, timezone and
 * currency as given; orders, drinks, gross, refunds, voids, owed, net
 * (gross - refunds), tax, cancelled, rejected, products [{product,
 * drinks, revenue}] (most revenue first), and hours [{hour (UTC, RFC
 * 3339), orders, gross}] for each hour with orders. shop: one shop's
 * (and the answer says which), or NULL for the whole log. A new reference
 * in *out.
 */
int cafe_report(struct cafe_log *log, long long from_ms, long long to_ms, const char *day,
		const char *timezone, const char *currency, const char *shop, json_t **out,
		struct cafe_err *e);
/* The chain's close-out (DESIGN §15): its totals as above with shop
 * "all", and shops [the close-out of each shop named, with its shop]. */
int cafe_report_chain(struct cafe_log *log, long long from_ms, long long to_ms,
		const char *day, const char *timezone, const char *currency,
		char *const *shops, json_t **out, struct cafe_err *e);

/*
 * cafe-trace stats from the same projection: orders, delivered,
 * cancelled, rejected, revenue (charged - refunds), charged, refunds,
 * owed, voids, delivery_p50_ms and delivery_p90_ms (from payment to the
 * customer, nearest rank, to the second under an hour), over every hour
 * since since_ms (0: all) and per hour in hours[] (hour: its UTC start).
 * NULL after setting e.
 */
json_t *cafe_report_stats(struct cafe_log *log, long long since_ms, struct cafe_err *e);

/* The close-out for people, as CSV (a product,drinks,revenue header and
 * a row per product) and as one self-contained HTML page with inline SVG
 * charts of sales per hour and per product. New strings (free()). */
char *cafe_report_text(json_t *r);
char *cafe_report_csv(json_t *r);
char *cafe_report_html(json_t *r);

#endif

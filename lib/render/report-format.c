/*
 * report-format.c - the close-out as people and programs read it
 * (report.h): text, CSV and one self-contained HTML page with inline SVG
 * charts (sales per hour and per product) that a browser shows or prints
 * with nothing fetched. Each returns a new string; nothing prints here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/people.h"
#include "view/report.h"

static long long
num(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static const char *
str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static void
addf(struct cafe_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
addf(struct cafe_buf *b, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	cafe_buf_cat(b, line);
}

/* The local hour an hour's UTC start falls in: "14:00". */
static const char *
local_hour(const char *ts, char *buf, size_t n)
{
	char t[64];

	cafe_local_time(ts, t, sizeof t);
	snprintf(buf, n, "%.2s:00", strlen(t) >= 16 ? t + 11 : "??");
	return buf;
}

/* A shop's line of the chain's close-out, padded by screen columns. */
static void
text_shop_row(struct cafe_buf *b, json_t *r, const char *name)
{
	size_t w = cafe_text_width(name);
	json_t *till = json_object_get(r, "till");
	char g[48], n[48], c[48], t[48];

	addf(b, "%s%*s %7lld %12s %12s %12s %10s\n", name, w < 24 ? (int)(24 - w) : 0, "",
	    num(r, "orders"), cafe_grouped(num(r, "gross"), g, sizeof g),
	    cafe_grouped(num(r, "net"), n, sizeof n),
	    cafe_grouped(num(json_object_get(r, "tenders"), "cash"), c, sizeof c),
	    json_is_object(till) ? cafe_grouped(num(till, "over_short"), t, sizeof t) : "-");
}

char *
cafe_report_text(json_t *r)
{
	struct cafe_buf b = { NULL, 0, 0 };
	const char *cur = str(r, "currency");
	char m[9][64];
	size_t i;
	json_t *p;

	cafe_buf_add(&b, "", 0);
	if (json_object_get(r, "shop") && strcmp(str(r, "shop"), "all") == 0)
		addf(&b, "Close-out of %s (%s), the chain's %zu shops\n\n", str(r, "day"),
		    str(r, "timezone"), json_array_size(json_object_get(r, "shops")));
	else if (json_object_get(r, "shop") && strcmp(str(r, "shop"), CAFE_SHOP_MAIN) != 0)
		addf(&b, "Close-out of %s (%s), shop %s\n\n", str(r, "day"), str(r, "timezone"),
		    str(r, "shop"));
	else
		addf(&b, "Close-out of %s (%s)\n\n", str(r, "day"), str(r, "timezone"));
	addf(&b, "orders    %8lld  (%lld drinks; cancelled %lld, rejected %lld)\n",
	    num(r, "orders"), num(r, "drinks"), num(r, "cancelled"), num(r, "rejected"));
	addf(&b, "gross     %16s\n", cafe_money(num(r, "gross"), cur, m[0], sizeof m[0]));
	addf(&b, "refunds   %16s\n", cafe_money(-num(r, "refunds"), cur, m[1], sizeof m[1]));
	addf(&b, "net       %16s  (tax %s in it)\n",
	    cafe_money(num(r, "net"), cur, m[2], sizeof m[2]),
	    cafe_money(num(r, "tax"), cur, m[3], sizeof m[3]));
	addf(&b, "voids     %16s  (charges without an order, given back)\n",
	    cafe_money(num(r, "voids"), cur, m[4], sizeof m[4]));
	addf(&b, "owed      %16s%s\n", cafe_money(num(r, "owed"), cur, m[5], sizeof m[5]),
	    num(r, "owed") ? "  (refunds that failed: see 'cafe-pay list --status failed')" :
	    "");
	addf(&b, "card      %16s\n", cafe_money(num(json_object_get(r, "tenders"), "card"), cur,
	    m[6], sizeof m[6]));
	addf(&b, "cash      %16s  (%s of it given back)\n",
	    cafe_money(num(json_object_get(r, "tenders"), "cash"), cur, m[7], sizeof m[7]),
	    cafe_money(num(r, "cash_refunds"), cur, m[8], sizeof m[8]));
	if (json_is_object(json_object_get(r, "till"))) {
		json_t *t = json_object_get(r, "till");

		addf(&b, "till      %16s  (counted %s, expected %s)\n",
		    cafe_money(num(t, "over_short"), cur, m[0], sizeof m[0]),
		    cafe_money(num(t, "counted"), cur, m[1], sizeof m[1]),
		    cafe_money(num(t, "expected"), cur, m[2], sizeof m[2]));
	}
	if (json_object_get(r, "shops")) {
		json_t *row;

		/* The chain's: a row per shop, then the chain's own. */
		addf(&b, "\n%-24s %7s %12s %12s %12s %10s\n", "SHOP", "ORDERS", "GROSS", "NET",
		    "CASH", "TILL");
		json_array_foreach(json_object_get(r, "shops"), i, row)
			text_shop_row(&b, row, str(row, "shop"));
		text_shop_row(&b, r, "chain");
	}
	if (json_array_size(json_object_get(r, "products")) == 0)
		return b.s;
	addf(&b, "\n%-24s %7s %12s\n", "PRODUCT", "DRINKS", "REVENUE");
	json_array_foreach(json_object_get(r, "products"), i, p) {
		const char *s = str(p, "product");
		size_t w = cafe_text_width(s);

		/* Padded by screen columns: a Korean name takes two a syllable. */
		addf(&b, "%s%*s %7lld %12s\n", s, w < 24 ? (int)(24 - w) : 0, "",
		    num(p, "drinks"), cafe_grouped(num(p, "revenue"), m[6], sizeof m[6]));
	}
	return b.s;
}

/* A CSV field, quoted when it must be (RFC 4180). */
static void
csv_field(struct cafe_buf *b, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		cafe_buf_cat(b, s);
		return;
	}
	cafe_buf_cat(b, "\"");
	for (; *s; s++)
		cafe_buf_add(b, *s == '"' ? "\"\"" : s, *s == '"' ? 2 : 1);
	cafe_buf_cat(b, "\"");
}

static void
csv_shop_row(struct cafe_buf *b, json_t *r, const char *name)
{
	json_t *till = json_object_get(r, "till");

	csv_field(b, name);
	addf(b, ",%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,", num(r, "orders"),
	    num(r, "drinks"), num(r, "gross"), num(r, "refunds"), num(r, "net"), num(r, "tax"),
	    num(json_object_get(r, "tenders"), "card"),
	    num(json_object_get(r, "tenders"), "cash"), num(r, "cash_refunds"));
	if (json_is_object(till))
		addf(b, "%lld", num(till, "over_short"));
	cafe_buf_cat(b, "\r\n");
}

/* The chain's close-out: a row per shop, the chain's last (its name
 * "all", which no shop may have). */
static char *
chain_csv(json_t *r)
{
	struct cafe_buf b = { NULL, 0, 0 };
	size_t i;
	json_t *row;

	cafe_buf_cat(&b, "shop,orders,drinks,gross,refunds,net,tax,card,cash,cash_refunds,"
	    "till_over_short\r\n");
	json_array_foreach(json_object_get(r, "shops"), i, row)
		csv_shop_row(&b, row, str(row, "shop"));
	csv_shop_row(&b, r, "all");
	return b.s;
}

char *
cafe_report_csv(json_t *r)
{
	struct cafe_buf b = { NULL, 0, 0 };
	size_t i;
	json_t *p;

	if (json_object_get(r, "shops"))
		return chain_csv(r);
	cafe_buf_add(&b, "product,drinks,revenue\r\n", 24);
	json_array_foreach(json_object_get(r, "products"), i, p) {
		csv_field(&b, str(p, "product"));
		addf(&b, ",%lld,%lld\r\n", num(p, "drinks"), num(p, "revenue"));
	}
	/* The day's tenders and the drawer after the products: no product's
	 * name has a ':' (cafe.yaml(5)), so these rows never pass for one. */
	addf(&b, "tender:card,,%lld\r\ntender:cash,,%lld\r\n",
	    num(json_object_get(r, "tenders"), "card"),
	    num(json_object_get(r, "tenders"), "cash"));
	if (json_is_object(json_object_get(r, "till")))
		addf(&b, "till:over_short,,%lld\r\n",
		    num(json_object_get(r, "till"), "over_short"));
	return b.s;
}

/* Bars of one series, as an inline SVG: labels at the left, values at the
 * right of each bar. The label column is as wide as the longest label
 * (a product's name has up to 40 characters; a screen column of 13px
 * text is at most 8px wide), and the picture scales down to the page. */
static void
svg_bars(struct cafe_buf *b, const char *title, json_t *rows, const char *label_key,
    int hours, const char *value_key, const char *cur)
{
	long long max = 1;
	size_t i, n = json_array_size(rows), cols = 0;
	json_t *row;
	int h = 26, top = 8, left, width;

	json_array_foreach(rows, i, row) {
		if (num(row, value_key) > max)
			max = num(row, value_key);
		if (!hours && cafe_text_width(str(row, label_key)) > cols)
			cols = cafe_text_width(str(row, label_key));
	}
	left = cols * 8 > 140 ? (int)cols * 8 + 10 : 150;
	width = left + 10 + 380 + 120;
	addf(b, "<h2>%s</h2>\n<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
	    "aria-label=\"%s\" width=\"%d\" height=\"%zu\" viewBox=\"0 0 %d %zu\">\n",
	    title, title, width, n * (size_t)h + 2 * (size_t)top, width,
	    n * (size_t)h + 2 * (size_t)top);
	json_array_foreach(rows, i, row) {
		long long v = num(row, value_key);
		int w = (int)(v * 380 / max), y = top + (int)i * h;
		char label[64], money[64];

		if (hours)
			local_hour(str(row, label_key), label, sizeof label);
		addf(b, "<g class=\"bar\"><text x=\"%d\" y=\"%d\" text-anchor=\"end\" "
		    "dominant-baseline=\"middle\">", left, y + h / 2);
		cafe_buf_html(b, hours ? label : str(row, label_key));
		addf(b, "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"3\"/>"
		    "<text x=\"%d\" y=\"%d\" dominant-baseline=\"middle\">%s</text></g>\n",
		    left + 10, y + 3, w > 0 ? w : 1, h - 6, left + 16 + w, y + h / 2,
		    cafe_money(v, cur, money, sizeof money));
	}
	cafe_buf_cat(b, "</svg>\n");
}

static void
html_shop_row(struct cafe_buf *b, json_t *r, const char *name, const char *cur, int total)
{
	json_t *till = json_object_get(r, "till");
	char m[4][64];

	cafe_buf_cat(b, total ? "<tr class=\"net\"><td>" : "<tr><td>");
	cafe_buf_html(b, name);
	addf(b, "</td><td>%lld</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
	    num(r, "orders"), cafe_money(num(r, "gross"), cur, m[0], sizeof m[0]),
	    cafe_money(num(r, "net"), cur, m[1], sizeof m[1]),
	    cafe_money(num(json_object_get(r, "tenders"), "cash"), cur, m[2], sizeof m[2]),
	    json_is_object(till) ? cafe_money(num(till, "over_short"), cur, m[3], sizeof m[3]) :
	    "&ndash;");
}

char *
cafe_report_html(json_t *r)
{
	struct cafe_buf b = { NULL, 0, 0 };
	const char *cur = str(r, "currency");
	static const struct { const char *key, *label; int negative; } lines[] = {
		{ "gross", "Gross", 0 }, { "refunds", "Refunds", 1 }, { "net", "Net", 0 },
		{ "tax", "Tax in it", 0 }, { "voids", "Voids (given back, not revenue)", 0 },
		{ "owed", "Owed (failed refunds)", 0 },
	};
	char m[64];
	size_t i;
	json_t *p;

	cafe_buf_add(&b, "", 0);
	cafe_buf_cat(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	cafe_buf_cat(&b, "Close-out of ");
	cafe_buf_html(&b, str(r, "day"));
	if (json_object_get(r, "shop") && strcmp(str(r, "shop"), CAFE_SHOP_MAIN) != 0) {
		cafe_buf_cat(&b, " &middot; ");
		cafe_buf_html(&b, strcmp(str(r, "shop"), "all") == 0 ? "the chain" : str(r, "shop"));
	}
	cafe_buf_cat(&b, "</title>\n<style>\n"
	    "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:46em;color:#222}\n"
	    "h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em}\n"
	    "table{border-collapse:collapse}td,th{padding:.25em .8em;text-align:right}\n"
	    "td:first-child,th:first-child{text-align:left}\n"
	    "tr.net td{font-weight:bold;border-top:1px solid #999}\n"
	    "svg{max-width:100%;height:auto}"
	    "svg text{font-size:13px;fill:#222}svg rect{fill:#8b5a2b}\n"
	    "@media print{body{margin:0}}\n</style>\n</head>\n<body>\n<h1>Close-out of ");
	cafe_buf_html(&b, str(r, "day"));
	cafe_buf_cat(&b, "</h1>\n<p class=\"zone\">");
	cafe_buf_html(&b, str(r, "timezone"));
	addf(&b, " &middot; <span id=\"orders\">%lld</span> orders, <span id=\"drinks\">%lld"
	    "</span> drinks, %lld cancelled, %lld rejected</p>\n<table class=\"sums\">\n",
	    num(r, "orders"), num(r, "drinks"), num(r, "cancelled"), num(r, "rejected"));
	for (i = 0; i < sizeof lines / sizeof *lines; i++)
		addf(&b, "<tr%s><td>%s</td><td id=\"%s\">%s</td></tr>\n",
		    strcmp(lines[i].key, "net") == 0 ? " class=\"net\"" : "", lines[i].label,
		    lines[i].key, cafe_money(lines[i].negative ? -num(r, lines[i].key) :
		    num(r, lines[i].key), cur, m, sizeof m));
	addf(&b, "<tr><td>Card</td><td id=\"card\">%s</td></tr>\n",
	    cafe_money(num(json_object_get(r, "tenders"), "card"), cur, m, sizeof m));
	addf(&b, "<tr><td>Cash</td><td id=\"cash\">%s</td></tr>\n",
	    cafe_money(num(json_object_get(r, "tenders"), "cash"), cur, m, sizeof m));
	if (json_is_object(json_object_get(r, "till")))
		addf(&b, "<tr><td>Till over/short</td><td id=\"over_short\">%s</td></tr>\n",
		    cafe_money(num(json_object_get(r, "till"), "over_short"), cur, m, sizeof m));
	cafe_buf_cat(&b, "</table>\n");
	if (json_object_get(r, "shops")) {
		json_t *row;

		cafe_buf_cat(&b, "<h2>Shops</h2>\n<table class=\"shops\">\n<tr><th>Shop</th>"
		    "<th>Orders</th><th>Gross</th><th>Net</th><th>Cash</th><th>Till</th></tr>\n");
		json_array_foreach(json_object_get(r, "shops"), i, row)
			html_shop_row(&b, row, str(row, "shop"), cur, 0);
		html_shop_row(&b, r, "The chain", cur, 1);
		cafe_buf_cat(&b, "</table>\n");
	}
	if (json_array_size(json_object_get(r, "hours")))
		svg_bars(&b, "Sales per hour", json_object_get(r, "hours"), "hour", 1,
		    "gross", cur);
	if (json_array_size(json_object_get(r, "products"))) {
		svg_bars(&b, "Sales per product", json_object_get(r, "products"), "product", 0,
		    "revenue", cur);
		cafe_buf_cat(&b, "<table class=\"products\">\n<tr><th>Product</th><th>Drinks</th>"
		    "<th>Revenue</th></tr>\n");
		json_array_foreach(json_object_get(r, "products"), i, p) {
			cafe_buf_cat(&b, "<tr><td>");
			cafe_buf_html(&b, str(p, "product"));
			addf(&b, "</td><td>%lld</td><td>%s</td></tr>\n", num(p, "drinks"),
			    cafe_money(num(p, "revenue"), cur, m, sizeof m));
		}
		cafe_buf_cat(&b, "</table>\n");
	} else {
		cafe_buf_cat(&b, "<p>No orders this day.</p>\n");
	}
	cafe_buf_cat(&b, "</body>\n</html>\n");
	return b.s;
}

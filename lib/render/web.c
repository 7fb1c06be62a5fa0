/*
 * web.c - the customers' pages as HTML (web.h). Every text that came from
 * a customer or the log goes through cafe_buf_html; the page's script and
 * style are files (share/cafe/web/), served beside it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "base/people.h"
#include "view/page.h"
#include "web.h"

static void
page_head(struct cafe_buf *b, const char *title, const char *stream)
{
	cafe_buf_cat(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	    "<title>");
	cafe_buf_html(b, title);
	cafe_buf_cat(b, "</title><link rel=\"stylesheet\" href=\"/style.css\">"
	    "<noscript><meta http-equiv=\"refresh\" content=\"10\"></noscript>"
	    "<script src=\"/app.js\" defer></script></head>\n<body data-stream=\"");
	cafe_buf_html(b, stream);
	cafe_buf_cat(b, "\">\n");
}

char *
cafe_web_board_html(json_t *board)
{
	struct cafe_buf b = { 0 };
	size_t i;
	json_t *v;

	page_head(&b, "Pick-up", "/events");
	cafe_buf_cat(&b, "<main class=\"board\"><section><h1>Being made</h1><ul id=\"making\">");
	json_array_foreach(json_object_get(board, "making"), i, v)
		cafe_buf_printf(&b, "<li>%lld</li>", (long long)json_integer_value(v));
	cafe_buf_cat(&b, "</ul></section><section class=\"ready\"><h1>Ready</h1><ul id=\"ready\">");
	json_array_foreach(json_object_get(board, "ready"), i, v)
		cafe_buf_printf(&b, "<li>%lld</li>", (long long)json_integer_value(v));
	cafe_buf_cat(&b, "</ul></section></main></body></html>\n");
	return b.s;
}

char *
cafe_web_order_html(json_t *row, const char *token)
{
	struct cafe_buf b = { 0 };
	char title[64], when[64], money[64], stream[128];
	const char *cur = json_string_value(json_object_get(row, "currency"));
	json_t *items = json_object_get(row, "items"), *it;
	size_t i;

	snprintf(title, sizeof title, "Order %lld",
	    (long long)json_integer_value(json_object_get(row, "order_id")));
	snprintf(stream, sizeof stream, "/o/%s/events", token);
	page_head(&b, title, stream);
	cafe_buf_cat(&b, "<main class=\"order\"><h1>");
	cafe_buf_html(&b, title);
	cafe_buf_cat(&b, "</h1><p class=\"for\">for ");
	cafe_buf_html(&b, json_string_value(json_object_get(row, "customer")));
	cafe_buf_cat(&b, "</p><p id=\"status\" class=\"status\">");
	cafe_buf_html(&b, cafe_page_status(row));
	cafe_buf_cat(&b, "</p><h2>Items</h2><ul class=\"items\">");
	json_array_foreach(items, i, it) {
		json_t *opt = json_object_get(it, "options"), *c;
		size_t k;

		cafe_buf_cat(&b, "<li>");
		cafe_buf_printf(&b, "%lld &times; ", (long long)json_integer_value(json_object_get(it, "qty")));
		cafe_buf_html(&b, json_string_value(json_object_get(it, "product")));
		json_array_foreach(opt, k, c) {
			cafe_buf_cat(&b, k ? ", " : " (");
			cafe_buf_html(&b, json_string_value(c));
		}
		if (json_array_size(opt))
			cafe_buf_cat(&b, ")");
		cafe_buf_cat(&b, "</li>");
	}
	cafe_buf_cat(&b, "</ul><p class=\"total\">Total ");
	cafe_buf_html(&b, cafe_money(json_integer_value(json_object_get(row, "total")), cur, money,
	    sizeof money));
	if (json_integer_value(json_object_get(row, "refunded")) > 0) {
		cafe_buf_cat(&b, ", refunded ");
		cafe_buf_html(&b, cafe_money(json_integer_value(json_object_get(row, "refunded")), cur,
		    money, sizeof money));
	}
	cafe_buf_cat(&b, "</p><h2>So far</h2><ol id=\"steps\" class=\"steps\">");
	json_array_foreach(json_object_get(row, "steps"), i, it) {
		cafe_buf_cat(&b, "<li><time>");
		cafe_buf_html(&b, cafe_local_time(json_string_value(json_object_get(it, "ts")), when,
		    sizeof when));
		cafe_buf_cat(&b, "</time> ");
		cafe_buf_html(&b, json_string_value(json_object_get(it, "text")));
		if (json_is_integer(json_object_get(it, "amount"))) {
			cafe_buf_cat(&b, " ");
			cafe_buf_html(&b, cafe_money(json_integer_value(json_object_get(it, "amount")), cur,
			    money, sizeof money));
		}
		cafe_buf_cat(&b, "</li>");
	}
	cafe_buf_cat(&b, "</ol></main></body></html>\n");
	return b.s;
}

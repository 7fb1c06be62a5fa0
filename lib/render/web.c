/*
 * web.c - the customers' pages as HTML (web.h). Every text that came from
 * a customer or the log goes through cafe_buf_html; the page's script and
 * style are files (share/cafe/web/), served beside it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/lang.h"
#include "base/people.h"
#include "domain/items.h"
#include "view/page.h"
#include "web.h"

/* Text for the page's reader, in the page's language. */
#define T(s) cafe_tr(lang, (s))

static void
page_head(struct cafe_buf *b, const char *lang, const char *title, const char *stream)
{
	cafe_buf_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">",
	    lang && strcmp(lang, "ko") == 0 ? "ko" : "en");
	cafe_buf_cat(b, 
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	    "<title>");
	cafe_buf_html(b, title);
	cafe_buf_cat(b, "</title><link rel=\"stylesheet\" href=\"/style.css\">");
	/* A page that follows the log refreshes itself without a script;
	 * a form never does (it would lose what was typed). */
	if (*stream)
		cafe_buf_cat(b, "<noscript><meta http-equiv=\"refresh\" content=\"10\"></noscript>");
	cafe_buf_cat(b, "<script src=\"/app.js\" defer></script></head>\n<body data-stream=\"");
	cafe_buf_html(b, stream);
	cafe_buf_cat(b, "\">\n");
}

/* A translated text with one %s (fmt), html in its place: the words
 * around it stay the translation's, in its order, escaped. */
static void
fill(struct cafe_buf *b, const char *fmt, const char *html)
{
	const char *at = strstr(fmt, "%s");
	char *head = cafe_xstrdup(fmt);

	if (at)
		head[at - fmt] = '\0';
	cafe_buf_html(b, head);
	free(head);
	if (!at)
		return;
	cafe_buf_cat(b, html);
	cafe_buf_html(b, at + 2);
}

/* The same with a text for its %s, escaped. */
static void
labelled(struct cafe_buf *b, const char *fmt, const char *value)
{
	struct cafe_buf v = { 0 };

	cafe_buf_html(&v, value ? value : "");
	fill(b, fmt, v.s ? v.s : "");
	free(v.s);
}

/* A form's field with its label. */
static void
field(struct cafe_buf *b, const char *label, const char *input)
{
	cafe_buf_cat(b, "<label>");
	cafe_buf_html(b, label);
	cafe_buf_cat(b, " ");
	cafe_buf_cat(b, input);
	cafe_buf_cat(b, "</label>");
}

char *
cafe_web_board_html(json_t *board, const char *lang)
{
	struct cafe_buf b = { 0 };
	json_t *v, *latest = json_object_get(board, "latest");
	char num[64];
	size_t i;


	page_head(&b, lang, T("Pick-up"), "/events");
	/* The number just called, large, until it is collected. */
	cafe_buf_printf(&b, "<p id=\"called\" class=\"called\"%s>",
	    json_is_integer(latest) ? "" : " hidden");
	/* TRANSLATORS: the number called on the pick-up board; %s is it, in bold. */
	snprintf(num, sizeof num, "<b id=\"latest\">%lld</b>",
	    (long long)json_integer_value(latest));
	fill(&b, T("Order %s is ready"), num);
	cafe_buf_cat(&b, "</p><main class=\"board\"><section><h1>");
	cafe_buf_html(&b, T("Being made"));
	cafe_buf_cat(&b, "</h1><ul id=\"making\">");
	json_array_foreach(json_object_get(board, "making"), i, v)
		cafe_buf_printf(&b, "<li>%lld</li>", (long long)json_integer_value(v));
	cafe_buf_cat(&b, "</ul></section><section class=\"ready\"><h1>");
	cafe_buf_html(&b, T("Ready"));
	cafe_buf_cat(&b, "</h1><ul id=\"ready\">");
	json_array_foreach(json_object_get(board, "ready"), i, v)
		cafe_buf_printf(&b, "<li>%lld</li>", (long long)json_integer_value(v));
	cafe_buf_cat(&b, "</ul></section></main></body></html>\n");
	return b.s;
}

char *
cafe_web_order_html(json_t *row, const char *token, int ordering, const char *lang)
{
	struct cafe_buf b = { 0 };
	char title[96], when[64], money[64], stream[128], num[32];
	const char *cur = json_string_value(json_object_get(row, "currency"));
	const char *customer;
	json_t *items = json_object_get(row, "items"), *it;
	size_t i;

	/* The number the counter calls out: the day's ticket. */
	snprintf(num, sizeof num, "%lld", (long long)json_integer_value(
	    json_object_get(row, json_is_integer(json_object_get(row, "ticket")) ?
	    "ticket" : "order_id")));
	/* TRANSLATORS: an order page's title; %s is the order's number. */
	snprintf(title, sizeof title, T("Order %s"), num);
	snprintf(stream, sizeof stream, "/o/%s/events", token);
	page_head(&b, lang, title, stream);
	cafe_buf_cat(&b, "<main class=\"order\"><h1>");
	cafe_buf_html(&b, title);
	cafe_buf_cat(&b, "</h1>");
	/* Who it is for, where messages go, when it is collected: each when
	 * the order says. */
	customer = json_string_value(json_object_get(row, "customer"));
	if (customer && *customer) {
		cafe_buf_cat(&b, "<p class=\"for\">");
		labelled(&b, T("for %s"), customer);
		cafe_buf_cat(&b, "</p>");
	}
	if (json_is_string(json_object_get(row, "contact"))) {
		cafe_buf_cat(&b, "<p class=\"for\">");
		labelled(&b, T("messages to %s"),
		    json_string_value(json_object_get(row, "contact")));
		cafe_buf_cat(&b, "</p>");
	}
	if (json_is_string(json_object_get(row, "pickup_at"))) {
		cafe_buf_cat(&b, "<p class=\"pickup\">");
		labelled(&b, T("pick-up at %s"), cafe_local_time(json_string_value(
		    json_object_get(row, "pickup_at")), when, sizeof when));
		cafe_buf_cat(&b, "</p>");
	}
	cafe_buf_cat(&b, "<p id=\"status\" class=\"status\">");
	cafe_buf_html(&b, cafe_page_status(row, lang));
	cafe_buf_cat(&b, "</p><h2>");
	cafe_buf_html(&b, T("Items"));
	cafe_buf_cat(&b, "</h2><ul class=\"items\">");
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
	cafe_buf_cat(&b, "</ul><p class=\"total\">");
	labelled(&b, T("Total %s"), cafe_money_in(lang, json_integer_value(json_object_get(row,
	    "total")), cur, money, sizeof money));
	if (json_integer_value(json_object_get(row, "refunded")) > 0) {
		cafe_buf_cat(&b, ", ");
		labelled(&b, T("refunded %s"), cafe_money_in(lang, json_integer_value(
		    json_object_get(row, "refunded")), cur, money, sizeof money));
	}
	cafe_buf_cat(&b, "</p><h2>");
	cafe_buf_html(&b, T("So far"));
	cafe_buf_cat(&b, "</h2><ol id=\"steps\" class=\"steps\">");
	json_array_foreach(json_object_get(row, "steps"), i, it) {
		cafe_buf_cat(&b, "<li><time>");
		cafe_buf_html(&b, cafe_local_time(json_string_value(json_object_get(it, "ts")), when,
		    sizeof when));
		cafe_buf_cat(&b, "</time> ");
		cafe_buf_html(&b, T(json_string_value(json_object_get(it, "text"))));
		if (json_is_integer(json_object_get(it, "amount"))) {
			cafe_buf_cat(&b, " ");
			cafe_buf_html(&b, cafe_money_in(lang, json_integer_value(json_object_get(it,
			    "amount")), cur, money, sizeof money));
		}
		cafe_buf_cat(&b, "</li>");
	}
	cafe_buf_cat(&b, "</ol>");
	/* The customer's own cancel, while it can work; the script takes
	 * the button away when the kitchen has made the drink. */
	if (ordering && json_is_true(json_object_get(row, "cancellable"))) {
		cafe_buf_printf(&b, "<form id=\"cancel\" method=\"post\" action=\"/o/%s/cancel\">"
		    "<button type=\"submit\" class=\"cancel\">", token);
		cafe_buf_html(&b, T("Cancel this order"));
		cafe_buf_cat(&b, "</button></form>");
	}
	cafe_buf_cat(&b, "</main></body></html>\n");
	return b.s;
}

char *
cafe_web_menu_html(json_t *menu, const char *currency, const char *key, const char *lang)
{
	struct cafe_buf b = { 0 };
	char money[64];
	size_t i;
	json_t *p;

	page_head(&b, lang, T("Order"), "");
	cafe_buf_cat(&b, "<main class=\"menu\"><h1>");
	cafe_buf_html(&b, T("Order"));
	cafe_buf_cat(&b, "</h1><form id=\"order\" method=\"post\" action=\"/orders\">"
	    "<ul class=\"products\">");
	json_array_foreach(menu, i, p) {
		const char *name = json_string_value(json_object_get(p, "product"));
		json_t *stock = json_object_get(p, "stock"), *groups = json_object_get(p, "options");
		const char *group;
		json_t *choices;

		cafe_buf_cat(&b, "<li class=\"product\"><label><span class=\"name\">");
		cafe_buf_html(&b, name);
		cafe_buf_cat(&b, "</span> <span class=\"price\">");
		cafe_buf_html(&b, cafe_money_in(lang, json_integer_value(json_object_get(p, "price")),
		    currency, money, sizeof money));
		cafe_buf_cat(&b, "</span>");
		if (json_is_integer(stock) && json_integer_value(stock) <= 0) {
			cafe_buf_cat(&b, " <span class=\"soldout\">");
			cafe_buf_html(&b, T("sold out"));
			cafe_buf_cat(&b, "</span>");
		}
		cafe_buf_cat(&b, "<input type=\"number\" min=\"0\" max=\"100\" value=\"0\" "
		    "inputmode=\"numeric\" name=\"qty:");
		cafe_buf_html(&b, name);
		cafe_buf_cat(&b, "\"></label>");
		json_object_foreach(groups, group, choices) {
			const char *choice;
			json_t *price;

			cafe_buf_cat(&b, "<label class=\"choice\">");
			cafe_buf_html(&b, group);
			cafe_buf_cat(&b, " <select name=\"opt:");
			cafe_buf_html(&b, name);
			cafe_buf_cat(&b, ":");
			cafe_buf_html(&b, group);
			cafe_buf_cat(&b, "\">");
			json_object_foreach(choices, choice, price) {
				cafe_buf_cat(&b, "<option value=\"");
				cafe_buf_html(&b, choice);
				cafe_buf_cat(&b, "\">");
				cafe_buf_html(&b, choice);
				if (json_integer_value(price)) {
					cafe_buf_cat(&b, " +");
					cafe_buf_html(&b, cafe_money_in(lang, json_integer_value(price),
					    currency, money, sizeof money));
				}
				cafe_buf_cat(&b, "</option>");
			}
			cafe_buf_cat(&b, "</select></label>");
		}
		cafe_buf_cat(&b, "</li>");
	}
	cafe_buf_cat(&b, "</ul>");
	field(&b, T("Your name"), "<input name=\"customer\" maxlength=\"200\" "
	    "autocomplete=\"name\">");
	field(&b, T("Phone or e-mail, for messages"), "<input name=\"contact\" "
	    "maxlength=\"254\" autocomplete=\"tel\">");
	field(&b, T("Note for the kitchen"), "<input name=\"note\" maxlength=\"500\">");
	field(&b, T("To take away"), "<input type=\"checkbox\" name=\"takeout\" value=\"1\">");
	field(&b, T("Pick up later at (empty: now)"), "<input type=\"time\" name=\"pickup_at\">");
	cafe_buf_cat(&b, "<input type=\"hidden\" name=\"key\" value=\"");
	cafe_buf_html(&b, key);
	cafe_buf_cat(&b, "\"><button type=\"submit\" class=\"order\">");
	cafe_buf_html(&b, T("Order and pay"));
	cafe_buf_cat(&b, "</button></form></main></body></html>\n");
	return b.s;
}

/* One delivery of a rider's page, with its button. */
static void
rider_delivery(struct cafe_buf *b, json_t *d, const char *token, const char *action,
    const char *label)
{
	long long id = (long long)json_integer_value(json_object_get(d, "order_id"));
	char *items = cafe_items_text(json_object_get(d, "items"));

	cafe_buf_printf(b, "<li class=\"delivery\"><p><b>Order %lld</b> ", id);
	cafe_buf_html(b, items);
	cafe_buf_cat(b, "</p><p class=\"address\">");
	cafe_buf_html(b, json_string_value(json_object_get(d, "address")));
	cafe_buf_cat(b, "</p><p class=\"for\">for ");
	cafe_buf_html(b, json_string_value(json_object_get(d, "customer")));
	cafe_buf_printf(b, "</p><form method=\"post\" action=\"/r/%s/%s/%lld\"><button "
	    "type=\"submit\" class=\"%s\">", token, action, id, action);
	cafe_buf_html(b, label);
	cafe_buf_cat(b, "</button></form></li>");
	free(items);
}

char *
cafe_web_rider_html(json_t *view, const char *token)
{
	struct cafe_buf b = { 0 };
	size_t i;
	json_t *d;

	page_head(&b, "en", "Deliveries", "/events");
	cafe_buf_cat(&b, "<main class=\"rider\" data-reload=\"1\"><h1>");
	cafe_buf_html(&b, json_string_value(json_object_get(view, "rider")));
	cafe_buf_cat(&b, "</h1><h2>Waiting for a rider</h2><ul id=\"waiting\" class=\"deliveries\">");
	json_array_foreach(json_object_get(view, "waiting"), i, d)
		rider_delivery(&b, d, token, "pickup", "Picked up");
	cafe_buf_cat(&b, "</ul><h2>Carrying</h2><ul id=\"carrying\" class=\"deliveries\">");
	json_array_foreach(json_object_get(view, "carrying"), i, d)
		rider_delivery(&b, d, token, "deliver", "Delivered");
	cafe_buf_cat(&b, "</ul></main></body></html>\n");
	return b.s;
}

char *
cafe_web_refusal_html(const char *headline, const char *message, const char *back,
    const char *lang)
{
	struct cafe_buf b = { 0 };

	page_head(&b, lang, T("Not ordered"), "");
	cafe_buf_cat(&b, "<main class=\"refused\"><h1>");
	cafe_buf_html(&b, T("Sorry"));
	cafe_buf_cat(&b, "</h1><p class=\"headline\">");
	cafe_buf_html(&b, T(headline));
	cafe_buf_cat(&b, "</p><p id=\"error\">");
	cafe_buf_html(&b, message);
	cafe_buf_cat(&b, "</p><p><a href=\"");
	cafe_buf_html(&b, back);
	cafe_buf_cat(&b, "\">");
	cafe_buf_html(&b, T("Back"));
	cafe_buf_cat(&b, "</a></p></main></body></html>\n");
	return b.s;
}

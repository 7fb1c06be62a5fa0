/*
 * receipt-print.c - a receipt as people read it (receipt-print.h): the
 * order, who it is for, its items in an aligned table, the sums with the
 * tax, the payment and the refunds, and the link to follow it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/people.h"
#include "cli.h"
#include "receipt-print.h"

/* One line of a receipt's sums: a label, the amount at the right, a note. */
static void
receipt_line(const char *label, long long amount, const char *currency, const char *note)
{
	char money[64];

	cafe_money(amount, currency, money, sizeof money);
	printf("%-34s %16s%s%s\n", label, money, note && *note ? "  " : "", note ? note : "");
}

void
cafe_print_receipt(json_t *r)
{
	static const char *const head[] = { "ITEM", "CHOICES", ">QTY", ">PRICE", ">AMOUNT" };
	const char *cur = json_string_value(json_object_get(r, "currency"));
	const char *who = json_string_value(json_object_get(r, "customer"));
	const char *where = json_string_value(json_object_get(r, "address"));
	json_t *tax = json_object_get(r, "tax"), *it, *opt;
	struct cafe_table *t = cafe_table_new(5, head);
	char when[64], label[96], q[32], p[48], a[48];
	size_t i, j;

	if (json_is_integer(json_object_get(r, "ticket")))
		printf("Ticket %lld  ",
		    (long long)json_integer_value(json_object_get(r, "ticket")));
	printf("Order %lld, placed %s%s\n",
	    (long long)json_integer_value(json_object_get(r, "order_id")),
	    cafe_local_time(json_string_value(json_object_get(r, "placed_at")), when,
	    sizeof when), json_is_true(json_object_get(r, "takeout")) ? ", to go" : "");
	if (json_is_string(json_object_get(r, "note")))
		printf("Note: %s\n", json_string_value(json_object_get(r, "note")));
	if ((who && *who) || (where && *where))
		printf("For %s%s%s\n", who && *who ? who : "", who && *who && where && *where ?
		    ", " : "", where && *where ? where : "");
	putchar('\n');
	json_array_foreach(json_object_get(r, "items"), i, it) {
		struct cafe_buf choices = { NULL, 0, 0 };

		cafe_buf_add(&choices, "", 0);
		json_array_foreach(json_object_get(it, "options"), j, opt) {
			cafe_buf_cat(&choices, j ? ", " : "");
			cafe_buf_cat(&choices, json_string_value(opt));
		}
		if (json_is_string(json_object_get(it, "note"))) {
			cafe_buf_cat(&choices, "; ");
			cafe_buf_cat(&choices, json_string_value(json_object_get(it, "note")));
		}
		snprintf(q, sizeof q, "%lld", (long long)json_integer_value(json_object_get(it, "qty")));
		cafe_grouped(json_integer_value(json_object_get(it, "unit_price")), p, sizeof p);
		cafe_grouped(json_integer_value(json_object_get(it, "total")), a, sizeof a);
		cafe_table_add(t, (const char *const[]){
		    json_string_value(json_object_get(it, "product")), choices.s, q, p, a });
		free(choices.s);
	}
	cafe_table_print(t, stdout);
	cafe_table_free(t);
	putchar('\n');
	receipt_line("Subtotal", json_integer_value(json_object_get(r, "subtotal")), cur, NULL);
	if (json_integer_value(json_object_get(tax, "rate_percent")) > 0) {
		snprintf(label, sizeof label, "Tax %lld%% (%s)",
		    (long long)json_integer_value(json_object_get(tax, "rate_percent")),
		    json_is_true(json_object_get(tax, "included")) ? "included" : "added");
		receipt_line(label, json_integer_value(json_object_get(tax, "amount")), cur, NULL);
	}
	receipt_line("Total", json_integer_value(json_object_get(r, "total")), cur, NULL);
	json_array_foreach(json_object_get(r, "tenders"), i, it) {
		int cash = strcmp(json_string_value(json_object_get(it, "tender")), "cash") == 0;

		snprintf(label, sizeof label, "%s", cash ? "" :
		    json_string_value(json_object_get(json_object_get(r, "payment"), "ref")));
		receipt_line(cash ? "Paid in cash" : "Paid by card",
		    json_integer_value(json_object_get(it, "amount")), cur, label);
	}
	if (json_integer_value(json_object_get(r, "change")) > 0)
		receipt_line("Change", json_integer_value(json_object_get(r, "change")), cur,
		    NULL);
	json_array_foreach(json_object_get(r, "refunds"), i, it) {
		snprintf(label, sizeof label, "Refunded%s %s",
		    strcmp(json_string_value(json_object_get(it, "tender")), "cash") == 0 ?
		    " in cash" : "",
		    cafe_local_time(json_string_value(json_object_get(it, "ts")), when,
		    sizeof when));
		receipt_line(label, -json_integer_value(json_object_get(it, "amount")), cur,
		    json_string_value(json_object_get(it, "reason")));
	}
	if (json_is_string(json_object_get(r, "link")))
		printf("\nYour order, as it goes: %s\n",
		    json_string_value(json_object_get(r, "link")));
}

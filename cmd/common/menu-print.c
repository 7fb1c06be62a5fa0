/*
 * menu-print.c - `cafe-order menu` for people (menu-print.h): the products
 * with their codes, prices, stock and option groups, then the groups'
 * choices with what each adds to the price.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/people.h"
#include "cli.h"
#include "menu-print.h"

/* The option groups the menu's products use, each with its choices. */
static void
print_options(const struct cafe_config *c)
{
	static const char *const head[] = { "OPTION", "CHOICES (the first is the default)" };
	struct cafe_table *t = cafe_table_new(2, head);
	size_t used = 0;

	for (size_t i = 0; i < c->noptions; i++) {
		const struct cafe_option_group *g = &c->options[i];
		struct cafe_buf b = { NULL, 0, 0 };
		int named = 0;

		for (size_t k = 0; k < c->nmenu && !named; k++)
			for (char **n = c->menu[k].groups; n && *n && !named; n++)
				named = strcmp(*n, g->name) == 0;
		if (!named)
			continue;
		cafe_buf_add(&b, "", 0);
		for (size_t j = 0; j < g->nchoices; j++) {
			char price[48], money[64];

			cafe_buf_cat(&b, j ? ", " : "");
			cafe_buf_cat(&b, g->choices[j].name);
			if (g->choices[j].price) {
				snprintf(price, sizeof price, " +%s",
				    cafe_grouped(g->choices[j].price, money, sizeof money));
				cafe_buf_cat(&b, price);
			}
		}
		cafe_table_add(t, (const char *const[]){ g->name, b.s });
		free(b.s);
		used++;
	}
	if (used) {
		putchar('\n');
		cafe_table_print(t, stdout);
	}
	cafe_table_free(t);
}

void
cafe_print_menu(const struct cafe_config *c, const struct cafe_stock *levels)
{
	static const char *const head[] = { "PRODUCT", "CODE", ">PRICE", ">STOCK", "OPTIONS" };
	struct cafe_table *t;
	int codes = 0;

	/* A CODE column only when some product has a code. */
	for (size_t i = 0; i < c->nmenu; i++)
		codes |= c->menu[i].code != NULL;
	t = codes ? cafe_table_new(5, head) :
	    cafe_table_new(4, (const char *const[]){ head[0], head[2], head[3], head[4] });
	for (size_t i = 0; i < c->nmenu; i++) {
		const struct cafe_product *p = &c->menu[i];
		struct cafe_buf groups = { NULL, 0, 0 };
		char price[48], stock[32];

		cafe_buf_add(&groups, "", 0);
		for (char **g = p->groups; g && *g; g++) {
			cafe_buf_cat(&groups, g == p->groups ? "" : ", ");
			cafe_buf_cat(&groups, *g);
		}
		cafe_grouped(p->price, price, sizeof price);
		snprintf(stock, sizeof stock, levels[i].tracked ? "%lld" : "-", levels[i].level);
		if (codes)
			cafe_table_add(t, (const char *const[]){ p->name, p->code ? p->code : "",
			    price, stock, groups.s });
		else
			cafe_table_add(t, (const char *const[]){ p->name, price, stock, groups.s });
		free(groups.s);
	}
	cafe_table_print(t, stdout);
	cafe_table_free(t);
	print_options(c);
}

/* "size,milk" as a NULL-terminated list; "" clears the groups. */
char **
cafe_split_groups(const char *s)
{
	size_t n = 1;
	char **g, *copy, *tok, *save;

	for (const char *p = s; *p; p++)
		n += *p == ',';
	g = cafe_xcalloc(n + 1, sizeof *g);
	copy = cafe_xstrdup(s);
	n = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		g[n++] = cafe_xstrdup(tok);
	free(copy);
	return g;
}

void
cafe_free_groups(char **g)
{
	for (char **p = g; p && *p; p++)
		free(*p);
	free(g);
}

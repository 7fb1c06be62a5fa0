/*
 * shop.c - --shop as every program takes it (cli.h, DESIGN §15): the
 * config's shop when it is not given, the chain's with "all", and a
 * refusal naming the shops the log knows for one it has never seen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void
cafe_shops_free(char **shops)
{
	for (size_t i = 0; shops && shops[i]; i++)
		free(shops[i]);
	free(shops);
}

int
cafe_ctx_shop(struct cafe_ctx *ctx, const char *opt, const char **shop, char ***shops,
    struct cafe_err *e)
{
	char **known = NULL;
	size_t n = 0, len = 0;
	int status, found = 0;
	char list[1024];

	if (shops)
		*shops = NULL;
	*shop = opt ? opt : ctx->config.shop;
	if (!opt)
		return 0;
	if (ctx->log && (status = cafe_log_shops(ctx->log, &known, &n, e)) != 0)
		return status;
	if (strcmp(opt, "all") == 0) {
		*shop = NULL;
		if (shops)
			*shops = known ? known : cafe_xcalloc(1, sizeof *known);
		else
			cafe_shops_free(known);
		return 0;
	}
	list[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		found |= strcmp(known[i], opt) == 0;
		if (len < sizeof list)
			len += (size_t)snprintf(list + len, sizeof list - len, "%s'%s'",
			    i ? ", " : "", known[i]);
	}
	cafe_shops_free(known);
	if (found)
		return 0;
	return cafe_err_set(e, CAFE_REFUSED, "no shop '%s' in the log (%s%s)", opt,
	    n ? "it knows " : "it names none yet", list);
}

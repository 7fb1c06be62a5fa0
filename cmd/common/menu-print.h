/*
 * menu-print.h - `cafe-order menu` for people: the shop's products as a
 * table and the choices of their option groups.
 */
#ifndef CAFE_MENU_PRINT_H
#define CAFE_MENU_PRINT_H

#include "config/config.h"
#include "domain/order.h"

/* levels: the stock of each of c->menu's products, in order. */
void cafe_print_menu(const struct cafe_config *c, const struct cafe_stock *levels);
/* "size,milk" as a NULL-terminated list of new strings ("" clears a
 * product's groups); cafe_free_groups frees it. */
char **cafe_split_groups(const char *s);
void cafe_free_groups(char **g);

#endif

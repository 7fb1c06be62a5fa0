/*
 * product-index.h - finding a product by its name or its code without
 * walking the menu: a menu of 100,000 products is looked up as fast as
 * one of ten. The index holds positions in an array of products that the
 * caller owns; it borrows nothing else, so a product whose strings are
 * replaced is still found, and an array that moves (realloc) needs only
 * the new pointer at the next look-up.
 */
#ifndef CAFE_PRODUCT_INDEX_H
#define CAFE_PRODUCT_INDEX_H

#include <stddef.h>

struct cafe_product;
struct cafe_product_index;

/* An index of products[0..n): the first product to hold a name or a code
 * keeps it. Free with cafe_product_index_free (NULL is fine). */
struct cafe_product_index *cafe_product_index_new(const struct cafe_product *products,
		size_t n);
void cafe_product_index_free(struct cafe_product_index *x);

/* Adds products[i], the array's newest, under its name and code. */
void cafe_product_index_add(struct cafe_product_index *x, const struct cafe_product *products,
		size_t i);

/* The position of the product named name (by_code: whose code is name) in
 * products, or -1. */
long cafe_product_index_find(const struct cafe_product_index *x,
		const struct cafe_product *products, const char *name, int by_code);

/* The count of products the index holds (to tell whether it is current). */
size_t cafe_product_index_count(const struct cafe_product_index *x);

#endif

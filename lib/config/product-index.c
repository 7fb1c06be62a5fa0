/*
 * product-index.c - products by name and by code (product-index.h): two
 * open-addressing hash tables of positions (FNV-1a, linear probing), kept
 * at most half full. Slots hold position + 1; 0 is empty.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/cafe.h"
#include "config.h"
#include "product-index.h"

struct cafe_product_index {
	size_t cap;             /* a power of two */
	size_t n;               /* products added */
	size_t *by_name, *by_code;
};

static uint64_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	/* FNV's low bits vary little between "p1234" and "p1235": mix. */
	h ^= h >> 32;
	h *= 0xd6e8feb86659fd93ULL;
	return h ^ (h >> 32);
}

static const char *
key_of(const struct cafe_product *p, int by_code)
{
	return by_code ? p->code : p->name;
}

/* The slot that holds name, or the empty slot where it would go. */
static size_t *
slot(size_t *table, size_t cap, const struct cafe_product *products, const char *name,
    int by_code)
{
	size_t i = (size_t)hash(name) & (cap - 1);

	for (; table[i]; i = (i + 1) & (cap - 1))
		if (strcmp(key_of(&products[table[i] - 1], by_code), name) == 0)
			break;
	return &table[i];
}

static void
put(struct cafe_product_index *x, const struct cafe_product *products, size_t i)
{
	for (int by_code = 0; by_code < 2; by_code++) {
		const char *k = key_of(&products[i], by_code);
		size_t *s;

		if (!k)
			continue;
		s = slot(by_code ? x->by_code : x->by_name, x->cap, products, k, by_code);
		if (!*s)
			*s = i + 1;
	}
}

static void
fill(struct cafe_product_index *x, const struct cafe_product *products, size_t n)
{
	free(x->by_name);
	free(x->by_code);
	x->by_name = cafe_xcalloc(x->cap, sizeof *x->by_name);
	x->by_code = cafe_xcalloc(x->cap, sizeof *x->by_code);
	for (size_t i = 0; i < n; i++)
		put(x, products, i);
	x->n = n;
}

struct cafe_product_index *
cafe_product_index_new(const struct cafe_product *products, size_t n)
{
	struct cafe_product_index *x = cafe_xcalloc(1, sizeof *x);

	x->cap = 16;
	while (x->cap < 2 * n)
		x->cap *= 2;
	fill(x, products, n);
	return x;
}

void
cafe_product_index_free(struct cafe_product_index *x)
{
	if (!x)
		return;
	free(x->by_name);
	free(x->by_code);
	free(x);
}

void
cafe_product_index_add(struct cafe_product_index *x, const struct cafe_product *products,
    size_t i)
{
	if (2 * (i + 1) > x->cap) {
		x->cap *= 2;
		fill(x, products, i);
	}
	put(x, products, i);
	x->n = i + 1;
}

long
cafe_product_index_find(const struct cafe_product_index *x,
    const struct cafe_product *products, const char *name, int by_code)
{
	size_t s = *slot(by_code ? x->by_code : x->by_name, x->cap, products, name, by_code);

	return s ? (long)s - 1 : -1;
}

size_t
cafe_product_index_count(const struct cafe_product_index *x)
{
	return x ? x->n : 0;
}

/*
 * stock.c - a product's stock level in the log's shop, folded from its
 * stream (stock-PRODUCT, or stock-SHOP:PRODUCT in a chain's other shops:
 * cafe_stock_stream) (stock.h).
 *
 * Every order reserves stock, so the stream grows with the shop's history.
 * To keep a placement O(1), the fold is snapshotted in table stock_levels:
 * (product, version, level, tracked, base). A load starts from the snapshot
 * and folds only the events after its version; inside a write transaction
 * it stores the new fold. The snapshot is operational state, never a
 * second truth: `base` records the config's initial level it was folded
 * from, and a snapshot whose base no longer matches the config is ignored
 * and rebuilt from the whole stream. Dropping the table loses nothing.
 *
 * The config's level counts only until the product is first used: its
 * first StockReserved records the level it starts from (order.c), and the
 * fold takes the log's word from then on.
 */
#include <stdio.h>
#include <string.h>

#include "stock.h"

static int
fold_stock(const struct cafe_event *ev, void *arg)
{
	cafe_stock_apply(arg, ev);
	return 0;
}

struct as_of {
	struct cafe_stock *s;
	long long until_ms;
};

static int
fold_stock_until(const struct cafe_event *ev, void *arg)
{
	struct as_of *a = arg;

	if (cafe_parse_ts(ev->ts) <= a->until_ms)
		cafe_stock_apply(a->s, ev);
	return 0;
}

/* The config's starting point, as stored in a snapshot: -1 when untracked. */
static long long
base_of(const struct cafe_product *p)
{
	return p && p->tracked ? p->stock : -1;
}

/* Reads the snapshot into s when it is usable; a missing table is no snapshot. */
static void
snapshot_read(struct cafe_db *db, const char *product, long long base, struct cafe_stock *s)
{
	struct cafe_stmt *st;

	/* Asked first: on some engines a failed statement spoils the whole
	 * transaction around it. */
	if (!cafe_db_has(db, "stock_levels", NULL))
		return;
	if (cafe_db_prepare(db, "SELECT version, level, tracked FROM stock_levels "
	    "WHERE product = ? AND base = ?", &st) != CAFE_DB_OK)
		return;
	cafe_stmt_text(st, 1, product);
	cafe_stmt_int(st, 2, base);
	if (cafe_stmt_step(st) == CAFE_DB_ROW) {
		s->version = cafe_col_int(st, 0);
		s->level = cafe_col_int(st, 1);
		s->tracked = cafe_col_int(st, 2);
	}
	cafe_stmt_free(st);
}

static void
snapshot_write(struct cafe_db *db, const char *product, long long base,
    const struct cafe_stock *s)
{
	struct cafe_stmt *st;
	int rc;

	rc = cafe_db_exec(db, "CREATE TABLE IF NOT EXISTS stock_levels("
	    "product TEXT PRIMARY KEY, version BIGINT NOT NULL, level BIGINT NOT NULL, "
	    "tracked INTEGER NOT NULL, base BIGINT NOT NULL)");
	if (rc == CAFE_DB_OK)
		rc = cafe_db_prepare(db, "INSERT INTO stock_levels(product, version, level, "
		    "tracked, base) VALUES (?, ?, ?, ?, ?) ON CONFLICT(product) DO UPDATE "
		    "SET version = excluded.version, level = excluded.level, "
		    "tracked = excluded.tracked, base = excluded.base", &st);
	if (rc != CAFE_DB_OK)
		return;
	cafe_stmt_text(st, 1, product);
	cafe_stmt_int(st, 2, s->version);
	cafe_stmt_int(st, 3, s->level);
	cafe_stmt_int(st, 4, s->tracked);
	cafe_stmt_int(st, 5, base);
	cafe_stmt_step(st);
	cafe_stmt_free(st);
}

int
cafe_stock_load(struct cafe_log *log, const struct cafe_config *c, const char *product,
    struct cafe_stock *s, struct cafe_err *e)
{
	const struct cafe_product *p = cafe_config_product(c, product);
	long long base = base_of(p), from;
	char stream[256];
	int status;

	cafe_stock_init(s, p);
	if (!log)
		return 0;       /* no log yet: the config's level */
	/* The snapshot's key is the stream's name after "stock-": the
	 * product, or SHOP:PRODUCT in another shop than "main". */
	cafe_stock_stream(stream, sizeof stream, cafe_log_shop(log), product);
	snapshot_read(cafe_log_store(log), stream + 6, base, s);
	from = s->version;
	if ((status = cafe_log_read_stream_after(log, stream, s->version, fold_stock, s, e)) != 0)
		return status;
	/* The snapshot only saves work: when it cannot be written, the
	 * command goes on and its own writes report what is wrong. */
	if (s->version > from && cafe_log_in_txn(log))
		snapshot_write(cafe_log_store(log), stream + 6, base, s);
	return 0;
}

int
cafe_stock_load_as_of(struct cafe_log *log, const struct cafe_config *c,
    const char *product, long long until_ms, struct cafe_stock *s, struct cafe_err *e)
{
	struct as_of a = { s, until_ms };
	char stream[256];

	cafe_stock_init(s, cafe_config_product(c, product));
	cafe_stock_stream(stream, sizeof stream, cafe_log_shop(log), product);
	return cafe_log_read_stream_after(log, stream, 0, fold_stock_until, &a, e);
}

/*
 * log-pool.h - connections to the log that a server's threads take
 * turns with: opened when first needed, handed to one thread at a time.
 */
#ifndef CAFE_LOG_POOL_H
#define CAFE_LOG_POOL_H

#include <pthread.h>

#include "store/log.h"

#define CAFE_LOG_POOL_MAX 8

struct cafe_log_pool {
	const char *path;
	int flags;                  /* cafe_log_open's */
	const char *tool;           /* meta.tool of what it appends; NULL: the default */
	const char *shop;           /* meta.shop of what it appends; NULL: the default */
	int n;                      /* connections at most */
	pthread_mutex_t mu;
	pthread_cond_t freed;
	struct cafe_log *log[CAFE_LOG_POOL_MAX];
	int busy[CAFE_LOG_POOL_MAX];
};

void cafe_log_pool_init(struct cafe_log_pool *p, const char *path, int flags,
		const char *tool, int n);
/* A connection of the pool, waiting for one to be free; NULL (e set)
 * when it cannot be opened. */
struct cafe_log *cafe_log_pool_get(struct cafe_log_pool *p, struct cafe_err *e);
void cafe_log_pool_put(struct cafe_log_pool *p, struct cafe_log *log);
/* Closes every connection; none may be out. */
void cafe_log_pool_close(struct cafe_log_pool *p);

#endif

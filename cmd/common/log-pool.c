/*
 * log-pool.c - connections to the log that a server's threads take turns
 * with (log-pool.h).
 */
#include <string.h>

#include "base/cond.h"
#include "log-pool.h"

void
cafe_log_pool_init(struct cafe_log_pool *p, const char *path, int flags, const char *tool,
    int n)
{
	memset(p, 0, sizeof *p);
	p->path = path;
	p->flags = flags;
	p->tool = tool;
	p->n = n < 1 ? 1 : n > CAFE_LOG_POOL_MAX ? CAFE_LOG_POOL_MAX : n;
	pthread_mutex_init(&p->mu, NULL);
	cafe_cond_init(&p->freed);
}

struct cafe_log *
cafe_log_pool_get(struct cafe_log_pool *p, struct cafe_err *e)
{
	struct cafe_log *log;
	int slot = -1;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		for (int i = 0; i < p->n && slot < 0; i++)
			if (!p->busy[i])
				slot = i;
		if (slot >= 0)
			break;
		pthread_cond_wait(&p->freed, &p->mu);
	}
	p->busy[slot] = 1;
	log = p->log[slot];
	pthread_mutex_unlock(&p->mu);
	if (!log) {
		if (cafe_log_open(&log, p->path, p->flags, e) != 0) {
			pthread_mutex_lock(&p->mu);
			p->busy[slot] = 0;
			pthread_cond_signal(&p->freed);
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		if (p->tool)
			cafe_log_set_tool(log, p->tool);
		if (p->shop)
			cafe_log_set_shop(log, p->shop);
		pthread_mutex_lock(&p->mu);
		p->log[slot] = log;
		pthread_mutex_unlock(&p->mu);
	}
	return log;
}

void
cafe_log_pool_put(struct cafe_log_pool *p, struct cafe_log *log)
{
	pthread_mutex_lock(&p->mu);
	for (int i = 0; i < p->n; i++)
		if (p->log[i] == log)
			p->busy[i] = 0;
	pthread_cond_signal(&p->freed);
	pthread_mutex_unlock(&p->mu);
}

void
cafe_log_pool_close(struct cafe_log_pool *p)
{
	for (int i = 0; i < p->n; i++) {
		cafe_log_close(p->log[i]);
		p->log[i] = NULL;
	}
}

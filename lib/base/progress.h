/*
 * progress.h - how far long library work is (an import, a trace rebuild,
 * the daemon working off a backlog). The library never prints: it calls
 * cafe_progress_report() with how much is done, and whoever set the
 * callback (a program in cmd/, through its meter in cmd/common/meter.h)
 * decides what to show. A NULL progress, or one without a callback,
 * reports nowhere.
 */
#ifndef CAFE_PROGRESS_H
#define CAFE_PROGRESS_H

struct cafe_progress {
	/* done of total units so far; total 0 when unknown. */
	void (*fn)(void *arg, long long done, long long total);
	void *arg;
};

/* Library side: tells p how far the work is. p may be NULL. */
void cafe_progress_report(const struct cafe_progress *p, long long done,
		long long total);

#endif

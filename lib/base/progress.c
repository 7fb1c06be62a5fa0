/*
 * progress.c - progress reports (progress.h).
 */
#include "progress.h"

void
cafe_progress_report(const struct cafe_progress *p, long long done, long long total)
{
	if (p && p->fn)
		p->fn(p->arg, done, total);
}

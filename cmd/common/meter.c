/*
 * meter.c - the stderr meter (meter.h).
 *
 * Invariants: the meter writes only to stderr, only while stderr is a
 * terminal, and every line it draws starts with a carriage return and ends
 * with an erase-to-end-of-line, so it never mixes with what stdout prints
 * or leaves a half line behind after cafe_meter_finish().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cafe.h"
#include "meter.h"

void
cafe_format_duration(long long ms, char *buf, unsigned long n)
{
	long long s = ms / 1000;

	if (ms < 0)
		snprintf(buf, n, "-");
	else if (ms < 1000)
		snprintf(buf, n, "%lldms", ms);
	else if (s < 60)
		snprintf(buf, n, "%llds", s);
	else if (s < 3600)
		snprintf(buf, n, "%lldm%02llds", s / 60, s % 60);
	else
		snprintf(buf, n, "%lldh%02lldm", s / 3600, s / 60 % 60);
}

static int
stderr_is_terminal(void)
{
	const char *term = getenv("TERM");

	return isatty(STDERR_FILENO) && !(term && strcmp(term, "dumb") == 0);
}

void
cafe_meter_start(struct cafe_meter *m, const char *prog, const char *what, int quiet)
{
	memset(m, 0, sizeof *m);
	m->prog = prog;
	m->what = what;
	m->on = !quiet && stderr_is_terminal();
	m->begin_ms = m->start_ms = cafe_mono_ms();
}

static void
draw(struct cafe_meter *m, long long now)
{
	char line[160], rate[32] = "", left[48] = "";
	long long elapsed = now - m->start_ms;
	int len;

	if (elapsed > 0 && m->done > 0) {
		double per_s = (double)m->done * 1000.0 / (double)elapsed;

		snprintf(rate, sizeof rate, " %.0f/s", per_s);
		if (m->total > m->done && per_s > 0) {
			char d[24];

			cafe_format_duration((long long)((double)(m->total - m->done) /
			    per_s * 1000.0), d, sizeof d);
			snprintf(left, sizeof left, " %s left", d);
		}
	}
	if (m->total > 0)
		len = snprintf(line, sizeof line, "%s: %s %3lld%% %lld/%lld%s%s", m->prog,
		    m->what, m->done >= m->total ? 100 : m->done * 100 / m->total, m->done,
		    m->total, rate, left);
	else
		len = snprintf(line, sizeof line, "%s: %s %lld%s", m->prog, m->what,
		    m->done, rate);
	if (len < 0)
		return;
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
	m->drawn = 1;
	m->last_ms = now;
}

void
cafe_meter_update(struct cafe_meter *m, long long done, long long total)
{
	long long now;

	m->done = done;
	m->total = total;
	if (!m->on)
		return;
	now = cafe_mono_ms();
	if (now - m->begin_ms < CAFE_METER_DELAY_MS)
		return;
	if (m->drawn && now - m->last_ms < CAFE_METER_EVERY_MS &&
	    !(total > 0 && done == total))
		return;
	draw(m, now);
}

void
cafe_meter_phase(struct cafe_meter *m, const char *what)
{
	m->what = what;
	m->done = m->total = 0;
	m->start_ms = cafe_mono_ms();
}

void
cafe_meter_finish(struct cafe_meter *m)
{
	if (m->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	m->drawn = 0;
}

static void
meter_fn(void *arg, long long done, long long total)
{
	cafe_meter_update(arg, done, total);
}

void
cafe_meter_progress(struct cafe_meter *m, struct cafe_progress *p)
{
	p->fn = meter_fn;
	p->arg = m;
}

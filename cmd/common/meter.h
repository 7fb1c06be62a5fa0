/*
 * meter.h - the meter a program shows for long work: one line on stderr,
 * redrawn in place, with the count, the percentage, the rate and the
 * time left ("cafe-log: importing 45% 45000/100000 12000/s 4s left").
 * It draws only when stderr is a terminal (and TERM is not "dumb"),
 * never with -q, not before the work has run for CAFE_METER_DELAY_MS
 * (quick work shows nothing), and at most every CAFE_METER_EVERY_MS.
 * cafe_meter_finish() erases the line, so nothing is left behind.
 *
 * Usage from a program:
 *	struct cafe_meter m;
 *	struct cafe_progress p;
 *	cafe_meter_start(&m, ctx.prog, "catching up", ctx.quiet);
 *	cafe_meter_progress(&m, &p);
 *	status = long_library_call(..., &p, &e);   (or cafe_meter_update)
 *	cafe_meter_finish(&m);
 */
#ifndef CAFE_METER_H
#define CAFE_METER_H

#include "base/progress.h"

#define CAFE_METER_DELAY_MS 200
#define CAFE_METER_EVERY_MS 100

struct cafe_meter {
	const char *prog;           /* borrowed: the program name, for the prefix */
	const char *what;           /* borrowed: "importing", "catching up" */
	int on;                     /* 1 when it may draw */
	int drawn;                  /* 1 while a line is on the screen */
	long long begin_ms;         /* when the work started (for the delay) */
	long long start_ms;         /* when this phase started (for the rate) */
	long long last_ms;          /* when it last drew */
	long long done, total;
};

/* Starts timing; the meter is off when quiet, or stderr is no terminal. */
void cafe_meter_start(struct cafe_meter *m, const char *prog, const char *what,
		int quiet);
/* Records done of total (0: unknown) and redraws when it is time. */
void cafe_meter_update(struct cafe_meter *m, long long done, long long total);
/* Renames the phase ("reading", then "appending"); keeps the clock. */
void cafe_meter_phase(struct cafe_meter *m, const char *what);
/* Erases the line, if one was drawn. Safe to call twice. */
void cafe_meter_finish(struct cafe_meter *m);
/* Points p at m, so a library call's reports move the meter. */
void cafe_meter_progress(struct cafe_meter *m, struct cafe_progress *p);

/* Formats a count of milliseconds for people: 850ms, 12s, 4m05s, 2h03m. */
void cafe_format_duration(long long ms, char *buf, unsigned long n);

#endif

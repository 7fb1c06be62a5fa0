/*
 * cafe.h - what every part of libcafe shares: exit statuses, the error
 * record, checked allocation and small utilities.
 *
 * Ownership, stated once for the whole library:
 *  - A function that returns a `char *` or a `json_t *` gives the caller a
 *    reference it must free (free() / json_decref()), unless its comment
 *    says "borrowed".
 *  - A function that takes a `json_t *` parameter named `data` or `meta`
 *    *steals* the reference (like jansson's json_object_set_new); every
 *    other json_t parameter is borrowed.
 *  - Structs filled by a `_load`, `_open` or `_init` call are released by the
 *    matching `_release` or `_close`, which accept a zeroed struct.
 *
 * Errors: library functions never print and never exit. They return 0 on
 * success or one of the exit statuses below, with a one-line message in a
 * struct cafe_err. Only cmd/ turns that into output and an exit status.
 */
#ifndef CAFE_H
#define CAFE_H

#include <stddef.h>
#include <stdarg.h>

#define CAFE_VERSION "0.1.0"

/* The one table of exit statuses (sysexits), repeated in every man page. */
enum cafe_status {
	CAFE_OK = 0,          /* done */
	CAFE_REFUSED = 1,     /* refused by the rules */
	CAFE_USAGE = 64,      /* bad command line */
	CAFE_DATAERR = 65,    /* bad input data */
	CAFE_UNAVAILABLE = 69,/* payment processor unavailable */
	CAFE_IOERR = 74,      /* I/O or database error */
	CAFE_TEMPFAIL = 75,   /* breaker open or database busy: try again */
	CAFE_NOPERM = 77,     /* not allowed: a manager's (staff.managers_group) */
	CAFE_CONFIG = 78      /* bad config */
};

struct cafe_err {
	int status;
	char msg[768];
	int conflict;         /* 1: a version conflict (CAFE_TEMPFAIL), retry from a
	                       * fresh read; the one thing callers test besides
	                       * status, so that no behaviour hangs on a message */
	int missing;          /* 1: there is no log yet (no file, or a server
	                       * database never initialised); a verb that only
	                       * peeks may take that as an empty log */
};

/* Sets e and returns status, so callers can `return cafe_err_set(...)`.
 * Every function that takes a struct cafe_err * needs one: e is never
 * NULL (callers read e->status and e->msg). */
int cafe_err_set(struct cafe_err *e, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same for a version conflict: CAFE_TEMPFAIL with e->conflict set. */
int cafe_err_conflict(struct cafe_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Checked allocation: abort with a message on exhaustion. */
void *cafe_xmalloc(size_t n);
void *cafe_xcalloc(size_t n, size_t size);
void *cafe_xrealloc(void *p, size_t n);
char *cafe_xstrdup(const char *s);
char *cafe_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The wait before retry number `attempts` (from 1): first_ms, doubled for
 * each attempt after the first, never more than max_ms. The one backoff of
 * the daemon's processor calls and the sender's messages. */
long long cafe_backoff_ms(long long first_ms, int attempts, long long max_ms);

/* Copies src into dst of n bytes, cut to fit, always terminated; NULL
 * copies "". The printf-free copy for hot paths. */
void cafe_strcopy(char *dst, size_t n, const char *src);

/* Time. */
long long cafe_now_ms(void);                      /* wall clock, ms since epoch */
long long cafe_mono_ms(void);                     /* monotonic, ms */
void cafe_sleep_ms(long long ms);
/* RFC 3339 UTC with milliseconds: 2026-11-22T01:44:16.123Z; buf >= 32 bytes. */
void cafe_format_ts(long long ms, char *buf, size_t n);
/* 1 when s is already what cafe_format_ts makes of the instant it names
 * (a valid date and time, in that exact form), so it needs no redoing. */
int cafe_ts_canonical(const char *s);
/* Parses RFC 3339 (Z or +hh:mm offset; date alone means midnight UTC).  -1 on error. */
long long cafe_parse_ts(const char *s);
/* The same as a person types it: a date, or a date and time, without an
 * offset is local time ("2026-12-01", "2026-12-01 09:30"). -1 on error. */
long long cafe_parse_local(const char *s);
/* The local wall-clock time Y-M-D h:m:s as ms since the epoch, or -1
 * (no such time, or a date mktime would carry into the next month). */
long long cafe_local_wall_ms(int Y, int M, int D, int h, int m, int s);
/* "500ms", "5s", "2m", "1h", or a bare number of seconds.  -1 on error. */
long long cafe_parse_duration_ms(const char *s);
/* Whole number in [min,max]; returns 0 and sets *out, or -1. */
int cafe_parse_ll(const char *s, long long min, long long max, long long *out);

/* A growing string: start with { NULL, 0, 0 }; s is NUL-terminated once
 * anything was added, and the caller frees it. */
struct cafe_buf {
	char *s;
	size_t len, cap;
};
void cafe_buf_add(struct cafe_buf *b, const char *p, size_t n);
void cafe_buf_cat(struct cafe_buf *b, const char *p);   /* NULL adds nothing */
void cafe_buf_printf(struct cafe_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Text into HTML, as text: & < > " and ' escaped, so that it is never
 * markup, in an element or in a quoted attribute. NULL adds nothing. */
void cafe_buf_html(struct cafe_buf *b, const char *s);

/* 128 random bits as 32 lowercase hex digits; buf >= 33 bytes. */
void cafe_random_hex(char *buf);

/* 1 if s is valid UTF-8 without control characters other than tab. */
int cafe_valid_text(const char *s);

/* The name of the real user running the program, from its uid, never from
 * $USER (borrowed, never NULL). */
const char *cafe_actor(void);
/* This machine's host name (borrowed, never NULL). */
const char *cafe_host(void);

#endif

/*
 * util.c - errors, checked allocation, time, ids and small parsers that
 * every part of libcafe uses.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cafe.h"

static int
err_vset(struct cafe_err *e, int status, int conflict, const char *fmt, va_list ap)
{
	if (e) {
		e->status = status;
		e->conflict = conflict;
		e->missing = 0;
		vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	}
	return status;
}

int
cafe_err_set(struct cafe_err *e, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	status = err_vset(e, status, 0, fmt, ap);
	va_end(ap);
	return status;
}

int
cafe_err_conflict(struct cafe_err *e, const char *fmt, ...)
{
	va_list ap;
	int status;

	va_start(ap, fmt);
	status = err_vset(e, CAFE_TEMPFAIL, 1, fmt, ap);
	va_end(ap);
	return status;
}

long long
cafe_backoff_ms(long long first_ms, int attempts, long long max_ms)
{
	long long ms = first_ms;

	for (int i = 1; i < attempts && ms < max_ms; i++)
		ms *= 2;
	return ms < max_ms ? ms : max_ms;
}

static void
oom(void)
{
	fputs("cafe: out of memory\n", stderr);
	abort();
}

void *
cafe_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom();
	return p;
}

void *
cafe_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *
cafe_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *
cafe_xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		oom();
	return p;
}

char *
cafe_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	return p;
}

long long
cafe_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long
cafe_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
cafe_sleep_ms(long long ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

void
cafe_strcopy(char *dst, size_t n, const char *src)
{
	size_t len = src ? strlen(src) : 0;

	if (n == 0)
		return;
	if (len >= n)
		len = n - 1;
	memcpy(dst, src ? src : "", len);
	dst[len] = '\0';
}

int
cafe_ts_canonical(const char *s)
{
	static const char form[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int v[6], Y, M, D;
	size_t i;

	for (i = 0; form[i]; i++)
		if (form[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != form[i])
			return 0;
	if (s[i] != '\0')
		return 0;
	for (int k = 0; k < 6; k++)  /* Y M D h m s */
		v[k] = k == 0 ? atoi(s) : (s[3 * k + 2] - '0') * 10 + (s[3 * k + 3] - '0');
	Y = v[0], M = v[1], D = v[2];
	if (M < 1 || M > 12 || D < 1 || D > mdays[M - 1] || v[3] > 23 || v[4] > 59 || v[5] > 59)
		return 0;
	return !(M == 2 && D == 29 && (Y % 4 != 0 || (Y % 100 == 0 && Y % 400 != 0)));
}

void
cafe_format_ts(long long ms, char *buf, size_t n)
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

static int
digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	*out = v;
	return 0;
}

static struct tm *
tm_at(struct tm *tm, int Y, int M, int D, int h, int m, int s)
{
	memset(tm, 0, sizeof *tm);
	tm->tm_year = Y - 1900;
	tm->tm_mon = M - 1;
	tm->tm_mday = D;
	tm->tm_hour = h;
	tm->tm_min = m;
	tm->tm_sec = s;
	return tm;
}

long long
cafe_local_wall_ms(int Y, int M, int D, int h, int m, int s)
{
	struct tm tm;
	time_t t;

	tm_at(&tm, Y, M, D, h, m, s)->tm_isdst = -1;
	if ((t = mktime(&tm)) == (time_t)-1)
		return -1;
	/* mktime normalises 2026-02-30 into March: that is no date. */
	if (tm.tm_mday != D || tm.tm_mon != M - 1)
		return -1;
	return (long long)t * 1000;
}

/* RFC 3339, or a date, or a date and time without an offset: in UTC, or
 * with local 1 in local time (mktime, which knows the zone's history). */
static long long
parse_time(const char *s, int local)
{
	int Y, M, D, h = 0, m = 0, sec = 0, frac = 0, fracdigits = 0, zoned = 0;
	long long offset = 0, t;
	const char *p = s;
	struct tm tm;

	if (digits(&p, 4, &Y) || *p++ != '-' || digits(&p, 2, &M) ||
	    *p++ != '-' || digits(&p, 2, &D))
		return -1;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &m))
			return -1;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &sec))
				return -1;
			if (*p == '.') {
				p++;
				while (isdigit((unsigned char)*p)) {
					if (fracdigits < 3) {
						frac = frac * 10 + (*p - '0');
						fracdigits++;
					}
					p++;
				}
				if (fracdigits == 0)
					return -1;
				while (fracdigits < 3) {
					frac *= 10;
					fracdigits++;
				}
			}
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
			zoned = 1;
		} else if (*p == '+' || *p == '-') {
			int oh, om, sign = *p == '-' ? -1 : 1;

			p++;
			if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om))
				return -1;
			offset = sign * ((long long)oh * 3600 + om * 60);
			zoned = 1;
		} else if (*p != '\0') {
			return -1;
		}
	}
	if (*p != '\0' || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 ||
	    m > 59 || sec > 60)
		return -1;
	if (zoned || !local)
		return ((long long)timegm(tm_at(&tm, Y, M, D, h, m, sec)) - offset) * 1000 + frac;
	return (t = cafe_local_wall_ms(Y, M, D, h, m, sec)) < 0 ? -1 : t + frac;
}

long long
cafe_parse_ts(const char *s)
{
	return parse_time(s, 0);
}

long long
cafe_parse_local(const char *s)
{
	return s ? parse_time(s, 1) : -1;
}

long long
cafe_parse_duration_ms(const char *s)
{
	char *end;
	double v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0 || v > 1e9)
		return -1;
	if (strcmp(end, "ms") == 0)
		return (long long)v;
	if (strcmp(end, "s") == 0 || *end == '\0')
		return (long long)(v * 1000);
	if (strcmp(end, "m") == 0)
		return (long long)(v * 60000);
	if (strcmp(end, "h") == 0)
		return (long long)(v * 3600000);
	return -1;
}

int
cafe_parse_ll(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

void
cafe_buf_add(struct cafe_buf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		while (b->len + n + 1 > b->cap)
			b->cap = b->cap ? 2 * b->cap : 128;
		b->s = cafe_xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
cafe_buf_cat(struct cafe_buf *b, const char *p)
{
	cafe_buf_add(b, p ? p : "", p ? strlen(p) : 0);
}

void
cafe_buf_printf(struct cafe_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	cafe_buf_add(b, "", 0);
	if (b->len + (size_t)n + 1 > b->cap) {
		while (b->len + (size_t)n + 1 > b->cap)
			b->cap *= 2;
		b->s = cafe_xrealloc(b->s, b->cap);
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
cafe_buf_html(struct cafe_buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': cafe_buf_cat(b, "&amp;"); break;
		case '<': cafe_buf_cat(b, "&lt;"); break;
		case '>': cafe_buf_cat(b, "&gt;"); break;
		case '"': cafe_buf_cat(b, "&quot;"); break;
		case '\'': cafe_buf_cat(b, "&#39;"); break;
		default: cafe_buf_add(b, s, 1);
		}
	}
}

void
cafe_random_hex(char *buf)
{
	unsigned char raw[16];
	size_t got = 0;

	while (got < sizeof raw) {
		ssize_t n = getrandom(raw + got, sizeof raw - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* No entropy source at all: fall back to time and pid. */
			long long t = cafe_mono_ms() ^ ((long long)getpid() << 20);
			for (size_t i = got; i < sizeof raw; i++) {
				t = t * 6364136223846793005LL + 1442695040888963407LL;
				raw[i] = (unsigned char)(t >> 33);
			}
			break;
		}
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(buf + 2 * i, 3, "%02x", raw[i]);
}

int
cafe_valid_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned c = *p;
		int len;
		unsigned cp;

		if (c < 0x80) {
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return 0;
			p++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			len = 2;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4;
			cp = c & 0x07;
		} else {
			return 0;
		}
		for (int i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		p += len;
	}
	return 1;
}

const char *
cafe_actor(void)
{
	static char name[64];
	struct passwd *pw;

	if (name[0])
		return name;
	/* The real user, from the process's uid: $USER is whatever the
	 * caller set it to, and the log must not take a name on trust. */
	pw = getpwuid(getuid());
	if (pw && pw->pw_name && *pw->pw_name && cafe_valid_text(pw->pw_name))
		snprintf(name, sizeof name, "%s", pw->pw_name);
	else
		snprintf(name, sizeof name, "uid %ld", (long)getuid());
	return name;
}

const char *
cafe_host(void)
{
	static char name[256];

	if (name[0])
		return name;
	if (gethostname(name, sizeof name - 1) != 0 || !name[0])
		snprintf(name, sizeof name, "localhost");
	return name;
}

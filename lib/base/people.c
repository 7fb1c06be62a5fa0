/*
 * people.c - money and times for people (people.h). Times go through the
 * C library's local time (localtime_r, mktime), so daylight saving and
 * the tz database's history are the system's, not ours.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "cafe.h"
#include "people.h"

/* The shop's currency's minor unit, for amounts shown without one. */
static int shop_digits;

void
cafe_people_zone(const char *timezone, const char *currency)
{
	if (timezone)
		setenv("TZ", timezone, 1);
	tzset();
	shop_digits = cafe_currency_digits(currency);
}

int
cafe_currency_digits(const char *code)
{
	/* ISO 4217's currencies whose minor unit is not the cent. */
	static const char none[] = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV "
	    "XAF XOF XPF ";
	static const char three[] = "BHD IQD JOD KWD LYD OMR TND ";
	char key[5];

	if (!code || strlen(code) != 3)
		return 0;
	snprintf(key, sizeof key, "%s ", code);
	if (strstr(none, key))
		return 0;
	if (strstr(three, key))
		return 3;
	return 2;
}

/* v in units of 10^-digits, grouped: "1,234.56". */
static const char *
grouped(long long v, int digits, char *buf, size_t size)
{
	char whole[32], out[64];
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	unsigned long long scale = 1;
	size_t n, o = 0;

	for (int i = 0; i < digits; i++)
		scale *= 10;
	snprintf(whole, sizeof whole, "%llu", u / scale);
	n = strlen(whole);
	if (v < 0)
		out[o++] = '-';
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = whole[i];
	}
	if (digits > 0)
		o += (size_t)snprintf(out + o, sizeof out - o, ".%0*llu", digits, u % scale);
	out[o] = '\0';
	snprintf(buf, size, "%s", out);
	return buf;
}

const char *
cafe_grouped(long long v, char *buf, size_t size)
{
	return grouped(v, shop_digits, buf, size);
}

const char *
cafe_money(long long amount, const char *currency, char *buf, size_t n)
{
	char g[64];

	if (currency && *currency) {
		grouped(amount, cafe_currency_digits(currency), g, sizeof g);
		snprintf(buf, n, "%s %s", g, currency);
	} else {
		snprintf(buf, n, "%s", cafe_grouped(amount, g, sizeof g));
	}
	return buf;
}

static int
local_tm(const char *ts, struct tm *tm)
{
	long long ms = ts ? cafe_parse_ts(ts) : -1;
	time_t t;

	if (ms < 0)
		return -1;
	t = (time_t)(ms / 1000);
	return localtime_r(&t, tm) ? 0 : -1;
}

const char *
cafe_local_time(const char *ts, char *buf, size_t n)
{
	struct tm tm;

	if (local_tm(ts, &tm) != 0 || strftime(buf, n, "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
		snprintf(buf, n, "%s", ts ? ts : "");
	return buf;
}

const char *
cafe_local_short(const char *ts, long long now_ms, char *buf, size_t n)
{
	time_t now = (time_t)(now_ms / 1000);
	struct tm tm, today;
	const char *fmt;

	if (local_tm(ts, &tm) != 0 || !localtime_r(&now, &today)) {
		snprintf(buf, n, "%s", ts ? ts : "");
		return buf;
	}
	fmt = tm.tm_year != today.tm_year ? "%Y-%m-%d" :
	    tm.tm_yday != today.tm_yday ? "%m-%d %H:%M" : "%H:%M:%S";
	if (strftime(buf, n, fmt, &tm) == 0)
		snprintf(buf, n, "%s", ts);
	return buf;
}

const char *
cafe_local_zone(void)
{
	static char zone[16];
	time_t now = time(NULL);
	struct tm tm;

	if (!localtime_r(&now, &tm) || strftime(zone, sizeof zone, "%Z", &tm) == 0)
		snprintf(zone, sizeof zone, "local");
	return zone;
}

int
cafe_local_day(const char *date, long long *start, long long *end)
{
	int Y, M, D, used = 0;

	if (!date || strlen(date) != 10 ||
	    sscanf(date, "%4d-%2d-%2d%n", &Y, &M, &D, &used) != 3 || used != 10 ||
	    Y < 1970 || M < 1 || M > 12 || D < 1 || D > 31)
		return -1;
	if ((*start = cafe_local_wall_ms(Y, M, D, 0, 0, 0)) < 0)
		return -1;
	/* The next day's midnight: 23 or 25 hours away on a DST change. */
	if ((*end = cafe_local_wall_ms(Y, M, D + 1, 0, 0, 0)) < 0) {
		struct tm tm;
		time_t t = (time_t)(*start / 1000) + 36 * 3600;

		if (!localtime_r(&t, &tm) || (*end = cafe_local_wall_ms(tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, 0, 0, 0)) < 0)
			return -1;
	}
	return 0;
}

void
cafe_local_format(long long ms, const char *fmt, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!localtime_r(&t, &tm) || strftime(buf, n, fmt, &tm) == 0)
		snprintf(buf, n, "?");
}

void
cafe_local_today(long long now_ms, char *buf, size_t n)
{
	cafe_local_format(now_ms, "%Y-%m-%d", buf, n);
	if (buf[0] == '?')
		snprintf(buf, n, "1970-01-01");     /* a day, whatever happens */
}

/* Decodes one UTF-8 sequence at s; *len gets its length (1 for a bad byte). */
static unsigned
utf8_next(const char *s, size_t *len)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned c = p[0];
	size_t n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;

	if (c < 0x80 || c < 0xc0) {
		*len = 1;
		return c;
	}
	c &= 0x3f >> (n - 1);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*len = i;
			return 0xfffd;
		}
		c = c << 6 | (p[i] & 0x3f);
	}
	*len = n;
	return c;
}

/* Columns a code point takes on a terminal, as the C library's wcwidth(3)
 * says: 0 for combining marks and Hangul's medial and final jamo, 2 for
 * wide characters (Hangul syllables, CJK, most emoji), 1 for the rest and
 * for what it does not know. */
static int
cell_width(unsigned c)
{
	int w = wcwidth((wchar_t)c);

	return w < 0 ? 1 : w;
}

size_t
cafe_text_width(const char *s)
{
	size_t w = 0, len;

	while (*s) {
		w += cell_width(utf8_next(s, &len));
		s += len;
	}
	return w;
}

size_t
cafe_text_fit(const char *s, size_t w, size_t *width)
{
	size_t used = 0, n = 0, len;

	while (s[n]) {
		size_t cw = cell_width(utf8_next(s + n, &len));

		if (used + cw > w)
			break;
		used += cw;
		n += len;
	}
	if (width)
		*width = used;
	return n;
}

const char *
cafe_quoted(const char *s, char *buf, size_t n)
{
	size_t o = 0;

	for (; *s && o + 4 < n; s++)
		buf[o++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
	if (*s) {
		while (o > 0 && ((unsigned char)buf[o - 1] & 0xc0) == 0x80)
			o--;
		if (o > 0 && ((unsigned char)buf[o - 1] & 0xc0) == 0xc0)
			o--;
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

const char *
cafe_mask_contact(const char *contact, char *buf, size_t n)
{
	const char *at = strchr(contact, '@');
	size_t digits = 0, seen = 0, o = 0;

	if (at) {
		/* k***@example.com */
		snprintf(buf, n, "%.1s***%s", contact, at);
		return buf;
	}
	for (const char *p = contact; *p; p++)
		digits += *p >= '0' && *p <= '9';
	/* +82 1*-****-5678: the first three digits and the last four. */
	for (const char *p = contact; *p && o + 1 < n; p++) {
		int digit = *p >= '0' && *p <= '9';

		seen += digit;
		buf[o++] = digit && seen > 3 && seen + 4 <= digits ? '*' : *p;
	}
	if (n)
		buf[o < n ? o : n - 1] = '\0';
	return buf;
}

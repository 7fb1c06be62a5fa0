/*
 * typed.c - what people type into an order (order.h): free text, a
 * contact, a language, a pick-up time; each checked before anything is
 * appended, with a message that says what was wrong. Pure: the clock and
 * the shop's hours are passed in.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/people.h"
#include "order.h"

int
cafe_check_text(const char *what, const char *s, size_t max, int required, struct cafe_err *e)
{
	size_t chars = 0;

	if (!s || !*s)
		return required ? cafe_err_set(e, CAFE_DATAERR, "%s must not be empty", what) : 0;
	if (!cafe_valid_text(s))
		return cafe_err_set(e, CAFE_DATAERR,
		    "%s is not valid UTF-8 text (control characters or bad bytes)", what);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xc0) != 0x80)
			chars++;
	if (chars > max)
		return cafe_err_set(e, CAFE_DATAERR,
		    "%s is too long (%zu characters, at most %zu)", what, chars, max);
	return 0;
}

/* A phone number: digits (7 to 15), an optional leading '+', and single
 * spaces, dashes or dots between digits. */
static int
is_phone(const char *s)
{
	int digits = 0, sep = 1;

	if (*s == '+')
		s++;
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9') {
			digits++;
			sep = 0;
		} else if ((*s == ' ' || *s == '-' || *s == '.') && !sep) {
			sep = 1;
		} else {
			return 0;
		}
	}
	return !sep && digits >= 7 && digits <= 15;
}

/* An e-mail address as people give one: a local part of printable ASCII
 * without spaces, one '@', and a domain of letters, digits and dashes in
 * dot-separated labels, at least two. */
static int
is_email(const char *s)
{
	const char *at = strchr(s, '@'), *p;
	int labels = 1, len = 0;

	if (!at || at == s || at - s > 64 || strchr(at + 1, '@'))
		return 0;
	for (p = s; p < at; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr("\"(),:;<>[\\]", *p))
			return 0;
	for (p = at + 1; *p; p++) {
		if (*p == '.') {
			if (len == 0 || p[-1] == '-')
				return 0;
			labels++;
			len = 0;
		} else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || (*p == '-' && len > 0)) {
			len++;
		} else {
			return 0;
		}
	}
	return len > 0 && labels >= 2;
}

int
cafe_check_contact(const char *s, struct cafe_err *e)
{
	char shown[64];

	if (!s)
		return 0;
	if (strlen(s) <= CAFE_MAX_CONTACT && (is_phone(s) || is_email(s)))
		return 0;
	return cafe_err_set(e, CAFE_DATAERR, "contact must be a phone number "
	    "(+82 10-1234-5678) or an e-mail address (name@example.com), not '%s'",
	    cafe_quoted(s, shown, sizeof shown));
}

int
cafe_check_language(const char *s, struct cafe_err *e)
{
	char shown[64];

	if (!s || strcmp(s, "en") == 0 || strcmp(s, "ko") == 0)
		return 0;
	return cafe_err_set(e, CAFE_DATAERR, "language must be en or ko, not '%s'",
	    cafe_quoted(s, shown, sizeof shown));
}

/* "14:30" today, in local time; -1 when s is not such a time. */
static long long
time_today(const char *s, long long now_ms)
{
	char day[16], full[32];
	int h, m;
	char end;

	if (strlen(s) != 5 || s[2] != ':' || sscanf(s, "%2d:%2d%c", &h, &m, &end) != 2)
		return -1;
	cafe_local_today(now_ms, day, sizeof day);
	snprintf(full, sizeof full, "%s %02d:%02d", day, h, m);
	return h >= 0 && h < 24 && m >= 0 && m < 60 ? cafe_parse_local(full) : -1;
}

int
cafe_check_pickup(const char *s, long long now_ms, int open_min, int close_min,
    char *canon, struct cafe_err *e)
{
	char shown[64], today[16], that_day[16], at[40];
	long long ms;
	struct tm tm;
	time_t t;
	int min;

	if ((ms = time_today(s, now_ms)) < 0 && (ms = cafe_parse_ts(s)) < 0 &&
	    (ms = cafe_parse_local(s)) < 0)
		return cafe_err_set(e, CAFE_DATAERR, "pickup_at must be a time such as "
		    "14:30 or 2026-12-07T14:30:00+09:00, not '%s'",
		    cafe_quoted(s, shown, sizeof shown));
	cafe_format_ts(ms, canon, 32);
	cafe_local_time(canon, at, sizeof at);
	cafe_local_today(now_ms, today, sizeof today);
	cafe_local_today(ms, that_day, sizeof that_day);
	if (strcmp(today, that_day) != 0)
		return cafe_err_set(e, CAFE_REFUSED, "a pick-up must be today (%s), not %s",
		    today, at);
	if (ms <= now_ms)
		return cafe_err_set(e, CAFE_REFUSED, "a pick-up must be later than now, "
		    "not %s", at);
	if (open_min < 0)
		return 0;
	t = (time_t)(ms / 1000);
	localtime_r(&t, &tm);
	/* A pick-up at closing time is still kept; a minute after is not. */
	min = tm.tm_hour * 60 + tm.tm_min;
	if (min < open_min || min > close_min ||
	    (min == close_min && (tm.tm_sec > 0 || ms % 1000 != 0)))
		return cafe_err_set(e, CAFE_REFUSED, "a pick-up must be within the opening "
		    "hours, %02d:%02d to %02d:%02d, not %s", open_min / 60, open_min % 60,
		    close_min / 60, close_min % 60, at);
	return 0;
}

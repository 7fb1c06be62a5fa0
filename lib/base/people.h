/*
 * people.h - how amounts and times read for people: money grouped by
 * thousands in the currency's minor unit (ISO 4217) with the currency
 * ("13,200 KRW", "4.55 USD", "1.250 BHD"), times in the shop's time
 * zone with the zone shown, and dates and times typed in that zone. JSON
 * never uses these: it keeps whole numbers and UTC.
 *
 * The shop's zone is the config's timezone, else $TZ, else the system's:
 * cafe_people_zone() makes it the process's local time once at start.
 */
#ifndef CAFE_PEOPLE_H
#define CAFE_PEOPLE_H

#include <stddef.h>


/* Makes the config's timezone (when set) the local time of this process,
 * and its currency the one cafe_grouped shows amounts in. */
void cafe_people_zone(const char *timezone, const char *currency);

/* Digits after the point in the currency's amounts: KRW and JPY 0, USD
 * and EUR 2, BHD 3 (ISO 4217; 2 for a code it does not list). */
int cafe_currency_digits(const char *code);

/* amount, in the currency's smallest unit, for people: "13,200 KRW",
 * "-4.55 USD"; with currency NULL, as cafe_grouped. Returns buf. */
const char *cafe_money(long long amount, const char *currency, char *buf, size_t n);
/* "13,200", "4.55": grouped in the shop's currency (cafe_people_zone),
 * without its code. Returns buf. */
const char *cafe_grouped(long long n, char *buf, size_t size);

/* An RFC 3339 time as people read it, local: "2026-12-01 16:04:05 KST";
 * a ts that does not parse is copied as it is. Returns buf (>= 40 bytes). */
const char *cafe_local_time(const char *ts, char *buf, size_t n);
/* The same, shorter for a table: "16:04:05" for today, "11-30 16:04"
 * this year, "2025-11-30" before. Returns buf. */
const char *cafe_local_short(const char *ts, long long now_ms, char *buf, size_t n);
/* The zone's abbreviation now ("KST", "UTC"). Borrowed. */
const char *cafe_local_zone(void);

/* A time typed by a person: cafe_parse_local() (cafe.h). */
/* The local business day DATE (YYYY-MM-DD) as [*start, *end) in ms; 0, or
 * -1 for a date that is not one. */
int cafe_local_day(const char *date, long long *start, long long *end);
/* The instant ms in local time as strftime(3)'s fmt makes it ("%H:%M";
 * "?" when it cannot). */
void cafe_local_format(long long ms, const char *fmt, char *buf, size_t n);
/* Today's local date, YYYY-MM-DD, into buf (>= 11 bytes). */
void cafe_local_today(long long now_ms, char *buf, size_t n);

/* Screen columns UTF-8 text takes (wide characters count 2), as the C
 * library's wcwidth(3) says in a UTF-8 locale (cli.c sets one). */
size_t cafe_text_width(const char *s);
/* The bytes of s's longest start that fits w screen columns (whole
 * characters); *width (if not NULL) gets the columns it takes. */
size_t cafe_text_fit(const char *s, size_t w, size_t *width);

/* What a person gave, as a message may quote it: control bytes become
 * '?', and a long text is cut (with "...") on a character's edge. */
const char *cafe_quoted(const char *s, char *buf, size_t n);

/* A contact as the customer's own page shows it, most of it hidden:
 * k***@example.com, +82 1*-****-5678. */
const char *cafe_mask_contact(const char *contact, char *buf, size_t n);

#endif

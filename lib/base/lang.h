/*
 * lang.h - customer text in the customer's language (DESIGN §13):
 * English, the text in the code, and Korean, from the gettext catalogue
 * share/locale/ko/LC_MESSAGES/cafe.mo (made from po/ko.po). Staff text
 * (the command line, the kitchen, reports) stays English.
 *
 * Each call translates for one language, in the calling thread only
 * (uselocale), so that cafe-web's threads each answer in their
 * request's language. gettext finds a catalogue only through a locale of
 * that language: Korean needs the ko_KR.UTF-8 locale (locale-gen; `make
 * deps` makes it). Without it, or without the catalogue, text stays
 * English and cafe_lang_missing() says why.
 */
#ifndef CAFE_LANG_H
#define CAFE_LANG_H

#include <stddef.h>

/* Marks text to translate where it is written; cafe_tr() translates it
 * where it is shown. */
#define N_(s) (s)

/* Finds the catalogues and the locales, once, before any thread: call
 * it at start. Idempotent. */
void cafe_lang_init(void);

/* msgid in lang ("ko"; NULL or "en": msgid itself). Borrowed: the
 * catalogue's own text, or msgid. */
const char *cafe_tr(const char *lang, const char *msgid);

/* Why lang's text would not be translated (no locale, no catalogue), or
 * NULL when it would be. */
const char *cafe_lang_missing(const char *lang);

/* The language an Accept-Language header prefers among ours ("ko",
 * "en"), by its q values; fallback when it names neither (or is NULL). */
const char *cafe_lang_accept(const char *header, const char *fallback);

/* An amount for a customer reading lang: in Korean, won as Koreans
 * write them ("4,500원"); otherwise as cafe_money() ("4,500 KRW").
 * Returns buf. */
const char *cafe_money_in(const char *lang, long long amount, const char *currency,
		char *buf, size_t n);

#endif

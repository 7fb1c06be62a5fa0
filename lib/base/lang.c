/*
 * lang.c - customer text in the customer's language (lang.h).
 */
#include <libintl.h>
#include <limits.h>
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cafe.h"
#include "lang.h"
#include "people.h"

#define DOMAIN "cafe"

#ifndef CAFE_LOCALEDIR
#define CAFE_LOCALEDIR "/usr/local/share/locale"
#endif

static struct {
	locale_t ko;                /* LC_MESSAGES of a Korean locale, or 0 */
	const char *missing;        /* why Korean stays English, or NULL */
} lang;

/* 1 when dir holds our Korean catalogue. */
static int
has_catalogue(const char *dir)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof path, "%s/ko/LC_MESSAGES/" DOMAIN ".mo", dir);
	return access(path, R_OK) == 0;
}

/* The installed catalogues, else those of the checkout the program runs
 * from (bin/../share/locale). */
static const char *
catalogue_dir(char *buf, size_t n)
{
	char exe[PATH_MAX - 32];
	ssize_t len;
	char *slash;

	if (has_catalogue(CAFE_LOCALEDIR))
		return CAFE_LOCALEDIR;
	if ((len = readlink("/proc/self/exe", exe, sizeof exe - 1)) <= 0)
		return NULL;
	exe[len] = '\0';
	if (!(slash = strrchr(exe, '/')))
		return NULL;
	*slash = '\0';
	snprintf(buf, n, "%s/../share/locale", exe);
	return has_catalogue(buf) ? buf : NULL;
}

static void
init_once(void)
{
	static const char *const names[] = { "ko_KR.UTF-8", "ko_KR.utf8", "ko_KR", NULL };
	char buf[PATH_MAX];
	const char *dir;

	/* LANGUAGE would overrule the locale each call chooses. */
	unsetenv("LANGUAGE");
	if (!(dir = catalogue_dir(buf, sizeof buf))) {
		lang.missing = "no Korean catalogue (" CAFE_LOCALEDIR "/ko/LC_MESSAGES/"
		    DOMAIN ".mo: make install)";
		return;
	}
	bindtextdomain(DOMAIN, dir);
	bind_textdomain_codeset(DOMAIN, "UTF-8");
	for (int i = 0; names[i] && !lang.ko; i++)
		lang.ko = newlocale(LC_MESSAGES_MASK, names[i], (locale_t)0);
	if (!lang.ko)
		lang.missing = "no Korean locale (make ko_KR.UTF-8 with locale-gen, or "
		    "localedef -i ko_KR -f UTF-8 ko_KR.UTF-8)";
}

void
cafe_lang_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, init_once);
}

const char *
cafe_lang_missing(const char *l)
{
	cafe_lang_init();
	return l && strcmp(l, "ko") == 0 ? lang.missing : NULL;
}

const char *
cafe_tr(const char *l, const char *msgid)
{
	locale_t was;
	const char *s;

	if (!l || strcmp(l, "ko") != 0 || !msgid || !*msgid)
		return msgid;
	cafe_lang_init();
	if (!lang.ko)
		return msgid;
	was = uselocale(lang.ko);
	s = dgettext(DOMAIN, msgid);
	uselocale(was);
	return s;
}

/* One range of an Accept-Language header: its language's first two
 * letters and its q (1000ths). 0 at the end. */
static int
next_range(const char **p, char tag[3], int *q)
{
	const char *s = *p, *end, *semi, *qs;
	size_t len;

	while (*s == ' ' || *s == ',')
		s++;
	if (!*s)
		return 0;
	end = s + strcspn(s, ",");
	len = strcspn(s, "-;, ");
	tag[0] = tag[1] = tag[2] = '\0';
	if (len == 2) {
		tag[0] = (char)(s[0] | 0x20);
		tag[1] = (char)(s[1] | 0x20);
	}
	*q = 1000;
	semi = memchr(s, ';', (size_t)(end - s));
	if (semi && (qs = strstr(semi, "q=")) && qs < end) {
		double v = strtod(qs + 2, NULL);

		*q = v >= 0 && v <= 1 ? (int)(v * 1000 + 0.5) : 0;
	}
	*p = end;
	return 1;
}

const char *
cafe_lang_accept(const char *header, const char *fallback)
{
	const char *p = header, *best = NULL;
	int best_q = 0, q;
	char tag[3];

	if (!p || strlen(p) > 1000)
		return fallback;
	while (next_range(&p, tag, &q)) {
		const char *l = strcmp(tag, "ko") == 0 ? "ko" : strcmp(tag, "en") == 0 ? "en" :
		    NULL;

		/* The first of equal preferences wins. */
		if (l && q > best_q) {
			best = l;
			best_q = q;
		}
	}
	return best ? best : fallback;
}

const char *
cafe_money_in(const char *l, long long amount, const char *currency, char *buf, size_t n)
{
	if (l && strcmp(l, "ko") == 0 && currency && strcmp(currency, "KRW") == 0) {
		char grouped[48];

		snprintf(buf, n, "%s원", cafe_grouped(amount, grouped, sizeof grouped));
		return buf;
	}
	return cafe_money(amount, currency, buf, n);
}

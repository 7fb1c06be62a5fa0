/*
 * escpos.c - receipts and kitchen tickets as ESC/POS bytes (escpos.h).
 *
 * Widths are counted in screen columns (people.h), which is how a printer
 * counts them too: a Korean syllable takes two. Text that the code page
 * cannot hold prints as '?', one per character, so the columns still add
 * up.
 */
#include <dlfcn.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <qrencode.h>

#include "base/people.h"
#include "escpos.h"

#define QR_DOTS 6               /* printer dots per QR module: ~ 3 cm wide */

/*
 * libqrencode, loaded the first time a QR code is printed (as libpq is):
 * Debian ships it shared only, and a placement that never prints should
 * not pay for loading it (its start is a placement's cost). Never closed.
 */
static struct {
	QRcode *(*encode)(const char *, int, QRecLevel, QRencodeMode, int);
	void (*free)(QRcode *);
} qrlib;

static int
qr_load(struct cafe_err *e)
{
	void *h;

	if (qrlib.encode)
		return 0;
	if (!(h = dlopen("libqrencode.so.4", RTLD_NOW | RTLD_LOCAL)))
		return cafe_err_set(e, CAFE_UNAVAILABLE, "cannot print the QR code: "
		    "libqrencode is missing (apt-get install libqrencode4): %s", dlerror());
	*(void **)&qrlib.free = dlsym(h, "QRcode_free");
	*(void **)&qrlib.encode = dlsym(h, "QRcode_encodeString");
	if (!qrlib.encode || !qrlib.free) {
		qrlib.encode = NULL;
		return cafe_err_set(e, CAFE_UNAVAILABLE, "cannot print the QR code: "
		    "libqrencode.so.4 lacks QRcode_encodeString");
	}
	return 0;
}

struct doc {
	struct cafe_buf b;
	iconv_t cd;                 /* (iconv_t)-1: UTF-8 as it is */
	int width;
	const char *cur;            /* the currency, for money */
};

static int
doc_init(struct doc *d, const char *codepage, int width, struct cafe_err *e)
{
	memset(d, 0, sizeof *d);
	d->width = width > 0 ? width : 42;
	d->cd = (iconv_t)-1;
	cafe_buf_add(&d->b, "\x1b@", 2);                /* ESC @: a fresh start */
	if (!codepage || strcasecmp(codepage, "utf-8") == 0 ||
	    strcasecmp(codepage, "utf8") == 0)
		return 0;
	if ((d->cd = iconv_open(codepage, "UTF-8")) == (iconv_t)-1)
		return cafe_err_set(e, CAFE_CONFIG, "printer.codepage '%s' is not an "
		    "encoding iconv knows", codepage);
	/* A Korean printer reads CP949's two bytes a character in its
	 * double-byte mode (FS &); single-byte pages need no switch. */
	if (strcasecmp(codepage, "cp949") == 0 || strcasecmp(codepage, "euc-kr") == 0 ||
	    strcasecmp(codepage, "uhc") == 0)
		cafe_buf_add(&d->b, "\x1c&", 2);
	return 0;
}

static void
doc_release(struct doc *d)
{
	if (d->cd != (iconv_t)-1)
		iconv_close(d->cd);
	d->cd = (iconv_t)-1;
}

static void
cmd(struct doc *d, const char *bytes, size_t n)
{
	cafe_buf_add(&d->b, bytes, n);
}

/* UTF-8 text in the printer's code page. */
static void
text(struct doc *d, const char *s)
{
	char out[512], *op;
	char *ip = (char *)s;
	size_t il = strlen(s), ol;

	if (d->cd == (iconv_t)-1) {
		cafe_buf_add(&d->b, s, il);
		return;
	}
	iconv(d->cd, NULL, NULL, NULL, NULL);
	while (il > 0) {
		op = out;
		ol = sizeof out;
		if (iconv(d->cd, &ip, &il, &op, &ol) == (size_t)-1 && errno != E2BIG) {
			/* Not in the page (or not UTF-8): one '?' a character. */
			size_t skip = 1;

			while (skip < il && ((unsigned char)ip[skip] & 0xc0) == 0x80)
				skip++;
			ip += skip;
			il -= skip;
			cafe_buf_add(&d->b, out, (size_t)(op - out));
			cafe_buf_add(&d->b, "?", 1);
			continue;
		}
		cafe_buf_add(&d->b, out, (size_t)(op - out));
	}
}

static void
align(struct doc *d, int center)
{
	cmd(d, center ? "\x1b" "a\x01" : "\x1b" "a\x00", 3);
}

static void
bold(struct doc *d, int on)
{
	cmd(d, on ? "\x1b" "E\x01" : "\x1b" "E\x00", 3);
}

/* GS ! n: 0x00 normal, 0x11 twice as wide and as high. */
static void
big(struct doc *d, int on)
{
	cmd(d, on ? "\x1d!\x11" : "\x1d!\x00", 3);
}

/* Text on lines no wider than width columns (a long note wraps). */
static void
line(struct doc *d, const char *s, int width)
{
	char *copy = cafe_xstrdup(s), *p = copy;

	do {
		size_t n = cafe_text_fit(p, (size_t)width, NULL);
		char keep;

		if (n == 0 && *p)       /* wider than the paper: one character */
			for (n = 1; (p[n] & 0xc0) == 0x80; n++)
				;
		keep = p[n];
		p[n] = '\0';
		text(d, p);
		cmd(d, "\n", 1);
		p[n] = keep;
		p += n;
	} while (*p);
	free(copy);
}

/* Text at the left, an amount at the right of the same line. */
static void
row(struct doc *d, const char *left, long long amount)
{
	char money[64], *l = cafe_xstrdup(left);
	size_t rw, lw, room;

	cafe_money(amount, d->cur, money, sizeof money);
	rw = strlen(money);
	room = (size_t)d->width > rw + 1 ? (size_t)d->width - rw - 1 : 0;
	l[cafe_text_fit(l, room, &lw)] = '\0';
	text(d, l);
	for (size_t i = lw; i < (size_t)d->width - rw; i++)
		cmd(d, " ", 1);
	text(d, money);
	cmd(d, "\n", 1);
	free(l);
}

static void
rule(struct doc *d)
{
	for (int i = 0; i < d->width; i++)
		cmd(d, "-", 1);
	cmd(d, "\n", 1);
}

/* The link as a QR code, GS v 0: one bit a dot, rows of whole bytes. */
static int
qr(struct doc *d, const char *link, struct cafe_err *e)
{
	QRcode *q;
	int dots, bytes, status;
	char head[8];

	if ((status = qr_load(e)) != 0)
		return status;
	if (!(q = qrlib.encode(link, 0, QR_ECLEVEL_M, QR_MODE_8, 1)))
		return cafe_err_set(e, CAFE_DATAERR, "the link '%s' cannot be a QR code",
		    link);
	/* A quiet zone of four modules around it, as readers want. */
	dots = (q->width + 8) * QR_DOTS;
	bytes = (dots + 7) / 8;
	head[0] = 0x1d, head[1] = 'v', head[2] = '0', head[3] = 0;
	head[4] = (char)(bytes & 0xff), head[5] = (char)(bytes >> 8);
	head[6] = (char)(dots & 0xff), head[7] = (char)(dots >> 8);
	cmd(d, head, 8);
	for (int y = 0; y < dots; y++) {
		unsigned char *rowbits = cafe_xcalloc((size_t)bytes, 1);
		int my = y / QR_DOTS - 4;

		for (int x = 0; x < dots; x++) {
			int mx = x / QR_DOTS - 4;

			if (mx >= 0 && my >= 0 && mx < q->width && my < q->width &&
			    (q->data[my * q->width + mx] & 1))
				rowbits[x / 8] |= (unsigned char)(0x80 >> (x % 8));
		}
		cmd(d, (const char *)rowbits, (size_t)bytes);
		free(rowbits);
	}
	qrlib.free(q);
	return 0;
}

static void
cut(struct doc *d)
{
	cmd(d, "\x1d" "V" "\x42\x00", 4);               /* GS V 66 0: feed, cut */
}

static const char *
str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static long long
num(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* "large, oat; less ice": an item's choices and note. */
static char *
choices(json_t *it)
{
	struct cafe_buf b = { NULL, 0, 0 };
	json_t *opt;
	size_t j;

	cafe_buf_add(&b, "", 0);
	json_array_foreach(json_object_get(it, "options"), j, opt) {
		cafe_buf_cat(&b, j ? ", " : "");
		cafe_buf_cat(&b, json_string_value(opt));
	}
	if (*str(it, "note")) {
		cafe_buf_cat(&b, b.len ? "; " : "");
		cafe_buf_cat(&b, str(it, "note"));
	}
	return b.s;
}

static int
done(struct doc *d, int status, char **out, size_t *len)
{
	doc_release(d);
	if (status != 0) {
		free(d->b.s);
		return status;
	}
	*out = d->b.s;
	*len = d->b.len;
	return 0;
}

int
cafe_escpos_receipt(json_t *r, const char *codepage, int width, char **out, size_t *len,
    struct cafe_err *e)
{
	struct doc d;
	char buf[128], when[64];
	json_t *it;
	size_t i;
	int status;

	if ((status = doc_init(&d, codepage, width, e)) != 0)
		return done(&d, status, out, len);
	d.cur = str(r, "currency");
	align(&d, 1);
	if (json_is_integer(json_object_get(r, "ticket"))) {
		big(&d, 1);
		snprintf(buf, sizeof buf, "%lld", num(r, "ticket"));
		line(&d, buf, d.width / 2);
		big(&d, 0);
	}
	snprintf(buf, sizeof buf, "Order %lld%s", num(r, "order_id"),
	    json_is_true(json_object_get(r, "takeout")) ? ", to go" : "");
	line(&d, buf, d.width);
	line(&d, cafe_local_time(str(r, "placed_at"), when, sizeof when), d.width);
	align(&d, 0);
	if (*str(r, "note"))
		line(&d, str(r, "note"), d.width);
	rule(&d);
	json_array_foreach(json_object_get(r, "items"), i, it) {
		char *ch = choices(it);

		snprintf(buf, sizeof buf, "%s x%lld", str(it, "product"), num(it, "qty"));
		row(&d, buf, num(it, "total"));
		if (*ch) {
			snprintf(buf, sizeof buf, "  %s", ch);
			line(&d, buf, d.width);
		}
		free(ch);
	}
	rule(&d);
	if (num(json_object_get(r, "tax"), "rate_percent") > 0) {
		snprintf(buf, sizeof buf, "Tax %lld%% (%s)",
		    num(json_object_get(r, "tax"), "rate_percent"),
		    json_is_true(json_object_get(json_object_get(r, "tax"), "included")) ?
		    "included" : "added");
		row(&d, buf, num(json_object_get(r, "tax"), "amount"));
	}
	bold(&d, 1);
	row(&d, "Total", num(r, "total"));
	bold(&d, 0);
	json_array_foreach(json_object_get(r, "tenders"), i, it)
		row(&d, strcmp(str(it, "tender"), "cash") == 0 ? "Paid in cash" :
		    "Paid by card", num(it, "amount"));
	if (num(r, "change") > 0)
		row(&d, "Change", num(r, "change"));
	json_array_foreach(json_object_get(r, "refunds"), i, it)
		row(&d, strcmp(str(it, "tender"), "cash") == 0 ? "Refunded in cash" :
		    "Refunded", -num(it, "amount"));
	if (*str(r, "link")) {
		cmd(&d, "\n", 1);
		align(&d, 1);
		line(&d, "Follow your order:", d.width);
		if ((status = qr(&d, str(r, "link"), e)) != 0)
			return done(&d, status, out, len);
		align(&d, 0);
	}
	cmd(&d, "\x1b" "d\x03", 3);                      /* ESC d 3: feed */
	cut(&d);
	return done(&d, 0, out, len);
}

int
cafe_escpos_kitchen(json_t *row_, const char *codepage, int width, char **out,
    size_t *len, struct cafe_err *e)
{
	struct doc d;
	char buf[128], when[64];
	json_t *it;
	size_t i;
	int status;
	long long number = json_is_integer(json_object_get(row_, "ticket")) ?
	    num(row_, "ticket") : num(row_, "order_id");

	if ((status = doc_init(&d, codepage, width, e)) != 0)
		return done(&d, status, out, len);
	align(&d, 1);
	big(&d, 1);
	snprintf(buf, sizeof buf, "%lld %s", number,
	    json_is_true(json_object_get(row_, "takeout")) ? "TO GO" : "HERE");
	line(&d, buf, d.width / 2);
	big(&d, 0);
	snprintf(buf, sizeof buf, "order %lld, %s", num(row_, "order_id"),
	    cafe_local_time(str(row_, "placed_at"), when, sizeof when));
	line(&d, buf, d.width);
	align(&d, 0);
	rule(&d);
	bold(&d, 1);
	json_array_foreach(json_object_get(row_, "items"), i, it) {
		char *ch = choices(it);

		snprintf(buf, sizeof buf, "%lld x %s", num(it, "qty"), str(it, "product"));
		line(&d, buf, d.width);
		if (*ch) {
			snprintf(buf, sizeof buf, "    %s", ch);
			line(&d, buf, d.width);
		}
		free(ch);
	}
	bold(&d, 0);
	if (*str(row_, "note")) {
		rule(&d);
		line(&d, str(row_, "note"), d.width);
	}
	if (*str(row_, "pickup_at")) {
		snprintf(buf, sizeof buf, "pick-up %s",
		    cafe_local_time(str(row_, "pickup_at"), when, sizeof when));
		line(&d, buf, d.width);
	}
	cmd(&d, "\x1b" "d\x03", 3);
	cut(&d);
	return done(&d, 0, out, len);
}

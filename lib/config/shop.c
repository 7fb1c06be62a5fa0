/*
 * shop.c - the config's keys about the shop itself (cafe.yaml(5)): its
 * opening hours, which bound when an order may be picked up, the
 * language its customers are spoken to in when an order does not say,
 * who among the staff may give larger refunds and close the till, and
 * the printer its receipts and kitchen tickets go to.
 */
#include <iconv.h>
#include <stdio.h>
#include <string.h>

#include "walk.h"

/* "07:00" as minutes after midnight; -1 when it is not such a time. */
static int
minutes_of(const char *s)
{
	int h, m;
	char end;

	if (strlen(s) != 5 || sscanf(s, "%2d:%2d%c", &h, &m, &end) != 2 ||
	    s[2] != ':' || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m > 0))
		return -1;
	return h * 60 + m;
}

int
cfg_parse_hours(struct walk *w, struct cafe_config *c, yaml_node_t *n)
{
	struct cfg_pair kv;
	char buf[80];
	int at[2] = { -1, -1 };
	int rc = cfg_pairs(w, n, "hours", &kv);

	while (rc == 0 && cfg_next(&kv)) {
		int i = cfg_key_is(kv.k, "open") ? 0 : cfg_key_is(kv.k, "close") ? 1 : -1;

		if (i < 0)
			return cfg_unknown_key(w, kv.k, "hours");
		if (kv.v->type != YAML_SCALAR_NODE ||
		    (at[i] = minutes_of(cfg_text_of(kv.v))) < 0)
			return cfg_bad(w, kv.v, kv.key, "must be a time of day like 07:00 "
			    "(24-hour, the shop's zone), not %s", cfg_what_is(kv.v, buf,
			    sizeof buf));
	}
	if (rc != 0)
		return rc;
	if (at[0] < 0 || at[1] < 0)
		return cfg_bad(w, n, "hours", "needs both open and close, like "
		    "{open: \"07:00\", close: \"22:00\"}");
	if (at[1] <= at[0])
		return cfg_bad(w, n, "hours", "must close after it opens (a shop open past "
		    "midnight closes at 24:00)");
	c->hours.open_min = at[0];
	c->hours.close_min = at[1];
	return 0;
}

int
cfg_parse_language(struct walk *w, struct cafe_config *c, yaml_node_t *n)
{
	static const char *const names[] = { "en", "ko", NULL };
	int i;
	int rc = cfg_get_word(w, n, "language", names, "en or ko", &i);

	if (rc == 0)
		c->language = names[i];
	return rc;
}

/* staff: {managers_group: cafe-managers, refund_limit: 20000} */
int
cfg_parse_staff(struct walk *w, struct cafe_config *c, yaml_node_t *n)
{
	struct cfg_pair kv;
	int rc = cfg_pairs(w, n, "staff", &kv);

	while (rc == 0 && cfg_next(&kv)) {
		if (cfg_key_is(kv.k, "managers_group"))
			rc = cfg_get_str(w, kv.v, kv.key, &c->staff.managers_group);
		else if (cfg_key_is(kv.k, "refund_limit"))
			rc = cfg_get_ll(w, kv.v, kv.key, 0, 1000000000000LL,
			    &c->staff.refund_limit);
		else
			return cfg_unknown_key(w, kv.k, "staff");
	}
	return rc;
}

/* printer: {device: /dev/usb/lp0 | command: [lp, -d, kitchen], codepage:
 * cp949, width: 42} */
int
cfg_parse_printer(struct walk *w, struct cafe_config *c, yaml_node_t *n)
{
	struct cfg_pair kv;
	iconv_t cd;
	int rc = cfg_pairs(w, n, "printer", &kv);

	while (rc == 0 && cfg_next(&kv)) {
		if (cfg_key_is(kv.k, "device")) {
			rc = cfg_get_str(w, kv.v, kv.key, &c->printer.device);
		} else if (cfg_key_is(kv.k, "command")) {
			rc = cfg_get_argv(w, kv.v, kv.key, &c->printer.command);
		} else if (cfg_key_is(kv.k, "width")) {
			rc = cfg_get_int(w, kv.v, kv.key, 24, 80, &c->printer.width);
		} else if (cfg_key_is(kv.k, "codepage")) {
			if ((rc = cfg_get_str(w, kv.v, kv.key, &c->printer.codepage)) != 0)
				break;
			/* One the C library cannot convert to is a config error
			 * now, not a garbled ticket later. */
			if ((cd = iconv_open(c->printer.codepage, "UTF-8")) == (iconv_t)-1)
				return cfg_bad(w, kv.v, kv.key, "is not an encoding iconv "
				    "knows (cp949, cp437, utf-8...)");
			iconv_close(cd);
		} else {
			return cfg_unknown_key(w, kv.k, "printer");
		}
	}
	if (rc == 0 && c->printer.device && c->printer.command)
		return cfg_bad(w, n, "printer", "takes a device or a command, not both");
	if (rc == 0 && !c->printer.device && !c->printer.command)
		return cfg_bad(w, n, "printer", "needs a device (/dev/usb/lp0) or a "
		    "command ([lp, -d, receipts])");
	return rc;
}

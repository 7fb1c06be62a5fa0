/*
 * staff.c - who may do what (staff.h), from the real uid and its groups:
 * the group's member list, and the user's primary group.
 */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "staff.h"

/* 1 when the user of uid is in the group: named in its members or as
 * the user's primary group. */
static int
is_member(uid_t uid, const struct group *g)
{
	struct passwd *pw = getpwuid(uid);

	if (!pw)
		return 0;
	if (pw->pw_gid == g->gr_gid)
		return 1;
	for (char **m = g->gr_mem; m && *m; m++)
		if (strcmp(*m, pw->pw_name) == 0)
			return 1;
	return 0;
}

int
cafe_staff_may(const struct cafe_config *c, const char *what, struct cafe_err *e)
{
	const char *group = c->staff.managers_group;
	struct passwd *pw;
	struct group *g;
	uid_t uid = getuid();

	if (!group)
		return 0;
	if ((g = getgrnam(group)) && is_member(uid, g))
		return 0;
	pw = getpwuid(uid);
	if (!g)
		return cafe_err_set(e, CAFE_NOPERM, "only a manager may %s, and the "
		    "managers' group '%s' (staff.managers_group) does not exist on this "
		    "machine", what, group);
	return cafe_err_set(e, CAFE_NOPERM, "only a manager may %s: %s is not in the "
	    "group '%s' (ask a manager to run it)", what,
	    pw ? pw->pw_name : "this user", group);
}

int
cafe_staff_may_refund(const struct cafe_config *c, long long amount, struct cafe_err *e)
{
	char what[96];

	if (!c->staff.managers_group || amount <= c->staff.refund_limit)
		return 0;
	snprintf(what, sizeof what, "refund more than %lld", c->staff.refund_limit);
	return cafe_staff_may(c, what, e);
}

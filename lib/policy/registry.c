/*
 * registry.c - the daemon's policies, in the order a daemon starts them
 * (policy.h). A new policy is a row here and its own file.
 */
#include <string.h>

#include "policy.h"

const struct cafe_policy *const cafe_policies[] = {
	&cafe_policy_start_delivery,
	&cafe_policy_print,
	&cafe_policy_compensate,
	&cafe_policy_refund,
	&cafe_policy_reconcile,
	&cafe_policy_notify,
	&cafe_policy_trace,
	NULL
};

const struct cafe_policy *
cafe_policy_find(const char *name)
{
	for (size_t i = 0; cafe_policies[i]; i++)
		if (strcmp(cafe_policies[i]->name, name) == 0)
			return cafe_policies[i];
	return NULL;
}

/*
 * till.h - the cash drawer as the log has it (cafe-pay till): read it,
 * open it with a float, close it with what was counted. The I/O edge
 * around the rules of domain/till.h.
 */
#ifndef CAFE_TILL_VIEW_H
#define CAFE_TILL_VIEW_H

#include "base/cafe.h"
#include "domain/till.h"
#include "store/log.h"

/* The till as it stands: its stream's last event and, while it is open,
 * the cash moved since it was opened (the day's events, not the log's). */
int cafe_till_load(struct cafe_log *log, struct cafe_till *t, struct cafe_err *e);
/* Only whether it is open: its stream's last event (two small reads). */
int cafe_till_is_open(struct cafe_log *log, int *open, struct cafe_err *e);
/* Opens the till with a float; *out (may be NULL) gets cafe_till_json. */
int cafe_till_open(struct cafe_log *log, long long float_amount, json_t **out,
		struct cafe_err *e);
/* Closes it with what was counted; *out gets cafe_till_json of the close. */
int cafe_till_close(struct cafe_log *log, long long counted, json_t **out,
		struct cafe_err *e);

#endif

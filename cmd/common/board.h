/*
 * board.h - `cafe-deliver board`, the kitchen's screen (curses): the
 * orders being made, ready and out, oldest first, with their items and
 * how long each has waited; keys that move them along through the same
 * rules as `cafe-deliver ready|dispatch|complete` (lib/domain/delivery.h).
 * Only cafe-deliver links it (and ncurses).
 */
#ifndef CAFE_BOARD_H
#define CAFE_BOARD_H
#include "cli.h"

/* Runs the board on the terminal until q, SIGINT or SIGTERM: 0, or a
 * status with e set (no terminal, or the log failed). */
int cafe_board_run(struct cafe_ctx *ctx, struct cafe_err *e);

#endif

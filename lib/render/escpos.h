/*
 * escpos.h - receipts and kitchen tickets as the bytes an ESC/POS printer
 * takes (DESIGN §14): text in the printer's code page (iconv; CP949 puts a
 * Korean printer in its double-byte mode), lines as wide as its paper,
 * the order's link as a QR code (libqrencode, loaded with dlopen when first
 * needed; printed as a raster image,
 * so any printer that prints pictures prints it), and a cut at the end.
 * Pure: the bytes are returned; printer.h sends them.
 *
 * The commands used, and nothing else (tests/helpers/escpos-read reads
 * them back): ESC @ (reset), ESC a n (align), ESC E n (bold), GS ! n
 * (size), FS & (double-byte mode, for CP949), GS v 0 (raster image),
 * ESC d n (feed), GS V 66 0 (feed and cut).
 */
#ifndef CAFE_ESCPOS_H
#define CAFE_ESCPOS_H

#include <jansson.h>

#include "base/cafe.h"

/* A receipt (view/receipt.h's JSON) for a printer width characters wide,
 * its text in codepage (NULL: UTF-8 as it is). New bytes in *out, *len
 * long (free()); CAFE_DATAERR when the link cannot be a QR code. */
int cafe_escpos_receipt(json_t *receipt, const char *codepage, int width, char **out,
		size_t *len, struct cafe_err *e);
/* The kitchen's ticket for an order (a trace row, view/trace.h): the
 * day's number large, to go or here, the items with their choices and
 * notes, the order's note and when it is collected. */
int cafe_escpos_kitchen(json_t *row, const char *codepage, int width, char **out,
		size_t *len, struct cafe_err *e);

#endif

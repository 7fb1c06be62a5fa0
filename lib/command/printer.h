/*
 * printer.h - sending ESC/POS bytes (render/escpos.h) to the shop's
 * printer (cafe.yaml(5) printer:): a device file (/dev/usb/lp0) or a
 * command that takes them on its stdin (lp -d receipts -o raw).
 */
#ifndef CAFE_PRINTER_H
#define CAFE_PRINTER_H

#include "base/cafe.h"
#include "config/config.h"

#define CAFE_PRINTER_WAIT_MS 10000  /* a printer that takes longer is not there */

/* 1 when the config names a printer. */
int cafe_printer_configured(const struct cafe_config *c);
/* Sends len bytes. CAFE_CONFIG when no printer is configured;
 * CAFE_UNAVAILABLE when it cannot be reached or written within
 * CAFE_PRINTER_WAIT_MS (a device nobody reads, a command that fails), the
 * message saying which and why. */
int cafe_printer_send(const struct cafe_config *c, const char *bytes, size_t len,
		struct cafe_err *e);

#endif

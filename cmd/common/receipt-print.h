/*
 * receipt-print.h - `cafe-order receipt` for people: the receipt object
 * of cafe_receipt() (lib/view/receipt.h) printed on stdout, amounts in
 * the shop's currency, times in its zone.
 */
#ifndef CAFE_RECEIPT_PRINT_H
#define CAFE_RECEIPT_PRINT_H

#include <jansson.h>

void cafe_print_receipt(json_t *r);

#endif

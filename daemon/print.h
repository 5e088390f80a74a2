/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One print path for text and JSON output, in the manner of iproute2's
 * json_print: callers name each field once and the mode decides the form.
 */
#ifndef IXDP_DAEMON_PRINT_H
#define IXDP_DAEMON_PRINT_H

#include <stdbool.h>
#include <stdint.h>

/* print.c APIs: */
void print_set_json(bool json, bool pretty);
bool print_is_json(void);
void print_open_object(void);
void print_open_named(const char *key);
void print_close_object(void);
void print_open_array(void);
void print_close_array(void);
void print_u64(const char *key, const char *text_fmt, uint64_t val);
void print_fixed2(const char *key, const char *text_fmt, double val);
void print_hex(const char *key, const char *text_fmt, uint64_t val);
void print_bitmap(const char *key, const char *text_fmt, uint64_t bits);
void print_str(const char *key, const char *text_fmt, const char *val);
void print_nl(void);

#endif /* IXDP_DAEMON_PRINT_H */

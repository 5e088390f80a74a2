// SPDX-License-Identifier: GPL-2.0
/*
 * Text or JSON from the same calls. Text mode prints each field with its
 * own format; JSON mode ignores the formats and emits "key": value pairs
 * inside the current object.
 */
#include <inttypes.h>
#include <stdio.h>

#include "print.h"

static bool json_mode, json_pretty;
static int depth;
static bool need_comma;

void print_set_json(bool json, bool pretty)
{
	json_mode = json;
	json_pretty = pretty;
}

bool print_is_json(void)
{
	return json_mode;
}

static void json_sep(void)
{
	int i;

	if (need_comma)
		putchar(',');
	if (json_pretty) {
		putchar('\n');
		for (i = 0; i < depth; i++)
			fputs("    ", stdout);
	}
	need_comma = true;
}

static void json_key(const char *key)
{
	json_sep();
	printf("\"%s\":%s", key, json_pretty ? " " : "");
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

void print_open_object(void)
{
	if (!json_mode)
		return;
	if (depth)
		json_sep();
	putchar('{');
	depth++;
	need_comma = false;
}

/* An object as the value of @key inside the current object. */
void print_open_named(const char *key)
{
	if (!json_mode)
		return;
	json_key(key);
	putchar('{');
	depth++;
	need_comma = false;
}

static void json_close(char c)
{
	depth--;
	if (json_pretty) {
		putchar('\n');
		for (int i = 0; i < depth; i++)
			fputs("    ", stdout);
	}
	putchar(c);
	need_comma = true;
	if (!depth) {
		putchar('\n');
		need_comma = false;
	}
}

void print_close_object(void)
{
	if (json_mode)
		json_close('}');
}

void print_open_array(void)
{
	if (!json_mode)
		return;
	if (depth)
		json_sep();
	putchar('[');
	depth++;
	need_comma = false;
}

void print_close_array(void)
{
	if (json_mode)
		json_close(']');
}

void print_u64(const char *key, const char *text_fmt, uint64_t val)
{
	if (json_mode) {
		json_key(key);
		printf("%" PRIu64, val);
	} else {
		printf(text_fmt, val);
	}
}

/* A number with two decimals (text_fmt takes a double). */
void print_fixed2(const char *key, const char *text_fmt, double val)
{
	if (json_mode) {
		json_key(key);
		printf("%.2f", val);
	} else {
		printf(text_fmt, val);
	}
}

void print_hex(const char *key, const char *text_fmt, uint64_t val)
{
	if (json_mode) {
		json_key(key);
		printf("\"0x%" PRIx64 "\"", val);
	} else {
		printf(text_fmt, val);
	}
}

/*
 * A set of small numbers, bit i standing for i (CPUs): a JSON array of
 * them; in text @text_fmt with a "%s" that becomes the list, as "0,1,5",
 * or "none" for the empty set.
 */
void print_bitmap(const char *key, const char *text_fmt, uint64_t bits)
{
	char list[64 * 3 + 1] = "none";
	size_t len = 0;
	int i;

	if (json_mode) {
		json_key(key);
		putchar('[');
	}
	for (i = 0; i < 64; i++) {
		if (!(bits & (1ULL << i)))
			continue;
		if (json_mode)
			printf("%s%d", bits & ((1ULL << i) - 1) ? "," : "", i);
		else
			len += snprintf(list + len, sizeof(list) - len, "%s%d",
					len ? "," : "", i);
	}
	if (json_mode)
		putchar(']');
	else
		printf(text_fmt, list);
}

void print_str(const char *key, const char *text_fmt, const char *val)
{
	if (json_mode) {
		json_key(key);
		json_string(val);
	} else {
		printf(text_fmt, val);
	}
}

void print_nl(void)
{
	if (!json_mode)
		putchar('\n');
}

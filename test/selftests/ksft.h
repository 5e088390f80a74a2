/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small TAP 13 reporter for ixdp's in-guest selftests, in the manner of
 * the kernel's kselftest.h: one "ok N - name" or "not ok N - name" line per
 * check, "# " diagnostics, and an exit code of 0 (all passed), 1 (some
 * failed) or 4 (skipped).
 *
 * Nobody counts a plan by hand. A program starts with ksft_print_header(),
 * reports its checks, and ends with ksft_finish(), which prints the plan
 * last ("1..N", as TAP 13 allows) from the number of results it reported.
 * A program that dies before ksft_finish() leaves no plan, and the stage
 * runner (test/selftests/run.sh) fails a stream without exactly one plan
 * that matches its results.
 *
 * A program run as one step of a shell stage (lib.sh's tap_join) gets
 * $TAP_START: its results are numbered from there, it prints neither the
 * version line nor a plan (the stage prints the plan of the whole stream),
 * and its "# Totals:" line, which tap_join checks against the results it
 * saw, says that it finished.
 */
#ifndef IXDP_KSFT_H
#define IXDP_KSFT_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_SKIP	4

/*
 * One count per program, also when it is built from several files: a
 * weak definition, of which the linker keeps one.
 */
struct ksft_count {
	unsigned int n, pass, fail, skip;
	bool joined;		/* a step of a stage's stream ($TAP_START) */
};

struct ksft_count ksft __attribute__((weak));

/* The start of a stream, or of a step of a stage's stream ($TAP_START). */
static inline void ksft_print_header(void)
{
	const char *start = getenv("TAP_START");

	if (start && *start) {
		ksft.joined = true;
		ksft.n = (unsigned int)strtoul(start, NULL, 10) - 1;
		return;
	}
	printf("TAP version 13\n");
	fflush(stdout);
}

static inline void ksft_print_msg(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static inline void ksft_vresult(bool ok, const char *fmt, va_list ap)
{
	ksft.n++;
	if (ok)
		ksft.pass++;
	else
		ksft.fail++;
	printf("%s %u - ", ok ? "ok" : "not ok", ksft.n);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
}

static inline bool ksft_test_result(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ksft_vresult(ok, fmt, ap);
	va_end(ap);
	return ok;
}

static inline void ksft_test_result_skip(const char *fmt, ...)
{
	va_list ap;

	ksft.n++;
	ksft.skip++;
	printf("ok %u - # SKIP ", ksft.n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* Report "got @got, want @want" for an errno-style comparison. */
static inline bool ksft_expect_err(int got, int want, const char *what)
{
	if (got != want)
		ksft_print_msg("%s: got %d (%s), want %d (%s)\n", what, got,
			       strerror(got < 0 ? -got : got), want,
			       strerror(want < 0 ? -want : want));
	return ksft_test_result(got == want, "%s", what);
}

/* The end: totals, and the plan counted from the results reported. */
static inline int ksft_finish(void)
{
	printf("# Totals: pass:%u fail:%u skip:%u\n", ksft.pass, ksft.fail,
	       ksft.skip);
	if (!ksft.joined)
		printf("1..%u\n", ksft.pass + ksft.fail + ksft.skip);
	fflush(stdout);
	if (ksft.fail)
		return KSFT_FAIL;
	if (ksft.skip && !ksft.pass)
		return KSFT_SKIP;
	return KSFT_PASS;
}

#endif /* IXDP_KSFT_H */

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check.h - the unit tests' assertions: one "ok - ..." or "not ok - ..."
 * line each, with expected and actual shown (escaped) on failure, counted
 * by tests/run.sh. check_done() is the test's exit code.
 */
#ifndef TESTS_CHECK_H
#define TESTS_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;

/* Print s with non-printable bytes as \xHH, so failures are readable. */
static inline void check_show(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f)
			putchar(c);
		else
			printf("\\x%02x", c);
	}
}

static inline void check_mem(const char *desc, const char *want, size_t want_n, const char *got,
			     size_t got_n)
{
	if (want_n == got_n && memcmp(want, got, got_n) == 0) {
		printf("ok - %s\n", desc);
		return;
	}
	check_failures++;
	printf("not ok - %s: expected '", desc);
	check_show(want, want_n);
	printf("', got '");
	check_show(got, got_n);
	printf("'\n");
}

static inline void check_str(const char *desc, const char *want, const char *got)
{
	check_mem(desc, want, strlen(want), got, strlen(got));
}

static inline void check_int(const char *desc, long long want, long long got)
{
	if (want == got) {
		printf("ok - %s\n", desc);
		return;
	}
	check_failures++;
	printf("not ok - %s: expected %lld, got %lld\n", desc, want, got);
}

static inline int check_done(void)
{
	return check_failures ? 1 : 0;
}

#endif /* TESTS_CHECK_H */

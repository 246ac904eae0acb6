// SPDX-License-Identifier: BSD-2-Clause
/*
 * log.c - key=value log lines on stderr.
 *
 * Lines are formatted into one buffer and written with a single write(2), so
 * lines from concurrent request threads never interleave.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum log_level log_min_level = LOG_LVL_INFO;

static const char *const log_level_names[] = {
	[LOG_LVL_DEBUG] = "debug",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_WARN] = "warn",
	[LOG_LVL_ERROR] = "error",
};

void log_set_level(enum log_level lvl)
{
	log_min_level = lvl;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	char line[1024];
	struct timespec now;
	struct tm tm;
	size_t len;
	va_list ap;
	int n;

	if (lvl < log_min_level)
		return;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	n = snprintf(line, sizeof(line), "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s ",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		     tm.tm_sec, now.tv_nsec / 1000000, log_level_names[lvl]);
	if (n < 0)
		return;
	len = (size_t)n;

	va_start(ap, fmt);
	n = vsnprintf(line + len, sizeof(line) - len - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	len += (size_t)n;
	/* A long line is cut, but it still ends the line. */
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';

	if (write(STDERR_FILENO, line, len) < 0)
		return;
}

// SPDX-License-Identifier: BSD-2-Clause
/*
 * log.c - leveled key=value (or JSON) lines on stderr.
 *
 * A whole line is formatted first and written with one write(2), so lines
 * from the HTTP thread and the main thread never interleave. Values are
 * passed through the caller's format; when the output is JSON, the fields
 * string is converted pair by pair (key=value -> "key":"value"), which is
 * why values must not contain unquoted spaces.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum log_level min_level = LOG_INFO;
static enum log_format log_fmt = LOG_LOGFMT;

static const char *const level_names[] = {
	[LOG_DEBUG] = "debug",
	[LOG_INFO] = "info",
	[LOG_WARN] = "warn",
	[LOG_ERROR] = "error",
};

int log_level_parse(const char *s, enum log_level *out_level)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out_level = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

int log_format_parse(const char *s, enum log_format *out_format)
{
	if (strcmp(s, "logfmt") == 0)
		*out_format = LOG_LOGFMT;
	else if (strcmp(s, "json") == 0)
		*out_format = LOG_JSON;
	else
		return -EINVAL;
	return 0;
}

void log_setup(enum log_level level, enum log_format format)
{
	min_level = level;
	log_fmt = format;
}

/* Append s to buf as a JSON string body (no quotes), within cap. */
static size_t json_escape(char *buf, size_t len, size_t cap, const char *s, size_t n)
{
	for (size_t i = 0; i < n && len + 7 < cap; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			buf[len++] = '\\';
			buf[len++] = (char)c;
		} else if (c < 0x20) {
			len += (size_t)snprintf(buf + len, cap - len, "\\u%04x", c);
		} else {
			buf[len++] = (char)c;
		}
	}
	return len;
}

const char *log_q(const char *s)
{
	static __thread char ring[4][1024];
	static __thread unsigned int next;
	char *out = ring[next++ % 4];
	size_t o = 0, cap = sizeof(ring[0]) - 8;

	out[o++] = '"';
	for (; *s && o < cap; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(out + o, 8, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}

/*
 * Copy the body of a quoted logfmt value (at q, just past its opening
 * quote) into a JSON string: the escapes log_q() makes are JSON escapes
 * already; any other backslash is doubled. Returns the closing quote, or
 * the end of the string.
 */
static const char *json_quoted(char *buf, size_t *len, size_t cap, const char *q)
{
	for (; *q && *q != '"' && *len + 8 < cap; q++) {
		if (*q == '\\' && q[1] && strchr("\"\\nu", q[1])) {
			buf[(*len)++] = *q++;
			buf[(*len)++] = *q;
		} else if (*q == '\\') {
			buf[(*len)++] = '\\';
			buf[(*len)++] = '\\';
		} else {
			*len = json_escape(buf, *len, cap, q, 1);
		}
	}
	return q;
}

/* Turn "a=1 b=\"x y\"" into ,"a":"1","b":"x y" for the JSON format. */
static size_t json_fields(char *buf, size_t len, size_t cap, const char *f)
{
	while (*f && len + 8 < cap) {
		const char *eq, *val, *end;

		while (*f == ' ')
			f++;
		eq = strchr(f, '=');
		if (!eq)
			break;
		val = eq + 1;
		buf[len++] = ',';
		buf[len++] = '"';
		len = json_escape(buf, len, cap, f, (size_t)(eq - f));
		len += (size_t)snprintf(buf + len, cap - len, "\":\"");
		if (*val == '"') {
			end = json_quoted(buf, &len, cap, val + 1);
			f = *end ? end + 1 : end;
		} else {
			end = strchr(val, ' ');
			if (!end)
				end = val + strlen(val);
			len = json_escape(buf, len, cap, val, (size_t)(end - val));
			f = end;
		}
		if (len + 1 < cap)
			buf[len++] = '"';
	}
	return len;
}

void log_msg(enum log_level level, const char *msg, const char *fields, ...)
{
	char line[2048], fbuf[1536], ts[96];
	struct timespec now;
	struct tm tm;
	size_t len;
	va_list ap;

	if (level < min_level)
		return;
	va_start(ap, fields);
	vsnprintf(fbuf, sizeof(fbuf), fields, ap);
	va_end(ap);
	/* Whatever a value held, one event stays one line. */
	for (char *p = fbuf; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 now.tv_nsec / 1000000);

	if (log_fmt == LOG_JSON) {
		len = (size_t)snprintf(line, sizeof(line),
				       "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":\"", ts,
				       level_names[level]);
		len = json_escape(line, len, sizeof(line), msg, strlen(msg));
		line[len++] = '"';
		len = json_fields(line, len, sizeof(line) - 3, fbuf);
		line[len++] = '}';
	} else {
		len = (size_t)snprintf(line, sizeof(line), "ts=%s level=%s msg=\"%s\"%s%s", ts,
				       level_names[level], msg, fbuf[0] ? " " : "", fbuf);
		if (len > sizeof(line) - 2)
			len = sizeof(line) - 2;
	}
	line[len++] = '\n';
	if (write(STDERR_FILENO, line, len) < 0) {
		/* Nowhere left to report a failing stderr. */
	}
}

void log_vforeign(enum log_level level, const char *source, const char *fmt, va_list ap)
{
	char buf[1024];
	size_t n;

	if (level < min_level)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	/* One quoted value: a library's own quotes would end it early. */
	for (char *p = buf; *p; p++)
		if (*p == '"')
			*p = '\'';
	log_msg(level, source, "detail=\"%s\"", buf);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	log_vforeign(level == LIBBPF_WARN ? LOG_WARN : LOG_DEBUG, "libbpf", fmt, ap);
	return 0;
}

void log_route_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * log.h - the observer's one logging module.
 *
 * Lines go to stderr as key=value pairs (logfmt) or as one JSON object per
 * line, with a timestamp, a level and a message; callers add their own
 * key=value context in the message ("target=%s err=%s"). libbpf's own output
 * is routed here once (log_route_libbpf) and shown at debug level only,
 * except its warnings.
 */
#ifndef OBSERVER_LOG_H
#define OBSERVER_LOG_H

#include <stdarg.h>
#include <stdbool.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };
enum log_format { LOG_LOGFMT, LOG_JSON };

/* Parse "debug|info|warn|error" and "logfmt|json"; -EINVAL if unknown. */
int log_level_parse(const char *s, enum log_level *out_level);
int log_format_parse(const char *s, enum log_format *out_format);

void log_setup(enum log_level level, enum log_format format);
void log_route_libbpf(void);

/*
 * log_msg(LOG_INFO, "attached", "target=%s probes=%d", log_q(path), n): msg
 * is a fixed string; fields is a printf format of key=value pairs. A value
 * that may hold spaces, quotes or control characters goes through log_q().
 */
void log_msg(enum log_level level, const char *msg, const char *fields, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Log a library's own printf-style message (libbpf, libmicrohttpd) as one
 * line: trailing newlines dropped, the text in a quoted detail= field.
 */
void log_vforeign(enum log_level level, const char *source, const char *fmt, va_list ap);

/*
 * Quote a value that may hold anything (a path, a library's text) for a
 * key=value field: "...", with \" \\ \n and \u00XX escapes. The result
 * lives in one of four per-thread buffers: use it within the log call.
 */
const char *log_q(const char *s);

#define log_debug(msg, ...) log_msg(LOG_DEBUG, msg, __VA_ARGS__)
#define log_info(msg, ...) log_msg(LOG_INFO, msg, __VA_ARGS__)
#define log_warn(msg, ...) log_msg(LOG_WARN, msg, __VA_ARGS__)
#define log_error(msg, ...) log_msg(LOG_ERROR, msg, __VA_ARGS__)

#endif /* OBSERVER_LOG_H */

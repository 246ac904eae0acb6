/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * log.h - key=value log lines on stderr for the reference IdP.
 *
 * One line per event: "level=info msg=\"...\" key=value ...". The message
 * part is a printf format whose arguments the caller supplies; values that
 * may contain spaces must be quoted by the caller.
 */
#ifndef IDP_LOG_H
#define IDP_LOG_H

enum log_level {
	LOG_LVL_DEBUG,
	LOG_LVL_INFO,
	LOG_LVL_WARN,
	LOG_LVL_ERROR,
};

/* log_set_level: lines below @lvl are dropped. */
void log_set_level(enum log_level lvl);

/* log_msg: write one line at @lvl; @fmt continues after "level=... ". */
void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)

#endif /* IDP_LOG_H */

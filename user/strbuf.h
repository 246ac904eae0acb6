/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * strbuf.h - a growable byte buffer for building HTTP bodies.
 *
 * Appends never fail loudly: an allocation failure sets a sticky error that
 * the caller checks once, at the end, with strbuf_error(). The buffer is
 * always NUL-terminated when it holds anything.
 */
#ifndef OBSERVER_STRBUF_H
#define OBSERVER_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
	bool oom;
};

void strbuf_init(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);

/* Make room for n more bytes; false (and the sticky error) on ENOMEM. */
bool strbuf_reserve(struct strbuf *sb, size_t n);

/*
 * Appends are inline for the case where the buffer has room: a scrape
 * makes several per series, and the call would cost more than the copy.
 */
static inline void strbuf_add(struct strbuf *sb, const char *s, size_t n)
{
	if (sb->len + n >= sb->cap && !strbuf_reserve(sb, n))
		return;
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

static inline void strbuf_adds(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

static inline void strbuf_addc(struct strbuf *sb, char c)
{
	if (sb->len + 1 >= sb->cap && !strbuf_reserve(sb, 1))
		return;
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = '\0';
}
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Hand the buffer to the caller (who frees it); sb is left empty. */
char *strbuf_detach(struct strbuf *sb, size_t *out_len);

/* 0, or -ENOMEM if any append failed since init/reset. */
int strbuf_error(const struct strbuf *sb);

#endif /* OBSERVER_STRBUF_H */

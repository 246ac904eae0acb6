// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

void strbuf_init(struct strbuf *sb)
{
	memset(sb, 0, sizeof(*sb));
}

void strbuf_free(struct strbuf *sb)
{
	free(sb->buf);
	strbuf_init(sb);
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	sb->oom = false;
	if (sb->buf)
		sb->buf[0] = '\0';
}

bool strbuf_reserve(struct strbuf *sb, size_t n)
{
	size_t want, cap;
	char *p;

	if (sb->oom)
		return false;
	if (n >= SIZE_MAX / 2 - sb->len) {
		sb->oom = true;
		return false;
	}
	want = sb->len + n + 1;
	if (want <= sb->cap)
		return true;
	cap = sb->cap ? sb->cap : 256;
	while (cap < want)
		cap *= 2;
	p = realloc(sb->buf, cap);
	if (!p) {
		sb->oom = true;
		return false;
	}
	sb->buf = p;
	sb->cap = cap;
	return true;
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !strbuf_reserve(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

char *strbuf_detach(struct strbuf *sb, size_t *out_len)
{
	char *p = sb->buf;

	if (out_len)
		*out_len = sb->len;
	strbuf_init(sb);
	return p;
}

int strbuf_error(const struct strbuf *sb)
{
	return sb->oom ? -ENOMEM : 0;
}

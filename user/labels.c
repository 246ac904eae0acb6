// SPDX-License-Identifier: BSD-2-Clause
#include <string.h>

#include "labels.h"

/*
 * Length of the valid UTF-8 sequence at s[0..n), or 0 if it is ill-formed;
 * *out_bad is then the length of its maximal valid prefix (at least 1), the
 * bytes one U+FFFD replaces. Ranges from Unicode Table 3-7.
 */
static size_t utf8_seq(const unsigned char *s, size_t n, size_t *out_bad)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		*out_bad = 1;
		return 0;
	}
	for (i = 1; i <= need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*out_bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return need + 1;
}

size_t label_utf8_repair(const char *in, size_t len, char *out)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0;

	while (i < len) {
		size_t bad = 0, n = utf8_seq(s + i, len - i, &bad);

		if (n) {
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i += bad;
		}
	}
	out[o] = '\0';
	return o;
}

void label_escape_value(struct strbuf *sb, const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		const char *esc;

		switch (s[i]) {
		case '\\':
			esc = "\\\\";
			break;
		case '"':
			esc = "\\\"";
			break;
		case '\n':
			esc = "\\n";
			break;
		default:
			/* Other control characters (CR among them) break line-based readers. */
			if ((unsigned char)s[i] >= 0x20 || s[i] == '\t')
				continue;
			esc = "\xef\xbf\xbd";
			break;
		}
		strbuf_add(sb, s + start, i - start);
		strbuf_adds(sb, esc);
		start = i + 1;
	}
	strbuf_add(sb, s + start, n - start);
}

void label_escape_help(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			strbuf_add(sb, "\\\\", 2);
		else if (*s == '\n')
			strbuf_add(sb, "\\n", 2);
		else
			strbuf_addc(sb, *s);
	}
}

/*
 * Append value[0..len) repaired and escaped, in one pass: the same output
 * as label_utf8_repair() followed by label_escape_value(), without the
 * intermediate copy. Scrapes render every series this way, so the common
 * case (printable ASCII, nothing to escape) only scans.
 */
/* Bytes that stand for themselves in a label value: printable ASCII but \ and ". */
#define PLAIN_RANGE(lo, hi) [lo...hi] = 1
static const unsigned char plain_ascii[256] = {
	PLAIN_RANGE(0x20, 0x21), PLAIN_RANGE(0x23, 0x5b), PLAIN_RANGE(0x5d, 0x7f),
};
#undef PLAIN_RANGE

static void append_text(struct strbuf *sb, const char *value, size_t len)
{
	const unsigned char *s = (const unsigned char *)value;
	size_t run = 0, i = 0;

	if (len == 0) {
		strbuf_adds(sb, LABEL_PLACEHOLDER_EMPTY);
		return;
	}
	while (i < len) {
		unsigned char c = s[i];
		size_t bad = 0, n;

		if (plain_ascii[c]) {
			i++;
			continue;
		}
		strbuf_add(sb, value + run, i - run);
		if (c >= 0x80) {
			n = utf8_seq(s + i, len - i, &bad);
			if (n) {
				strbuf_add(sb, value + i, n);
				i += n;
			} else {
				strbuf_add(sb, "\xef\xbf\xbd", 3);
				i += bad;
			}
		} else {
			label_escape_value(sb, value + i, 1);
			i++;
		}
		run = i;
	}
	strbuf_add(sb, value + run, len - run);
}

void label_append_pair(struct strbuf *sb, const char *name, unsigned int state, const char *raw,
		       size_t raw_sz)
{
	strbuf_adds(sb, name);
	strbuf_add(sb, "=\"", 2);
	if (state == LABEL_STATE_OK)
		append_text(sb, raw, strnlen(raw, raw_sz));
	else if (state == LABEL_STATE_OVERFLOW)
		strbuf_adds(sb, LABEL_PLACEHOLDER_OVERFLOW);
	else /* a read error, or a state this version does not know */
		strbuf_adds(sb, LABEL_PLACEHOLDER_UNREADABLE);
	strbuf_addc(sb, '"');
}

void label_append_text(struct strbuf *sb, const char *name, const char *value)
{
	label_append_pair(sb, name, LABEL_STATE_OK, value, strlen(value));
}

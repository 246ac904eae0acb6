// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target over label repair and escaping (user/labels.c).
 *
 * Input: a state selector, a slot size, a flags byte, then the raw label
 * bytes. Every input goes through label_utf8_repair, label_escape_value,
 * label_escape_help, label_append_pair and label_append_text, and each
 * result is checked against the contract in user/labels.h: valid UTF-8 out,
 * valid input kept byte for byte, repair idempotent and equal to a
 * table-driven reference, escapes complete and reversible, no control byte
 * but TAB left raw, bounded growth, never the empty label value.
 */
#include <stdlib.h>
#include <string.h>

#include "labels.h"
#include "fuzz_util.h"

#define FFFD "\xef\xbf\xbd"

/*
 * Unicode 15 Table 3-7 as data: the lead byte range, then the allowed range
 * of each trail byte. The reference repair below walks this table; the code
 * under test walks branches. They must agree byte for byte.
 */
struct utf8_row {
	unsigned char lead_lo, lead_hi, trail_cnt;
	unsigned char lo[3], hi[3];
};

static const struct utf8_row utf8_rows[] = {
	{ 0xc2, 0xdf, 1, { 0x80 }, { 0xbf } },
	{ 0xe0, 0xe0, 2, { 0xa0, 0x80 }, { 0xbf, 0xbf } },
	{ 0xe1, 0xec, 2, { 0x80, 0x80 }, { 0xbf, 0xbf } },
	{ 0xed, 0xed, 2, { 0x80, 0x80 }, { 0x9f, 0xbf } },
	{ 0xee, 0xef, 2, { 0x80, 0x80 }, { 0xbf, 0xbf } },
	{ 0xf0, 0xf0, 3, { 0x90, 0x80, 0x80 }, { 0xbf, 0xbf, 0xbf } },
	{ 0xf1, 0xf3, 3, { 0x80, 0x80, 0x80 }, { 0xbf, 0xbf, 0xbf } },
	{ 0xf4, 0xf4, 3, { 0x80, 0x80, 0x80 }, { 0x8f, 0xbf, 0xbf } },
};

/* "U+FFFD substitution of maximal subparts", straight from the table. */
static size_t ref_repair(const char *in, size_t len, char *out)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0;

	while (i < len) {
		const struct utf8_row *row = NULL;
		size_t k = 1;

		if (s[i] < 0x80) {
			out[o++] = (char)s[i++];
			continue;
		}
		for (size_t r = 0; r < sizeof(utf8_rows) / sizeof(utf8_rows[0]); r++)
			if (s[i] >= utf8_rows[r].lead_lo && s[i] <= utf8_rows[r].lead_hi)
				row = &utf8_rows[r];
		/* k counts the lead and every trail byte that is in range. */
		while (row && k <= row->trail_cnt && i + k < len &&
		       s[i + k] >= row->lo[k - 1] && s[i + k] <= row->hi[k - 1])
			k++;
		if (row && k == row->trail_cnt + 1u) {
			memcpy(out + o, s + i, k);
			o += k;
		} else {
			memcpy(out + o, FFFD, 3);
			o += 3;
		}
		i += k;
	}
	return o;
}

/*
 * Undo label-value escaping in e[0..n) into out (n bytes fit), asserting on
 * the way that the text is what may stand between the quotes: every '\'
 * starts one of \\ \" \n, no raw '"' or LF, no control byte but TAB.
 */
static size_t unescape_value(const char *e, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)e[i];

		if (c == '\\') {
			FUZZ_ASSERT(i + 1 < n);
			c = (unsigned char)e[++i];
			FUZZ_ASSERT(c == '\\' || c == '"' || c == 'n');
			out[o++] = c == 'n' ? '\n' : (char)c;
			continue;
		}
		FUZZ_ASSERT(c != '"' && c != '\n');
		FUZZ_ASSERT(c >= 0x20 || c == '\t');
		out[o++] = (char)c;
	}
	return o;
}

/*
 * What unescaping an escaped s[0..n) must give back: s, with each control
 * byte other than TAB and LF (which has an escape) turned into U+FFFD.
 */
static size_t expect_unescaped(const char *s, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 && c != '\t' && c != '\n') {
			memcpy(out + o, FFFD, 3);
			o += 3;
		} else {
			out[o++] = (char)c;
		}
	}
	return o;
}

/*
 * Check an escaped value e[0..n) made from s[0..sn): well-formed escapes,
 * reversible to the expected text, at most 3 bytes per input byte; and, if
 * the input was valid UTF-8, valid UTF-8 out.
 */
static void check_escaped(const char *e, size_t n, const char *s, size_t sn)
{
	char *back = malloc(n + 1), *want = malloc(3 * sn + 1);
	size_t back_n, want_n;

	FUZZ_ASSERT(back && want);
	FUZZ_ASSERT(n <= 3 * sn);
	back_n = unescape_value(e, n, back);
	want_n = expect_unescaped(s, sn, want);
	FUZZ_ASSERT(back_n == want_n && memcmp(back, want, back_n) == 0);
	if (fuzz_utf8_valid(s, sn))
		FUZZ_ASSERT(fuzz_utf8_valid(e, n));
	free(back);
	free(want);
}

/* Repair: valid out, bounded, equal to the reference, identity on valid text. */
static size_t check_repair(const char *v, size_t n, char **out_fixed)
{
	char *out = malloc(3 * n + 1), *ref = malloc(3 * n + 1), *again;
	size_t o, r;

	FUZZ_ASSERT(out && ref);
	o = label_utf8_repair(v, n, out);
	FUZZ_ASSERT(o <= 3 * n);
	FUZZ_ASSERT(out[o] == '\0');
	FUZZ_ASSERT(fuzz_utf8_valid(out, o));
	r = ref_repair(v, n, ref);
	FUZZ_ASSERT(r == o && memcmp(ref, out, o) == 0);
	if (fuzz_utf8_valid(v, n))
		FUZZ_ASSERT(o == n && memcmp(out, v, n) == 0);

	/* Repairing repaired text changes nothing. */
	again = malloc(3 * o + 1);
	FUZZ_ASSERT(again);
	FUZZ_ASSERT(label_utf8_repair(out, o, again) == o);
	FUZZ_ASSERT(memcmp(again, out, o) == 0);
	free(again);
	free(ref);
	*out_fixed = out;
	return o;
}

/* Escaping alone, of repaired text (the real path) and of raw bytes. */
static void check_escape(const char *fixed, size_t fixed_n, const char *raw, size_t raw_n)
{
	struct strbuf sb;

	strbuf_init(&sb);
	label_escape_value(&sb, fixed, fixed_n);
	FUZZ_ASSERT(!strbuf_error(&sb));
	check_escaped(sb.buf ? sb.buf : "", sb.len, fixed, fixed_n);

	/* Raw bytes are not its input in the observer, but must not break it. */
	strbuf_reset(&sb);
	label_escape_value(&sb, raw, raw_n);
	check_escaped(sb.buf ? sb.buf : "", sb.len, raw, raw_n);
	strbuf_free(&sb);
}

/* HELP escaping: \ and LF escaped, reversible, nothing else touched. */
static void check_help(const char *raw, size_t raw_n)
{
	char *help = strndup(raw, raw_n), *back;
	size_t hn, o = 0;
	struct strbuf sb;

	FUZZ_ASSERT(help);
	hn = strlen(help);
	strbuf_init(&sb);
	label_escape_help(&sb, help);
	back = malloc(sb.len + 1);
	FUZZ_ASSERT(back);
	for (size_t i = 0; i < sb.len; i++) {
		char c = sb.buf[i];

		FUZZ_ASSERT(c != '\n');
		if (c == '\\') {
			FUZZ_ASSERT(i + 1 < sb.len);
			c = sb.buf[++i];
			FUZZ_ASSERT(c == '\\' || c == 'n');
			c = c == 'n' ? '\n' : c;
		}
		back[o++] = c;
	}
	FUZZ_ASSERT(o == hn && memcmp(back, help, hn) == 0);
	free(back);
	free(help);
	strbuf_free(&sb);
}

/*
 * One counter-key label: the value bytes in a NUL-padded slot of slot_sz
 * (unterminated when the value fills it), rendered as name="value" after
 * an optional earlier pair that must stay untouched.
 */
static void check_pair(unsigned int state, const char *v, size_t n, size_t slot_sz,
		       bool prefixed)
{
	static const char name[] = "tenant_id", pre[] = "endpoint=\"/x\",";
	char *slot = calloc(1, slot_sz), *text, *back, *want;
	size_t pre_n = prefixed ? strlen(pre) : 0, k, p_n, val_n, back_n, want_n;
	const char *p, *val;
	struct strbuf sb, sb2;

	FUZZ_ASSERT(slot);
	memcpy(slot, v, n < slot_sz ? n : slot_sz);
	strbuf_init(&sb);
	strbuf_add(&sb, pre, pre_n);
	label_append_pair(&sb, name, state, slot, slot_sz);
	FUZZ_ASSERT(!strbuf_error(&sb));
	FUZZ_ASSERT(sb.len > pre_n && memcmp(sb.buf, pre, pre_n) == 0);
	p = sb.buf + pre_n;
	p_n = sb.len - pre_n;

	/* name="value", and the value is never the empty one. */
	FUZZ_ASSERT(p_n >= strlen(name) + 3);
	FUZZ_ASSERT(memcmp(p, name, strlen(name)) == 0);
	FUZZ_ASSERT(memcmp(p + strlen(name), "=\"", 2) == 0);
	FUZZ_ASSERT(p[p_n - 1] == '"');
	val = p + strlen(name) + 2;
	val_n = p_n - strlen(name) - 3;
	FUZZ_ASSERT(val_n > 0);
	FUZZ_ASSERT(fuzz_utf8_valid(val, val_n));

	back = malloc(val_n + 1);
	FUZZ_ASSERT(back);
	back_n = unescape_value(val, val_n, back);
	k = strnlen(slot, slot_sz);
	if (state == LABEL_STATE_OVERFLOW) {
		FUZZ_ASSERT(back_n == strlen(LABEL_PLACEHOLDER_OVERFLOW));
		FUZZ_ASSERT(memcmp(back, LABEL_PLACEHOLDER_OVERFLOW, back_n) == 0);
	} else if (state != LABEL_STATE_OK) {
		FUZZ_ASSERT(back_n == strlen(LABEL_PLACEHOLDER_UNREADABLE));
		FUZZ_ASSERT(memcmp(back, LABEL_PLACEHOLDER_UNREADABLE, back_n) == 0);
	} else if (k == 0) {
		FUZZ_ASSERT(back_n == strlen(LABEL_PLACEHOLDER_EMPTY));
		FUZZ_ASSERT(memcmp(back, LABEL_PLACEHOLDER_EMPTY, back_n) == 0);
	} else {
		/* The slot's text up to its NUL or its end, repaired, then escaped. */
		char *fixed = malloc(3 * k + 1);
		size_t fixed_n;

		FUZZ_ASSERT(fixed);
		fixed_n = ref_repair(slot, k, fixed);
		want = malloc(3 * fixed_n + 1);
		FUZZ_ASSERT(want);
		want_n = expect_unescaped(fixed, fixed_n, want);
		FUZZ_ASSERT(val_n <= 3 * k);
		FUZZ_ASSERT(back_n == want_n && memcmp(back, want, want_n) == 0);
		free(want);
		free(fixed);
	}
	free(back);

	/* A C string renders exactly as the same bytes in a slot. */
	if (state == LABEL_STATE_OK) {
		text = strndup(slot, slot_sz);
		FUZZ_ASSERT(text);
		strbuf_init(&sb2);
		label_append_text(&sb2, name, text);
		FUZZ_ASSERT(sb2.len == p_n && memcmp(sb2.buf, p, p_n) == 0);
		strbuf_free(&sb2);
		free(text);
	}
	strbuf_free(&sb);
	free(slot);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The three states, and values no version defines (read as errors). */
	static const unsigned int states[8] = {
		LABEL_STATE_OK, LABEL_STATE_READ_ERROR, LABEL_STATE_OVERFLOW, 3, 7, 255,
		0x80000000u, 0xffffffffu,
	};
	struct fuzz_in in = { data, size };
	uint8_t sel = fuzz_u8(&in), slot_b = fuzz_u8(&in), flags = fuzz_u8(&in);
	size_t n, fixed_n;
	const char *v = fuzz_bytes(&in, SIZE_MAX, &n);
	char *fixed;

	fixed_n = check_repair(v, n, &fixed);
	check_escape(fixed, fixed_n, v, n);
	check_help(v, n);
	check_pair(states[sel % 8], v, n, fuzz_slot_size(slot_b), flags & 1);
	free(fixed);
	return 0;
}

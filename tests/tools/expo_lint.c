// SPDX-License-Identifier: BSD-2-Clause
/*
 * expo_lint.c - a strict checker for the Prometheus text exposition format
 * 0.0.4, run by every test that fetches /metrics.
 *
 *   expo-lint [--require NAME]... [--no-empty-label-values] [FILE]
 *
 * Reads FILE (or stdin), prints one "expo-lint: line N: problem" per fault
 * to stderr ("expo-lint: problem" for a --require family without samples,
 * which has no line) and exits 0 if the body is valid, 1 if it is not, 2 on a
 * usage error or when the body cannot be read at all.
 *
 * promtool's parser accepts several faults a renderer can make: families split
 * into several blocks, duplicate series, negative or NaN counters, a counter's
 * samples under a suffixed name, buckets without le, HELP after the samples,
 * invalid UTF-8 in HELP, empty lines. This checker refuses them, and on
 * purpose is stricter than the format where a lenient reading would hide a
 * rendering bug:
 *
 *   - no empty or blank lines, no leading or trailing whitespace on sample and
 *     TYPE lines, no CR, no NUL, and the body ends with a newline;
 *   - HELP and TYPE must be spelt exactly "# HELP " and "# TYPE ", and the
 *     type in lower case (Go's parser also takes "Counter");
 *   - a value is a decimal float or exactly +Inf, -Inf or NaN (Go also takes
 *     "inf", "Infinity" and the like, which no client library emits);
 *   - a sample named like a typed family plus a suffix its type does not have
 *     (x_total after "# TYPE x counter", x_bucket of a summary) is refused
 *     rather than read as a new untyped family.
 *
 * Blanks and tabs between tokens and inside the label braces, a trailing comma
 * in the label set and an empty body are accepted, as the format allows.
 * Cross-sample histogram rules (cumulative buckets, an le="+Inf" bucket equal
 * to _count) are not checked.
 *
 * Families and series live in open-addressing hash tables, so a body of 100k
 * series is checked in linear time (plus sorting each sample's labels).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define EXIT_INVALID	1
#define EXIT_USAGE	2

/* Longest token quoted back in a message; keeps one fault on one short line. */
#define QUOTE_MAX	64

enum mtype {
	MT_UNTYPED,
	MT_COUNTER,
	MT_GAUGE,
	MT_HISTOGRAM,
	MT_SUMMARY,
};

static const char *const mtype_names[] = {
	[MT_UNTYPED] = "untyped",
	[MT_COUNTER] = "counter",
	[MT_GAUGE] = "gauge",
	[MT_HISTOGRAM] = "histogram",
	[MT_SUMMARY] = "summary",
};

/* Which series of its family a sample is, from its name's suffix. */
enum skind {
	SK_PLAIN,
	SK_BUCKET,
	SK_SUM,
	SK_COUNT,
};

struct family {
	const char *name;		/* points into the body */
	size_t name_len;
	enum mtype type;
	unsigned long help_line;	/* 0: no HELP yet */
	unsigned long type_line;	/* 0: no TYPE yet */
	unsigned long first_sample;	/* 0: no sample yet */
	unsigned long last_line;	/* last line that belonged to the family */
	bool closed;			/* another family has followed it */
};

struct hent {
	const char *key;		/* NULL: free slot */
	size_t key_len;
	uint64_t hash;
	union {
		struct family *fam;
		unsigned long line;
	} val;
};

struct htab {
	struct hent *ents;
	size_t cap;			/* a power of two */
	size_t cnt;
};

struct label {
	const char *name;
	size_t name_len;
	const char *val;		/* raw, still escaped */
	size_t val_len;
};

struct lint {
	bool no_empty_values;
	unsigned long line;
	unsigned long problems;
	struct htab families;
	struct htab series;
	struct family *cur;		/* the family whose block we are in */
	struct label *labels;
	size_t label_cnt;
	size_t label_cap;
	char *key;			/* scratch for a series' canonical name */
	size_t key_cap;
};

static void problem(struct lint *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problem(struct lint *l, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "expo-lint: line %lu: ", l->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	l->problems++;
}

/* Allocation failure leaves nothing to report on: the body was not checked. */
static void *xrealloc(void *p, size_t sz)
{
	p = realloc(p, sz);
	if (!p) {
		fprintf(stderr, "expo-lint: out of memory\n");
		exit(EXIT_USAGE);
	}
	return p;
}

static int quote_len(size_t len)
{
	return len > QUOTE_MAX ? QUOTE_MAX : (int)len;
}

/* ---- hash table ---------------------------------------------------------------------------- */

static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a, then a final mix for the low bits */
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return h;
}

static struct hent *htab_slot(struct htab *t, const char *key, size_t len, uint64_t hash)
{
	size_t mask = t->cap - 1;
	size_t i = hash & mask;

	for (;;) {
		struct hent *e = &t->ents[i];

		if (!e->key)
			return e;
		if (e->hash == hash && e->key_len == len && !memcmp(e->key, key, len))
			return e;
		i = (i + 1) & mask;
	}
}

static void htab_grow(struct htab *t)
{
	struct hent *old = t->ents;
	size_t old_cap = t->cap, i;

	t->cap = old_cap ? old_cap * 2 : 256;
	t->ents = xrealloc(NULL, t->cap * sizeof(*t->ents));
	memset(t->ents, 0, t->cap * sizeof(*t->ents));
	for (i = 0; i < old_cap; i++) {
		if (old[i].key)
			*htab_slot(t, old[i].key, old[i].key_len, old[i].hash) = old[i];
	}
	free(old);
}

static struct hent *htab_find(struct htab *t, const char *key, size_t len)
{
	struct hent *e;

	if (!t->cnt)
		return NULL;
	e = htab_slot(t, key, len, hash_bytes(key, len));
	return e->key ? e : NULL;
}

/*
 * Find KEY or add it. *out_added tells which; a new entry's key is KEY itself,
 * so the caller keeps it alive for the table's lifetime.
 */
static struct hent *htab_upsert(struct htab *t, const char *key, size_t len, bool *out_added)
{
	uint64_t hash = hash_bytes(key, len);
	struct hent *e;

	/* Keep the load at most 1/2 so that linear probing stays short. */
	if ((t->cnt + 1) * 2 > t->cap)
		htab_grow(t);
	e = htab_slot(t, key, len, hash);
	*out_added = !e->key;
	if (*out_added) {
		e->key = key;
		e->key_len = len;
		e->hash = hash;
		t->cnt++;
	}
	return e;
}

/* ---- lexical checks ------------------------------------------------------------------------ */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_name_start(char c, bool colon_ok)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (colon_ok && c == ':');
}

static bool is_name_char(char c, bool colon_ok)
{
	return is_name_start(c, colon_ok) || (c >= '0' && c <= '9');
}

/* Length of the metric (COLON_OK) or label name at P, 0 if there is none. */
static size_t name_span(const char *p, const char *end, bool colon_ok)
{
	const char *s = p;

	if (p == end || !is_name_start(*p, colon_ok))
		return 0;
	while (p < end && is_name_char(*p, colon_ok))
		p++;
	return p - s;
}

/*
 * Return the offset of the first byte of [S, S + LEN) that is not part of
 * well-formed UTF-8, or LEN. Overlong forms, surrogates and code points past
 * U+10FFFF are ill-formed (RFC 3629).
 */
static size_t utf8_invalid_at(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		unsigned char lo = 0x80, hi = 0xbf;
		size_t n, k;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			if (c == 0xe0)
				lo = 0xa0;	/* below: overlong */
			else if (c == 0xed)
				hi = 0x9f;	/* above: UTF-16 surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			if (c == 0xf0)
				lo = 0x90;	/* below: overlong */
			else if (c == 0xf4)
				hi = 0x8f;	/* above: past U+10FFFF */
		} else {
			return i;		/* continuation byte, C0/C1 overlong lead, F5-FF */
		}
		if (len - i <= n)
			return i;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return i;
		for (k = 2; k <= n; k++) {
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				return i;
		}
		i += n + 1;
	}
	return len;
}

/*
 * Parse a sample value or an le/quantile label value: a decimal float, or one
 * of the three spellings client libraries emit for the special values.
 * Return 0, -EINVAL for bad syntax or -ERANGE past the range of a double.
 */
static int parse_float(const char *p, size_t len, double *out)
{
	const char *end = p + len, *q = p;
	char buf[128], *copy = buf;
	bool digits = false;

	if (len == 4 && !memcmp(p, "+Inf", 4)) {
		*out = INFINITY;
		return 0;
	}
	if (len == 4 && !memcmp(p, "-Inf", 4)) {
		*out = -INFINITY;
		return 0;
	}
	if (len == 3 && !memcmp(p, "NaN", 3)) {
		*out = NAN;
		return 0;
	}

	/* [+-]? digits? (. digits?)? ([eE] [+-]? digits)?, with a digit in the mantissa */
	if (q < end && (*q == '+' || *q == '-'))
		q++;
	while (q < end && *q >= '0' && *q <= '9') {
		q++;
		digits = true;
	}
	if (q < end && *q == '.') {
		q++;
		while (q < end && *q >= '0' && *q <= '9') {
			q++;
			digits = true;
		}
	}
	if (!digits)
		return -EINVAL;
	if (q < end && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < end && (*q == '+' || *q == '-'))
			q++;
		if (q == end || *q < '0' || *q > '9')
			return -EINVAL;
		while (q < end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q != end)
		return -EINVAL;

	/* strtod wants a terminated string; the token sits inside the body. */
	if (len >= sizeof(buf))
		copy = xrealloc(NULL, len + 1);
	memcpy(copy, p, len);
	copy[len] = '\0';
	errno = 0;
	*out = strtod(copy, NULL);
	if (copy != buf)
		free(copy);
	/* Underflow to zero or a denormal is what Go's ParseFloat does too. */
	if (errno == ERANGE && isinf(*out))
		return -ERANGE;
	return 0;
}

/* A timestamp in milliseconds: an optionally signed decimal int64. */
static int parse_timestamp(const char *p, size_t len)
{
	const char *end = p + len;
	uint64_t v = 0, limit = INT64_MAX;

	if (p < end && (*p == '+' || *p == '-')) {
		if (*p == '-')
			limit = (uint64_t)INT64_MAX + 1;
		p++;
	}
	if (p == end)
		return -EINVAL;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		if (v > (limit - (uint64_t)(*p - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	return 0;
}

static void key_reserve(struct lint *l, size_t need)
{
	if (need > l->key_cap) {
		l->key_cap = need * 2;
		l->key = xrealloc(l->key, l->key_cap);
	}
}

/* ---- families ------------------------------------------------------------------------------ */

static struct family *family_find(struct lint *l, const char *name, size_t len)
{
	struct hent *e = htab_find(&l->families, name, len);

	return e ? e->val.fam : NULL;
}

static struct family *family_get(struct lint *l, const char *name, size_t len, bool *out_added)
{
	struct hent *e = htab_upsert(&l->families, name, len, out_added);

	if (*out_added) {
		e->val.fam = xrealloc(NULL, sizeof(struct family));
		memset(e->val.fam, 0, sizeof(struct family));
		e->val.fam->name = name;
		e->val.fam->name_len = len;
	}
	return e->val.fam;
}

static bool has_suffix(const char *s, size_t len, const char *sfx)
{
	size_t n = strlen(sfx);

	return len > n && !memcmp(s + len - n, sfx, n);
}

/* Is SFX the name suffix of one of a TYPE's own series? */
static bool suffix_fits(enum mtype type, const char *sfx, enum skind *out_kind)
{
	if (type == MT_HISTOGRAM && !strcmp(sfx, "_bucket"))
		*out_kind = SK_BUCKET;
	else if ((type == MT_HISTOGRAM || type == MT_SUMMARY) && !strcmp(sfx, "_sum"))
		*out_kind = SK_SUM;
	else if ((type == MT_HISTOGRAM || type == MT_SUMMARY) && !strcmp(sfx, "_count"))
		*out_kind = SK_COUNT;
	else
		return false;
	return true;
}

static const char *const series_suffixes[] = { "_bucket", "_sum", "_count", "_total", "_created" };

/*
 * NAME is about to become a family of its own. If it is NAME = B + suffix for
 * a typed family B, or NAME + "_total" is a counter, the renderer got the
 * name of a series or of a family wrong; say so once, for the first such
 * line. An IMPLICIT family (one a sample creates) is held to both rules; one
 * that HELP or TYPE declares only to the first, and only when the suffix is
 * one of B's own series (x_sum declared next to histogram x).
 */
static void family_check_clash(struct lint *l, const char *name, size_t len, bool implicit)
{
	struct family *f;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(series_suffixes); i++) {
		const char *sfx = series_suffixes[i];
		enum skind kind;

		if (!has_suffix(name, len, sfx))
			continue;
		f = family_find(l, name, len - strlen(sfx));
		if (!f || !f->type_line || f->type == MT_UNTYPED)
			continue;
		if (suffix_fits(f->type, sfx, &kind))
			problem(l, "family '%.*s' clashes with a series name of %s '%.*s'",
				quote_len(len), name, mtype_names[f->type],
				quote_len(f->name_len), f->name);
		else if (implicit)
			problem(l, "'%.*s' is not a series of %s '%.*s' (a %s has no %s series)",
				quote_len(len), name, mtype_names[f->type],
				quote_len(f->name_len), f->name, mtype_names[f->type], sfx);
		return;
	}
	if (!implicit)
		return;

	/* The scratch key buffer is free between samples. */
	key_reserve(l, len + 6);
	memcpy(l->key, name, len);
	memcpy(l->key + len, "_total", 6);
	f = family_find(l, l->key, len + 6);
	if (f && f->type == MT_COUNTER)
		problem(l, "'%.*s' is not a series of counter '%.*s' (a counter's samples carry the family name)",
			quote_len(len), name, quote_len(f->name_len), f->name);
}

/*
 * Make F the family of the current line. A family's lines form one block:
 * once another family has started, F must not come back. Return -EINVAL if
 * it does, after saying so.
 */
static int family_enter(struct lint *l, struct family *f)
{
	int err = 0;

	if (l->cur != f) {
		if (f->closed) {
			problem(l, "family '%.*s' appears again after other families (its block ended at line %lu)",
				quote_len(f->name_len), f->name, f->last_line);
			err = -EINVAL;
		}
		if (l->cur)
			l->cur->closed = true;
		l->cur = f;
	}
	f->last_line = l->line;
	return err;
}

/*
 * The family a sample belongs to: the family of its exact name, else the
 * histogram or summary it is a _bucket, _sum or _count series of, else a new
 * untyped family (as Prometheus' own parser decides).
 */
static struct family *family_of_sample(struct lint *l, const char *name, size_t len,
				       enum skind *out_kind)
{
	static const char *const sfx[] = { "_bucket", "_sum", "_count" };
	struct family *f;
	bool added;
	size_t i;

	*out_kind = SK_PLAIN;
	f = family_find(l, name, len);
	if (f)
		return f;
	for (i = 0; i < ARRAY_SIZE(sfx); i++) {
		if (!has_suffix(name, len, sfx[i]))
			continue;
		f = family_find(l, name, len - strlen(sfx[i]));
		if (f && suffix_fits(f->type, sfx[i], out_kind))
			return f;
	}
	family_check_clash(l, name, len, true);
	return family_get(l, name, len, &added);
}

/* ---- comment lines ------------------------------------------------------------------------- */

static void lint_help_text(struct lint *l, const char *p, const char *end)
{
	for (; p < end; p++) {
		if (*p != '\\')
			continue;
		if (p + 1 == end) {
			problem(l, "HELP text ends in a lone backslash");
			return;
		}
		p++;
		if (*p != '\\' && *p != 'n') {
			problem(l, "invalid escape '\\%c' in HELP text (only \\\\ and \\n)", *p);
			return;
		}
	}
}

static struct family *lint_comment_family(struct lint *l, const char *what,
					  const char **pp, const char *end)
{
	const char *p = *pp;
	size_t len = name_span(p, end, true);
	struct family *f;
	bool added;

	if (!len || (p + len < end && *(p + len) != ' ')) {
		problem(l, "%s: expected a metric name, then a space", what);
		return NULL;
	}
	f = family_get(l, p, len, &added);
	if (added)
		family_check_clash(l, p, len, false);
	*pp = p + len;
	return f;
}

static void lint_help(struct lint *l, const char *p, const char *end)
{
	struct family *f = lint_comment_family(l, "HELP", &p, end);

	/* A HELP out of its family's block says nothing more about the family. */
	if (!f || family_enter(l, f))
		return;
	if (f->help_line)
		problem(l, "second HELP for '%.*s' (first at line %lu)",
			quote_len(f->name_len), f->name, f->help_line);
	else if (f->first_sample)
		problem(l, "HELP for '%.*s' after its first sample (line %lu)",
			quote_len(f->name_len), f->name, f->first_sample);
	else
		f->help_line = l->line;
	if (p < end)
		lint_help_text(l, p + 1, end);
}

static void lint_type(struct lint *l, const char *p, const char *end)
{
	struct family *f = lint_comment_family(l, "TYPE", &p, end);
	const char *t;
	size_t i;

	if (!f || family_enter(l, f))
		return;
	if (p == end) {
		problem(l, "TYPE for '%.*s' names no type", quote_len(f->name_len), f->name);
		return;
	}
	t = ++p;
	for (i = 0; i < ARRAY_SIZE(mtype_names); i++) {
		if ((size_t)(end - t) == strlen(mtype_names[i]) &&
		    !memcmp(t, mtype_names[i], end - t))
			break;
	}
	if (i == ARRAY_SIZE(mtype_names)) {
		problem(l, "unknown type '%.*s' (counter, gauge, histogram, summary or untyped)",
			quote_len(end - t), t);
		return;
	}
	if (f->type_line) {
		problem(l, "second TYPE for '%.*s' (first at line %lu)",
			quote_len(f->name_len), f->name, f->type_line);
		return;
	}
	if (f->first_sample) {
		problem(l, "TYPE for '%.*s' after its first sample (line %lu)",
			quote_len(f->name_len), f->name, f->first_sample);
		return;
	}
	f->type_line = l->line;
	f->type = i;
}

static void lint_comment(struct lint *l, const char *p, const char *end)
{
	const char *q = p + 1;

	if (end - p >= 7 && !memcmp(p, "# HELP ", 7)) {
		lint_help(l, p + 7, end);
		return;
	}
	if (end - p >= 7 && !memcmp(p, "# TYPE ", 7)) {
		lint_type(l, p + 7, end);
		return;
	}

	/* Prometheus reads "#HELP" or "#  TYPE" as metadata too; ask for the one spelling. */
	while (q < end && is_blank(*q))
		q++;
	if (end - q >= 4 && (!memcmp(q, "HELP", 4) || !memcmp(q, "TYPE", 4)) &&
	    (q + 4 == end || is_blank(q[4])))
		problem(l, "malformed %.4s line (expected '# %.4s name ...')", q, q);
}

/* ---- sample lines -------------------------------------------------------------------------- */

static void skip_blanks(const char **pp, const char *end)
{
	while (*pp < end && is_blank(**pp))
		(*pp)++;
}

static void label_push(struct lint *l, const char *name, size_t name_len,
		       const char *val, size_t val_len)
{
	if (l->label_cnt == l->label_cap) {
		l->label_cap = l->label_cap ? l->label_cap * 2 : 16;
		l->labels = xrealloc(l->labels, l->label_cap * sizeof(*l->labels));
	}
	l->labels[l->label_cnt++] = (struct label){ name, name_len, val, val_len };
}

/* Parse one quoted label value at *PP (just past the quote). */
static int lint_label_value(struct lint *l, const char **pp, const char *end)
{
	const char *p = *pp;

	for (; p < end && *p != '"'; p++) {
		if (*p != '\\')
			continue;
		if (++p == end)
			break;
		if (*p != '\\' && *p != '"' && *p != 'n') {
			problem(l, "invalid escape '\\%c' in label value (only \\\\, \\\" and \\n)",
				*p);
			return -EINVAL;
		}
	}
	if (p == end) {
		problem(l, "unterminated label value (a raw newline must be written \\n)");
		return -EINVAL;
	}
	*pp = p;
	return 0;
}

/* Parse "{name="value",...}" at *PP into l->labels. */
static int lint_labels(struct lint *l, const char **pp, const char *end)
{
	const char *p = *pp + 1;

	for (;;) {
		const char *name, *val;
		size_t len;

		skip_blanks(&p, end);
		if (p < end && *p == '}')
			break;
		len = name_span(p, end, false);
		if (!len) {
			problem(l, "expected a label name or '}' in the label set, got '%.1s'",
				p < end ? p : "");
			return -EINVAL;
		}
		name = p;
		p += len;
		if (len >= 2 && name[0] == '_' && name[1] == '_') {
			problem(l, "label name '%.*s' is reserved (starts with __)",
				quote_len(len), name);
			return -EINVAL;
		}
		skip_blanks(&p, end);
		if (p == end || *p != '=') {
			problem(l, "expected '=' after label name '%.*s'", quote_len(len), name);
			return -EINVAL;
		}
		p++;
		skip_blanks(&p, end);
		if (p == end || *p != '"') {
			problem(l, "expected '\"' to open the value of label '%.*s'",
				quote_len(len), name);
			return -EINVAL;
		}
		val = ++p;
		if (lint_label_value(l, &p, end))
			return -EINVAL;
		label_push(l, name, len, val, p - val);
		p++;
		skip_blanks(&p, end);
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p < end && *p == '}')
			break;
		problem(l, "expected ',' or '}' after the value of label '%.*s'",
			quote_len(len), name);
		return -EINVAL;
	}
	*pp = p + 1;
	return 0;
}

static int label_cmp(const void *a, const void *b)
{
	const struct label *x = a, *y = b;
	size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
	int r = memcmp(x->name, y->name, n);

	if (r)
		return r;
	return (x->name_len > y->name_len) - (x->name_len < y->name_len);
}

static const struct label *label_find(const struct lint *l, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < l->label_cnt; i++) {
		if (l->labels[i].name_len == n && !memcmp(l->labels[i].name, name, n))
			return &l->labels[i];
	}
	return NULL;
}

/* Sort the labels, then refuse duplicates and (if asked) empty values. */
static int lint_label_set(struct lint *l)
{
	size_t i;
	int err = 0;

	/* Before the first label set l->labels is NULL, which qsort must not see. */
	if (l->label_cnt > 1)
		qsort(l->labels, l->label_cnt, sizeof(*l->labels), label_cmp);
	for (i = 0; i < l->label_cnt; i++) {
		const struct label *lb = &l->labels[i];

		if (i && !label_cmp(lb - 1, lb)) {
			problem(l, "duplicate label name '%.*s'",
				quote_len(lb->name_len), lb->name);
			err = -EINVAL;
		}
		if (l->no_empty_values && !lb->val_len)
			problem(l, "label '%.*s' has an empty value",
				quote_len(lb->name_len), lb->name);
	}
	return err;
}

/*
 * The labels a family's type reserves: le on histogram buckets, quantile on
 * summary quantiles, and neither on _sum or _count.
 */
static void lint_reserved_labels(struct lint *l, const struct family *f, enum skind kind,
				 const char *name, size_t len)
{
	const char *want = NULL, *ban = NULL;
	const struct label *lb;
	double v;

	if (f->type == MT_HISTOGRAM) {
		if (kind == SK_PLAIN) {
			problem(l, "histogram '%.*s' has a sample without _bucket, _sum or _count",
				quote_len(f->name_len), f->name);
			return;
		}
		if (kind == SK_BUCKET)
			want = "le";
		else
			ban = "le";
	} else if (f->type == MT_SUMMARY) {
		if (kind == SK_PLAIN)
			want = "quantile";
		else
			ban = "quantile";
	} else {
		return;
	}
	if (ban && label_find(l, ban)) {
		problem(l, "'%.*s' must not carry the '%s' label", quote_len(len), name, ban);
		return;
	}
	if (!want)
		return;
	lb = label_find(l, want);
	if (!lb)
		problem(l, "'%.*s' lacks the '%s' label", quote_len(len), name, want);
	else if (parse_float(lb->val, lb->val_len, &v))
		problem(l, "'%s' label value '%.*s' is not a float", want,
			quote_len(lb->val_len), lb->val);
}

/* A counter, and the counts of histograms and summaries, cannot be negative or NaN. */
static void lint_value(struct lint *l, const struct family *f, enum skind kind,
		       const char *name, size_t len, double v)
{
	const char *what;

	if (f->type == MT_COUNTER)
		what = "counter";
	else if (f->type == MT_HISTOGRAM && kind != SK_SUM)
		what = "histogram count";
	else if (f->type == MT_SUMMARY && kind == SK_COUNT)
		what = "summary count";
	else
		return;
	if (isnan(v))
		problem(l, "%s '%.*s' is NaN", what, quote_len(len), name);
	else if (v < 0)
		problem(l, "%s '%.*s' is negative (%g)", what, quote_len(len), name, v);
}

/* Render name{sorted labels} into l->key; it names the series in messages too. */
static size_t series_key(struct lint *l, const char *name, size_t len)
{
	size_t need = len + 2, i, n;

	for (i = 0; i < l->label_cnt; i++)
		need += l->labels[i].name_len + l->labels[i].val_len + 4;
	key_reserve(l, need);
	memcpy(l->key, name, len);
	n = len;
	for (i = 0; i < l->label_cnt; i++) {
		const struct label *lb = &l->labels[i];

		l->key[n++] = i ? ',' : '{';
		memcpy(l->key + n, lb->name, lb->name_len);
		n += lb->name_len;
		l->key[n++] = '=';
		l->key[n++] = '"';
		memcpy(l->key + n, lb->val, lb->val_len);
		n += lb->val_len;
		l->key[n++] = '"';
	}
	if (l->label_cnt)
		l->key[n++] = '}';
	return n;
}

static void lint_series_unique(struct lint *l, const char *name, size_t len)
{
	size_t n = series_key(l, name, len);
	struct hent *e;
	bool added;

	e = htab_upsert(&l->series, l->key, n, &added);
	if (!added) {
		problem(l, "duplicate series %.*s (first at line %lu)",
			n > QUOTE_MAX * 2 ? QUOTE_MAX * 2 : (int)n, l->key, e->val.line);
		return;
	}
	/* The scratch buffer is reused: the table keeps its own copy. */
	e->key = memcpy(xrealloc(NULL, n), l->key, n);
	e->val.line = l->line;
}

static void lint_sample(struct lint *l, const char *p, const char *end)
{
	const char *name = p, *tok;
	size_t len = name_span(p, end, true);
	struct family *f;
	enum skind kind;
	double v;
	int err;

	if (!len) {
		problem(l, "expected a metric name, got '%c'", *p);
		return;
	}
	p += len;
	l->label_cnt = 0;
	if (p < end && *p == '{') {
		if (lint_labels(l, &p, end))
			return;
	} else if (p < end && !is_blank(*p)) {
		problem(l, "invalid character '%c' in metric name '%.*s'", *p,
			quote_len(len + 1), name);
		return;
	}
	if (lint_label_set(l))
		return;

	/* The value, then the optional timestamp, each after a run of blanks. */
	if (p == end) {
		problem(l, "sample '%.*s' has no value", quote_len(len), name);
		return;
	}
	if (!is_blank(*p)) {
		problem(l, "expected a blank before the value of '%.*s'", quote_len(len), name);
		return;
	}
	skip_blanks(&p, end);
	for (tok = p; p < end && !is_blank(*p); p++)
		;
	err = parse_float(tok, p - tok, &v);
	if (err) {
		problem(l, "value '%.*s' %s", quote_len(p - tok), tok,
			err == -ERANGE ? "is out of range of a float64" :
			"is not a float (nor +Inf, -Inf or NaN)");
		return;
	}
	if (p < end) {
		skip_blanks(&p, end);
		for (tok = p; p < end && !is_blank(*p); p++)
			;
		err = parse_timestamp(tok, p - tok);
		if (err) {
			problem(l, "timestamp '%.*s' is not an int64 of milliseconds",
				quote_len(p - tok), tok);
			return;
		}
		if (p < end) {
			problem(l, "unexpected text after the timestamp");
			return;
		}
	}

	f = family_of_sample(l, name, len, &kind);
	/* A sample out of its family's block can still be a bad series; go on. */
	(void)family_enter(l, f);
	if (!f->first_sample)
		f->first_sample = l->line;
	lint_reserved_labels(l, f, kind, name, len);
	lint_value(l, f, kind, name, len, v);
	lint_series_unique(l, name, len);
}

/* ---- body ---------------------------------------------------------------------------------- */

static void lint_line(struct lint *l, const char *p, const char *end)
{
	const char *nul = memchr(p, '\0', end - p);
	const char *cr = memchr(p, '\r', end - p);
	size_t bad;

	/* A line with a byte-level fault is not parsed further: one report is enough. */
	if (nul) {
		problem(l, "NUL byte at column %zu", (size_t)(nul - p) + 1);
		return;
	}
	if (cr) {
		problem(l, "carriage return at column %zu (lines end in \\n alone)",
			(size_t)(cr - p) + 1);
		return;
	}
	bad = utf8_invalid_at((const unsigned char *)p, end - p);
	if (bad != (size_t)(end - p)) {
		problem(l, "invalid UTF-8 at column %zu", bad + 1);
		return;
	}
	if (p == end) {
		problem(l, "empty line");
		return;
	}
	if (is_blank(*p)) {
		while (p < end && is_blank(*p))
			p++;
		problem(l, p == end ? "blank line" : "line starts with whitespace");
		return;
	}
	if (*p == '#') {
		lint_comment(l, p, end);
		return;
	}
	if (is_blank(end[-1])) {
		problem(l, "line ends with whitespace");
		return;
	}
	lint_sample(l, p, end);
}

static void lint_body(struct lint *l, const char *body, size_t len)
{
	const char *p = body, *end = body + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);

		l->line++;
		if (!nl) {
			problem(l, "missing newline at the end of the body");
			nl = end;
		}
		lint_line(l, p, nl);
		p = nl + 1;
	}
}

static void lint_free(struct lint *l)
{
	size_t i;

	/* Family names point into the body; series keys are the table's own copies. */
	for (i = 0; i < l->families.cap; i++)
		free(l->families.ents[i].val.fam);
	for (i = 0; i < l->series.cap; i++)
		free((char *)l->series.ents[i].key);
	free(l->families.ents);
	free(l->series.ents);
	free(l->labels);
	free(l->key);
}

/* Read all of IN into *OUT_BUF. Return 0 or a negative errno. */
static int read_all(FILE *in, char **out_buf, size_t *out_len)
{
	size_t len = 0, cap = 1 << 16;
	char *buf = xrealloc(NULL, cap);

	for (;;) {
		size_t n = fread(buf + len, 1, cap - len, in);

		len += n;
		if (len == cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
			continue;
		}
		if (ferror(in)) {
			free(buf);
			return -EIO;
		}
		if (feof(in))
			break;
	}
	*out_buf = buf;
	*out_len = len;
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: expo-lint [--require NAME]... [--no-empty-label-values] [FILE]\n"
		"Check a Prometheus text exposition (format 0.0.4) strictly; without FILE, stdin.\n"
		"Exit 0 if valid, 1 if not (a line per fault on stderr), 2 on usage error.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "require", required_argument, NULL, 'r' },
		{ "no-empty-label-values", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct lint l = { 0 };
	const char **req = NULL;
	size_t req_cnt = 0, i, len;
	FILE *in = stdin;
	char *body;
	int c, err;

	/* Options: the families that must have samples, and the empty-value ban. */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (strlen(optarg) != name_span(optarg, optarg + strlen(optarg), true)) {
				fprintf(stderr, "expo-lint: --require '%s' is not a metric name\n",
					optarg);
				return EXIT_USAGE;
			}
			req = xrealloc(req, (req_cnt + 1) * sizeof(*req));
			req[req_cnt++] = optarg;
			break;
		case 'e':
			l.no_empty_values = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		usage(stderr);
		return EXIT_USAGE;
	}

	/* Read the whole body: families and series point into it. */
	if (optind < argc && strcmp(argv[optind], "-")) {
		in = fopen(argv[optind], "rb");
		if (!in) {
			fprintf(stderr, "expo-lint: cannot open '%s': %s\n", argv[optind],
				strerror(errno));
			return EXIT_USAGE;
		}
	}
	err = read_all(in, &body, &len);
	if (err) {
		fprintf(stderr, "expo-lint: cannot read '%s': %s\n",
			in == stdin ? "-" : argv[optind], strerror(-err));
		return EXIT_USAGE;
	}
	if (in != stdin)
		fclose(in);

	/* Check line by line, then the families that had to be there. */
	lint_body(&l, body, len);
	for (i = 0; i < req_cnt; i++) {
		struct family *f = family_find(&l, req[i], strlen(req[i]));

		if (!f || !f->first_sample) {
			fprintf(stderr, "expo-lint: required family '%s' has no sample\n", req[i]);
			l.problems++;
		}
	}

	err = l.problems ? EXIT_INVALID : 0;
	lint_free(&l);
	free(req);
	free(body);
	return err;
}

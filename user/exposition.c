// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exposition.h"
#include "labels.h"

void expo_family_init(struct expo_family *f, const char *name, const char *help,
		      enum expo_type type, enum expo_value_kind kind)
{
	memset(f, 0, sizeof(*f));
	f->name = name;
	f->help = help;
	f->type = type;
	f->kind = kind;
	strbuf_init(&f->labels);
}

void expo_family_free(struct expo_family *f)
{
	strbuf_free(&f->labels);
	free(f->samples);
	f->samples = NULL;
	f->cnt = f->cap = 0;
}

static struct expo_sample *sample_new(struct expo_family *f, const char *labels, size_t len)
{
	struct expo_sample *s;

	if (f->err)
		return NULL;
	if (f->cnt == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		struct expo_sample *p = realloc(f->samples, cap * sizeof(*p));

		if (!p) {
			f->err = -ENOMEM;
			return NULL;
		}
		f->samples = p;
		f->cap = cap;
	}
	s = &f->samples[f->cnt];
	s->labels_off = f->labels.len;
	s->labels_len = len;
	strbuf_add(&f->labels, labels, len);
	if (strbuf_error(&f->labels)) {
		f->err = -ENOMEM;
		return NULL;
	}
	f->cnt++;
	return s;
}

void expo_add_u64(struct expo_family *f, const char *labels, size_t len, uint64_t v)
{
	struct expo_sample *s = sample_new(f, labels, len);

	if (s)
		s->v.u = v;
}

void expo_add_i64(struct expo_family *f, const char *labels, size_t len, int64_t v)
{
	struct expo_sample *s = sample_new(f, labels, len);

	if (s)
		s->v.i = v;
}

void expo_add_f64(struct expo_family *f, const char *labels, size_t len, double v)
{
	struct expo_sample *s = sample_new(f, labels, len);

	if (s)
		s->v.d = v;
}

/*
 * A 64-bit hash of a label set, eight bytes at a time: label sets are a few
 * dozen bytes and every series of a scrape is hashed once.
 */
static uint64_t labels_hash(const char *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, p, n);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 29);
}

static void value_merge(enum expo_value_kind kind, struct expo_sample *into,
			const struct expo_sample *from)
{
	switch (kind) {
	case EXPO_U64:
		into->v.u += from->v.u;
		break;
	case EXPO_I64:
		/* Wrap like the u64 sums: signed overflow would be undefined. */
		into->v.i = (int64_t)((uint64_t)into->v.i + (uint64_t)from->v.i);
		break;
	case EXPO_F64:
		into->v.d += from->v.d;
		break;
	}
}

/*
 * Merge samples with equal label sets into the first of them, keeping the
 * order of first appearance, with an open-addressing table of sample
 * indexes: linear in the number of samples, where sorting would not be.
 */
void expo_family_finish(struct expo_family *f)
{
	size_t cap = 16, mask, w = 0;
	size_t *slot;

	if (f->cnt < 2 || f->err)
		return;
	while (cap < 2 * f->cnt)
		cap *= 2;
	mask = cap - 1;
	slot = calloc(cap, sizeof(*slot)); /* index + 1; 0 is empty */
	if (!slot) {
		f->err = -ENOMEM;
		return;
	}
	for (size_t r = 0; r < f->cnt; r++) {
		const struct expo_sample *cur = &f->samples[r];
		const char *lab = f->labels.buf + cur->labels_off;
		size_t i = labels_hash(lab, cur->labels_len) & mask;

		for (; slot[i]; i = (i + 1) & mask) {
			struct expo_sample *seen = &f->samples[slot[i] - 1];

			if (seen->labels_len == cur->labels_len &&
			    memcmp(f->labels.buf + seen->labels_off, lab, cur->labels_len) == 0)
				break;
		}
		if (slot[i]) {
			value_merge(f->kind, &f->samples[slot[i] - 1], cur);
			continue;
		}
		f->samples[w] = *cur;
		slot[i] = ++w;
	}
	f->cnt = w;
	free(slot);
}

void expo_format_f64(struct strbuf *out, double v)
{
	if (isnan(v))
		strbuf_adds(out, "NaN");
	else if (isinf(v))
		strbuf_adds(out, v > 0 ? "+Inf" : "-Inf");
	else
		strbuf_addf(out, "%.17g", v);
}

/* Decimal digits without printf, which would dominate a large scrape. */
static void append_u64(struct strbuf *out, uint64_t v, bool negative)
{
	char buf[24], *p = buf + sizeof(buf);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (negative)
		*--p = '-';
	strbuf_add(out, p, (size_t)(buf + sizeof(buf) - p));
}

static const char *const type_names[] = {
	[EXPO_COUNTER] = "counter",
	[EXPO_GAUGE] = "gauge",
	[EXPO_UNTYPED] = "untyped",
};

int expo_render(struct strbuf *out, const struct expo_family *f)
{
	if (f->err)
		return f->err;
	if (f->cnt == 0)
		return 0;
	strbuf_addf(out, "# HELP %s ", f->name);
	label_escape_help(out, f->help);
	strbuf_addf(out, "\n# TYPE %s %s\n", f->name, type_names[f->type]);
	for (size_t i = 0; i < f->cnt; i++) {
		const struct expo_sample *s = &f->samples[i];

		strbuf_adds(out, f->name);
		if (s->labels_len) {
			strbuf_addc(out, '{');
			strbuf_add(out, f->labels.buf + s->labels_off, s->labels_len);
			strbuf_addc(out, '}');
		}
		strbuf_addc(out, ' ');
		switch (f->kind) {
		case EXPO_U64:
			append_u64(out, s->v.u, false);
			break;
		case EXPO_I64:
			if (s->v.i < 0)
				append_u64(out, -(uint64_t)s->v.i, true);
			else
				append_u64(out, (uint64_t)s->v.i, false);
			break;
		case EXPO_F64:
			expo_format_f64(out, s->v.d);
			break;
		}
		strbuf_addc(out, '\n');
	}
	return strbuf_error(out);
}

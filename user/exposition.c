// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <inttypes.h>
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

static int sample_cmp(const void *a, const void *b, void *arena_arg)
{
	const struct expo_sample *x = a, *y = b;
	const char *arena = arena_arg;
	size_t n = x->labels_len < y->labels_len ? x->labels_len : y->labels_len;
	int c = memcmp(arena + x->labels_off, arena + y->labels_off, n);

	if (c)
		return c;
	return (x->labels_len > y->labels_len) - (x->labels_len < y->labels_len);
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

void expo_family_finish(struct expo_family *f)
{
	size_t w = 0;

	if (f->cnt < 2)
		return;
	qsort_r(f->samples, f->cnt, sizeof(f->samples[0]), sample_cmp, f->labels.buf);
	for (size_t r = 1; r < f->cnt; r++) {
		struct expo_sample *cur = &f->samples[w];
		const struct expo_sample *next = &f->samples[r];

		if (cur->labels_len == next->labels_len &&
		    memcmp(f->labels.buf + cur->labels_off, f->labels.buf + next->labels_off,
			   cur->labels_len) == 0) {
			value_merge(f->kind, cur, next);
			continue;
		}
		f->samples[++w] = *next;
	}
	f->cnt = w + 1;
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
			strbuf_addf(out, "%" PRIu64, s->v.u);
			break;
		case EXPO_I64:
			strbuf_addf(out, "%" PRId64, s->v.i);
			break;
		case EXPO_F64:
			expo_format_f64(out, s->v.d);
			break;
		}
		strbuf_addc(out, '\n');
	}
	return strbuf_error(out);
}

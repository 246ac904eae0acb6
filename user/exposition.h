/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * exposition.h - metric families and their text format 0.0.4 rendering.
 *
 * A family collects samples (a rendered label set and a value); before
 * rendering, expo_family_finish() merges equal label sets by adding their
 * values, keeping the order in which label sets first appeared. That one
 * step is what guarantees the output never holds a duplicate series,
 * whatever the map keys were (two raw
 * values that repair to the same text, a value equal to a placeholder, one
 * gauge per process). Rendering then writes HELP and TYPE once and the
 * samples contiguously, so families never interleave.
 */
#ifndef OBSERVER_EXPOSITION_H
#define OBSERVER_EXPOSITION_H

#include <stdbool.h>
#include <stdint.h>

#include "strbuf.h"

#define EXPO_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

enum expo_type { EXPO_COUNTER, EXPO_GAUGE, EXPO_UNTYPED };
enum expo_value_kind { EXPO_U64, EXPO_I64, EXPO_F64 };

struct expo_sample {
	size_t labels_off; /* into the family's label arena */
	size_t labels_len; /* "a=\"x\",b=\"y\"" without braces; 0 for none */
	union {
		uint64_t u;
		int64_t i;
		double d;
	} v;
};

struct expo_family {
	const char *name;
	const char *help;
	enum expo_type type;
	enum expo_value_kind kind; /* one kind per family */
	struct strbuf labels; /* arena of rendered label sets */
	struct expo_sample *samples;
	size_t cnt;
	size_t cap;
	int err; /* sticky -ENOMEM */
};

void expo_family_init(struct expo_family *f, const char *name, const char *help,
		      enum expo_type type, enum expo_value_kind kind);
void expo_family_free(struct expo_family *f);

/*
 * Add a sample; labels[0..len) are already rendered and escaped pairs
 * (label_append_pair), without braces. The value is read as the family's
 * kind. Errors are sticky in f->err.
 */
void expo_add_u64(struct expo_family *f, const char *labels, size_t len, uint64_t v);
void expo_add_i64(struct expo_family *f, const char *labels, size_t len, int64_t v);
void expo_add_f64(struct expo_family *f, const char *labels, size_t len, double v);

/* Merge equal label sets by adding their values (first appearance order). */
void expo_family_finish(struct expo_family *f);

/*
 * Append the family to out: HELP, TYPE, then the samples. A family with no
 * samples renders nothing (absent, not a made-up zero). Returns f->err or
 * the buffer's error.
 */
int expo_render(struct strbuf *out, const struct expo_family *f);

/* Append a float the way the text format spells it (+Inf, -Inf, NaN). */
void expo_format_f64(struct strbuf *out, double v);

#endif /* OBSERVER_EXPOSITION_H */

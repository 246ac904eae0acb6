// SPDX-License-Identifier: BSD-2-Clause
/*
 * libFuzzer target over series merging and rendering (user/exposition.c).
 *
 * The input is decoded into up to four families (any type, any value kind)
 * whose samples carry label sets built by label_append_pair from fuzz
 * bytes, with repeats of earlier label sets and raw values that repair to
 * the same text, so that merging has work to do. After expo_family_finish
 * the samples must be the distinct label sets in the order of their first
 * appearance, each holding the
 * sum of its inputs; the rendered text is then parsed back by a strict
 * reader of its own: valid UTF-8, every line ended by LF, HELP and TYPE
 * once per family and its samples contiguous, label values well escaped
 * and never empty, each value reading back as the sample's value.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exposition.h"
#include "labels.h"
#include "fuzz_util.h"

#define FAM_MAX 4
#define SAMPLE_MAX 24

static const char *const fam_names[FAM_MAX] = {
	"fz_events_total", "fz_pool_active", "fz_misc", "fz_seconds_total",
};

/* HELP texts as the rule table writes them, two with characters to escape. */
static const char *const helps[] = {
	"Events counted.", "Path \\ separated.\nSecond line.", "Caf\xc3\xa9 \xe2\x9c\x93.",
	"x",
};

static const char *const label_names[] = { "tenant_id", "endpoint", "limit_type" };
static const char *const type_names[] = { "counter", "gauge", "untyped" };

/* What the fuzzer fed a family, kept apart from the family itself. */
struct fed_sample {
	char *labels;
	size_t len;
	union {
		uint64_t u;
		int64_t i;
		double d;
	} v;
};

struct fed_family {
	struct expo_family f;
	struct fed_sample s[SAMPLE_MAX];
	size_t cnt;
};

/* A label set of 0..2 pairs, or a copy of the previous sample's set. */
static void build_labels(struct fuzz_in *in, struct fed_family *ff, struct strbuf *lab)
{
	uint8_t m = fuzz_u8(in);

	strbuf_reset(lab);
	if ((m & 0x80) && ff->cnt) {
		const struct fed_sample *prev = &ff->s[ff->cnt - 1 - m % ff->cnt];

		strbuf_add(lab, prev->labels, prev->len);
		return;
	}
	for (unsigned int l = 0; l < m % 3; l++) {
		unsigned int state = fuzz_u8(in) % 4;
		size_t slot_sz = fuzz_slot_size(fuzz_u8(in)), want = fuzz_u8(in) % 80, n;
		const char *v = fuzz_bytes(in, want, &n);
		char *slot = calloc(1, slot_sz);

		FUZZ_ASSERT(slot);
		memcpy(slot, v, n < slot_sz ? n : slot_sz);
		if (l)
			strbuf_addc(lab, ',');
		label_append_pair(lab, label_names[l], state, slot, slot_sz);
		free(slot);
	}
}

/* NaN, infinities, signed zero and the extremes come up often, not by luck. */
static double fuzz_double(struct fuzz_in *in)
{
	uint8_t sel = fuzz_u8(in);
	uint64_t bits;
	double d;

	switch (sel % 8) {
	case 0:
		return NAN;
	case 1:
		return INFINITY;
	case 2:
		return -INFINITY;
	case 3:
		return -0.0;
	case 4:
		return (double)(int8_t)fuzz_u8(in);
	case 5:
		return sel & 0x80 ? -1.7976931348623157e308 : 1.7976931348623157e308;
	default:
		bits = fuzz_u64(in);
		memcpy(&d, &bits, sizeof(d));
		return d;
	}
}

static void feed_family(struct fuzz_in *in, struct fed_family *ff, unsigned int idx)
{
	enum expo_type type = fuzz_u8(in) % 3;
	enum expo_value_kind kind = fuzz_u8(in) % 3;
	size_t cnt = fuzz_u8(in) % (SAMPLE_MAX + 1);
	struct strbuf lab;

	expo_family_init(&ff->f, fam_names[idx], helps[fuzz_u8(in) % 4], type, kind);
	strbuf_init(&lab);
	for (ff->cnt = 0; ff->cnt < cnt;) {
		struct fed_sample *s = &ff->s[ff->cnt];

		build_labels(in, ff, &lab);
		s->len = lab.len;
		s->labels = malloc(lab.len + 1);
		FUZZ_ASSERT(s->labels);
		memcpy(s->labels, lab.buf ? lab.buf : "", lab.len);
		ff->cnt++;
		switch (kind) {
		case EXPO_U64:
			s->v.u = fuzz_u64(in);
			expo_add_u64(&ff->f, s->labels, s->len, s->v.u);
			break;
		case EXPO_I64:
			s->v.i = (int64_t)fuzz_u64(in);
			expo_add_i64(&ff->f, s->labels, s->len, s->v.i);
			break;
		case EXPO_F64:
			s->v.d = fuzz_double(in);
			expo_add_f64(&ff->f, s->labels, s->len, s->v.d);
			break;
		}
	}
	strbuf_free(&lab);
	FUZZ_ASSERT(ff->f.err == 0);
}

static bool fed_same(const struct fed_sample *x, const struct fed_sample *y)
{
	return x->len == y->len && memcmp(x->labels, y->labels, x->len) == 0;
}

/*
 * A merged float against the inputs it came from. Only what no addition
 * order changes is checked exactly: NaN in, or both
 * infinities, gives NaN; one infinity wins; finite sums agree within the
 * rounding that any order allows (skipped where some order could overflow).
 */
static void check_f64_sum(double got, struct fed_sample *const *g, size_t n)
{
	bool nan = false, pinf = false, ninf = false;
	long double abs_sum = 0;
	double ref = 0;

	for (size_t i = 0; i < n; i++) {
		double d = g[i]->v.d;

		nan |= isnan(d);
		pinf |= isinf(d) && d > 0;
		ninf |= isinf(d) && d < 0;
		if (isfinite(d)) {
			abs_sum += fabsl((long double)d);
			ref += d;
		}
	}
	if (abs_sum >= 1e307L)
		return;
	if (nan || (pinf && ninf))
		FUZZ_ASSERT(isnan(got));
	else if (pinf || ninf)
		FUZZ_ASSERT(isinf(got) && (got > 0) == pinf);
	else
		FUZZ_ASSERT(fabsl((long double)got - ref) <= abs_sum * n * 0x1p-52L);
}

/*
 * After finish: one sample per distinct label set, in the order each label
 * set first appeared, each the sum of its group; u64 sums are exact mod
 * 2^64 and so is the total.
 */
static void check_merged(struct fed_family *ff)
{
	struct expo_family *f = &ff->f;
	uint64_t total_in = 0, total_out = 0;
	size_t groups = 0;

	for (size_t i = 0; i < ff->cnt; i++) {
		struct fed_sample *members[SAMPLE_MAX];
		const struct expo_sample *out;
		bool seen = false;
		uint64_t sum = 0;
		size_t n = 0;

		for (size_t k = 0; k < i && !seen; k++)
			seen = fed_same(&ff->s[k], &ff->s[i]);
		if (seen)
			continue;
		for (size_t k = i; k < ff->cnt; k++) {
			if (!fed_same(&ff->s[k], &ff->s[i]))
				continue;
			members[n++] = &ff->s[k];
			sum += ff->s[k].v.u;
		}
		FUZZ_ASSERT(groups < f->cnt);
		out = &f->samples[groups];
		FUZZ_ASSERT(out->labels_len == ff->s[i].len);
		FUZZ_ASSERT(memcmp(f->labels.buf + out->labels_off, ff->s[i].labels,
				   ff->s[i].len) == 0);
		if (f->kind == EXPO_U64 || f->kind == EXPO_I64)
			FUZZ_ASSERT(out->v.u == sum); /* two's complement: i64 wraps alike */
		else
			check_f64_sum(out->v.d, members, n);
		total_in += sum;
		total_out += out->v.u;
		groups++;
	}
	FUZZ_ASSERT(f->cnt == groups);
	if (f->kind == EXPO_U64)
		FUZZ_ASSERT(total_in == total_out);
}

/*
 * Parse name="value" pairs up to the closing brace at *pp; the value must
 * be non-empty with only \\ \" \n escapes and no raw control byte but TAB.
 */
static void parse_label_set(const char **pp, const char *end)
{
	const char *p = *pp;

	for (;;) {
		const char *name = p;

		while (p < end && (*p == '_' || (*p >= 'a' && *p <= 'z')))
			p++;
		FUZZ_ASSERT(p > name && p + 2 <= end && p[0] == '=' && p[1] == '"');
		p += 2;
		FUZZ_ASSERT(p < end && *p != '"'); /* never the empty value */
		while (p < end && *p != '"') {
			unsigned char c = (unsigned char)*p;

			FUZZ_ASSERT(c >= 0x20 || c == '\t');
			if (c == '\\') {
				FUZZ_ASSERT(p + 1 < end);
				FUZZ_ASSERT(p[1] == '\\' || p[1] == '"' || p[1] == 'n');
				p++;
			}
			p++;
		}
		FUZZ_ASSERT(p + 1 < end);
		p++;
		if (*p == '}')
			break;
		FUZZ_ASSERT(*p == ',');
		p++;
	}
	*pp = p + 1;
}

/* The value text v[0..n) of a sample line must read back as s's value. */
static void check_value(const struct expo_family *f, const struct expo_sample *s,
			const char *v, size_t n)
{
	char buf[64], *end;

	FUZZ_ASSERT(n > 0 && n < sizeof(buf));
	memcpy(buf, v, n);
	buf[n] = '\0';
	switch (f->kind) {
	case EXPO_U64:
		FUZZ_ASSERT(strspn(buf, "0123456789") == n);
		FUZZ_ASSERT(strtoull(buf, &end, 10) == s->v.u && *end == '\0');
		break;
	case EXPO_I64:
		FUZZ_ASSERT(strspn(buf + (buf[0] == '-'), "0123456789") == n - (buf[0] == '-'));
		FUZZ_ASSERT(strtoll(buf, &end, 10) == s->v.i && *end == '\0');
		break;
	case EXPO_F64:
		if (isnan(s->v.d)) {
			FUZZ_ASSERT(strcmp(buf, "NaN") == 0);
		} else if (isinf(s->v.d)) {
			FUZZ_ASSERT(strcmp(buf, s->v.d > 0 ? "+Inf" : "-Inf") == 0);
		} else {
			FUZZ_ASSERT(strtod(buf, &end) == s->v.d && *end == '\0');
			FUZZ_ASSERT(!strpbrk(buf, "aInN")); /* no "inf"/"nan" spelling */
		}
		break;
	}
}

/* The line at *pp, which must end in LF; returns its length without it. */
static size_t next_line(const char **pp, const char *end, const char **out_line)
{
	const char *nl = memchr(*pp, '\n', (size_t)(end - *pp));
	size_t n;

	FUZZ_ASSERT(nl);
	*out_line = *pp;
	n = (size_t)(nl - *pp);
	*pp = nl + 1;
	return n;
}

/*
 * Read the rendered text back: per family with samples, HELP, TYPE and all
 * its samples in one block, in the order rendered; nothing else.
 */
static void check_rendered(const char *out, size_t n, struct fed_family *fams, size_t fam_cnt)
{
	const char *p = out, *end = out + n, *line;
	char want[128];
	size_t len;

	FUZZ_ASSERT(fuzz_utf8_valid(out, n));
	FUZZ_ASSERT(!memchr(out, '\r', n) && !memchr(out, '\0', n));
	FUZZ_ASSERT(n == 0 || out[n - 1] == '\n');
	for (size_t fi = 0; fi < fam_cnt; fi++) {
		const struct expo_family *f = &fams[fi].f;
		size_t name_n = strlen(f->name);

		if (f->cnt == 0)
			continue;
		len = next_line(&p, end, &line);
		snprintf(want, sizeof(want), "# HELP %s ", f->name);
		FUZZ_ASSERT(len >= strlen(want) && memcmp(line, want, strlen(want)) == 0);
		len = next_line(&p, end, &line);
		snprintf(want, sizeof(want), "# TYPE %s %s", f->name, type_names[f->type]);
		FUZZ_ASSERT(len == strlen(want) && memcmp(line, want, len) == 0);
		for (size_t si = 0; si < f->cnt; si++) {
			const struct expo_sample *s = &f->samples[si];
			const char *q, *lab;

			len = next_line(&p, end, &line);
			q = line + name_n;
			FUZZ_ASSERT(len > name_n && memcmp(line, f->name, name_n) == 0);
			if (*q == '{') {
				lab = ++q;
				parse_label_set(&q, line + len);
				FUZZ_ASSERT((size_t)(q - 1 - lab) == s->labels_len);
				FUZZ_ASSERT(memcmp(lab, f->labels.buf + s->labels_off,
						   s->labels_len) == 0);
			} else {
				FUZZ_ASSERT(s->labels_len == 0);
			}
			FUZZ_ASSERT(q < line + len && *q == ' ');
			q++;
			check_value(f, s, q, (size_t)(line + len - q));
		}
	}
	FUZZ_ASSERT(p == end); /* no family twice, nothing unaccounted for */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fed_family fams[FAM_MAX];
	struct fuzz_in in = { data, size };
	size_t fam_cnt = 1 + fuzz_u8(&in) % FAM_MAX, merged_cnt;
	struct strbuf out;

	for (size_t i = 0; i < fam_cnt; i++)
		feed_family(&in, &fams[i], (unsigned int)i);
	strbuf_init(&out);
	for (size_t i = 0; i < fam_cnt; i++) {
		expo_family_finish(&fams[i].f);
		check_merged(&fams[i]);
		/* A second finish finds nothing left to merge. */
		merged_cnt = fams[i].f.cnt;
		expo_family_finish(&fams[i].f);
		FUZZ_ASSERT(fams[i].f.cnt == merged_cnt);
		FUZZ_ASSERT(expo_render(&out, &fams[i].f) == 0);
	}
	check_rendered(out.buf ? out.buf : "", out.len, fams, fam_cnt);

	strbuf_free(&out);
	for (size_t i = 0; i < fam_cnt; i++) {
		for (size_t j = 0; j < fams[i].cnt; j++)
			free(fams[i].s[j].labels);
		expo_family_free(&fams[i].f);
	}
	return 0;
}

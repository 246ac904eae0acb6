// SPDX-License-Identifier: BSD-2-Clause
/*
 * Golden exposition: a fixed set of samples, with the label values a
 * hostile IdP could send, rendered through the same calls a scrape makes
 * (label_append_pair, expo_add_*, expo_family_finish, expo_render) must
 * equal tests/golden/metrics.prom byte for byte. test_golden.sh checks the
 * same file with promtool and the strict checker, so the expected text is
 * itself known to be valid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../user/exposition.h"
#include "../../user/labels.h"
#include "../../user/rules.h"
#include "unit/check.h"

#define GOLDEN "tests/golden/metrics.prom"

struct ev {
	unsigned int state[2];
	const char *label[2];
	uint64_t value;
};

static void counter(struct strbuf *out, unsigned int rule, const struct ev *evs, size_t n)
{
	const struct rule_def *r = &rule_defs[rule];
	struct expo_family f;
	struct strbuf lab;

	strbuf_init(&lab);
	expo_family_init(&f, r->name[0], r->help[0], EXPO_COUNTER, EXPO_U64);
	for (size_t i = 0; i < n; i++) {
		strbuf_reset(&lab);
		for (unsigned int a = 0; a < r->nargs; a++) {
			if (a)
				strbuf_addc(&lab, ',');
			label_append_pair(&lab, r->label[a], evs[i].state[a], evs[i].label[a], 64);
		}
		expo_add_u64(&f, lab.buf, lab.len, evs[i].value);
	}
	expo_family_finish(&f);
	expo_render(out, &f);
	expo_family_free(&f);
	strbuf_free(&lab);
}

static void gauges(struct strbuf *out, unsigned int rule, const int64_t (*per_pid)[3], size_t n)
{
	const struct rule_def *r = &rule_defs[rule];

	for (unsigned int v = 0; v < r->nargs; v++) {
		struct expo_family f;

		expo_family_init(&f, r->name[v], r->help[v], EXPO_GAUGE, EXPO_I64);
		for (size_t p = 0; p < n; p++)
			expo_add_i64(&f, "", 0, per_pid[p][v]);
		expo_family_finish(&f);
		expo_render(out, &f);
		expo_family_free(&f);
	}
}

static char *slurp(const char *path, size_t *out_len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
			buf[n] = '\0';
			*out_len = (size_t)n;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	static const struct ev rate[] = {
		{ { 0, 0 }, { "/oauth2/token", "org-abc" }, 3 },
		{ { 0, 0 }, { "/v1/agents", "org \"quoted\"\\back" }, 1 },
		{ { 0, 1 }, { "/oauth2/token", "" }, 2 }, /* NULL tenant */
		{ { 0, 0 }, { "/oauth2/token", "" }, 4 }, /* empty tenant */
		{ { 2, 2 }, { "", "" }, 7 }, /* overflow */
	};
	static const struct ev billing[] = {
		{ { 0, 0 }, { "org-free", "agents" }, 1 },
		{ { 0, 0 }, { "org-free", "api_calls" }, 3 },
	};
	static const struct ev calls[] = {
		{ { 0 }, { "org-abc" }, 1 },	 { { 0 }, { "line\nbreak" }, 2 },
		{ { 0 }, { "caf\xc3\xa9" }, 5 }, { { 0 }, { "\xff\xfe" }, 1 }, /* two U+FFFD ... */
		{ { 0 }, { "\xfe\xff" }, 2 }, /* ... the same text: merged */
		{ { 0 }, { "org-abc" }, 10 }, /* a second key rendering the same */
	};
	static const int64_t pool[][3] = { { 15, 2, 20 }, { 4, 0, 20 } };
	struct strbuf out;
	size_t want_len = 0;
	char *want;

	strbuf_init(&out);
	counter(&out, AGENTIDP_RULE_rate_limit_hit, rate, sizeof(rate) / sizeof(rate[0]));
	counter(&out, AGENTIDP_RULE_billing_limit_rejection, billing,
		sizeof(billing) / sizeof(billing[0]));
	counter(&out, AGENTIDP_RULE_tenant_api_call, calls, sizeof(calls) / sizeof(calls[0]));
	gauges(&out, AGENTIDP_RULE_db_pool_state, pool, sizeof(pool) / sizeof(pool[0]));

	/* `test_golden --write` regenerates the file after a deliberate change. */
	if (argc > 1 && strcmp(argv[1], "--write") == 0) {
		FILE *f = fopen(GOLDEN, "wb");

		if (!f || fwrite(out.buf, 1, out.len, f) != out.len || fclose(f))
			return 2;
		return 0;
	}
	want = slurp(GOLDEN, &want_len);
	if (!want) {
		check_int("golden file " GOLDEN " is readable", 1, 0);
		return check_done();
	}
	check_mem("the rendered body equals " GOLDEN, want, want_len, out.buf, out.len);
	free(want);
	strbuf_free(&out);
	return check_done();
}

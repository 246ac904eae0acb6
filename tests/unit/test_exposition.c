// SPDX-License-Identifier: BSD-2-Clause
/* Unit tests of rendering and series merging (user/exposition.c). */
#include <math.h>
#include <stdint.h>

#include "../../user/exposition.h"
#include "../../user/labels.h"
#include "unit/check.h"

static void render(struct expo_family *f, struct strbuf *out)
{
	strbuf_reset(out);
	expo_family_finish(f);
	expo_render(out, f);
}

int main(void)
{
	struct expo_family f;
	struct strbuf out, lab;

	strbuf_init(&out);
	strbuf_init(&lab);

	/* HELP and TYPE once, samples in the order they came. */
	expo_family_init(&f, "agentidp_tenant_api_calls_total", "Calls.\nBy \\tenant.",
			 EXPO_COUNTER, EXPO_U64);
	expo_add_u64(&f, "tenant_id=\"b\"", 13, 2);
	expo_add_u64(&f, "tenant_id=\"a\"", 13, 1);
	render(&f, &out);
	check_str("a counter family renders HELP (escaped), TYPE and its samples",
		  "# HELP agentidp_tenant_api_calls_total Calls.\\nBy \\\\tenant.\n"
		  "# TYPE agentidp_tenant_api_calls_total counter\n"
		  "agentidp_tenant_api_calls_total{tenant_id=\"b\"} 2\n"
		  "agentidp_tenant_api_calls_total{tenant_id=\"a\"} 1\n",
		  out.buf);
	expo_family_free(&f);

	/* Two raw values that render the same merge into one series. */
	expo_family_init(&f, "m_total", "h", EXPO_COUNTER, EXPO_U64);
	label_append_pair(&lab, "t", 0, "\xff", 64);
	expo_add_u64(&f, lab.buf, lab.len, 3);
	strbuf_reset(&lab);
	label_append_pair(&lab, "t", 0, "\xfe", 64);
	expo_add_u64(&f, lab.buf, lab.len, 4);
	strbuf_reset(&lab);
	label_append_pair(&lab, "t", 0, "x", 64);
	expo_add_u64(&f, lab.buf, lab.len, 1);
	render(&f, &out);
	check_str("values repairing to the same text are summed into one series",
		  "# HELP m_total h\n# TYPE m_total counter\n"
		  "m_total{t=\"\xef\xbf\xbd\"} 7\n"
		  "m_total{t=\"x\"} 1\n",
		  out.buf);
	check_int("merging leaves two series", 2, (long long)f.cnt);
	expo_family_free(&f);

	/* A prefix of another value stays its own series. */
	expo_family_init(&f, "m_total", "h", EXPO_COUNTER, EXPO_U64);
	expo_add_u64(&f, "t=\"t1\"", 6, 5);
	expo_add_u64(&f, "t=\"t10\"", 7, 6);
	expo_add_u64(&f, "t=\"t1\"", 6, 5);
	render(&f, &out);
	check_str("a value and its prefix stay two series",
		  "# HELP m_total h\n# TYPE m_total counter\n"
		  "m_total{t=\"t1\"} 10\nm_total{t=\"t10\"} 6\n",
		  out.buf);
	expo_family_free(&f);

	/* Gauges without labels: one sample per process, summed. */
	expo_family_init(&f, "g", "h", EXPO_GAUGE, EXPO_I64);
	expo_add_i64(&f, "", 0, 15);
	expo_add_i64(&f, "", 0, -3);
	expo_add_i64(&f, "", 0, 4);
	render(&f, &out);
	check_str("per-process gauges are summed", "# HELP g h\n# TYPE g gauge\ng 16\n", out.buf);
	expo_family_free(&f);

	/* A family with no sample renders nothing at all. */
	expo_family_init(&f, "g", "h", EXPO_GAUGE, EXPO_I64);
	render(&f, &out);
	check_str("an empty family is absent, not zero", "", out.buf ? out.buf : "");
	expo_family_free(&f);

	/* Negative gauges and the i64 extremes print exactly. */
	expo_family_init(&f, "g", "h", EXPO_GAUGE, EXPO_I64);
	expo_add_i64(&f, "a=\"1\"", 5, INT64_MIN);
	expo_add_i64(&f, "a=\"2\"", 5, INT64_MAX);
	expo_add_i64(&f, "a=\"3\"", 5, 0);
	render(&f, &out);
	check_str("i64 extremes and zero print exactly",
		  "# HELP g h\n# TYPE g gauge\n"
		  "g{a=\"1\"} -9223372036854775808\ng{a=\"2\"} 9223372036854775807\ng{a=\"3\"} 0\n",
		  out.buf);
	expo_family_free(&f);

	/* Float spelling. */
	strbuf_reset(&out);
	expo_format_f64(&out, INFINITY);
	strbuf_addc(&out, ' ');
	expo_format_f64(&out, -INFINITY);
	strbuf_addc(&out, ' ');
	expo_format_f64(&out, NAN);
	strbuf_addc(&out, ' ');
	expo_format_f64(&out, 0.25);
	check_str("floats are spelled +Inf -Inf NaN 0.25", "+Inf -Inf NaN 0.25", out.buf);

	/* Large counters are exact integers, not floats. */
	expo_family_init(&f, "c_total", "h", EXPO_COUNTER, EXPO_U64);
	expo_add_u64(&f, "", 0, UINT64_MAX);
	render(&f, &out);
	check_str("a 64-bit counter renders exactly",
		  "# HELP c_total h\n# TYPE c_total counter\nc_total 18446744073709551615\n",
		  out.buf);
	expo_family_free(&f);

	strbuf_free(&out);
	strbuf_free(&lab);
	return check_done();
}

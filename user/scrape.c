// SPDX-License-Identifier: BSD-2-Clause
/*
 * scrape.c - builds every family of one scrape, in a fixed order: the rule
 * table's families first, then agentidp_observer_*, then process_*. Each
 * family is finished (sorted, duplicates merged) and rendered in one piece,
 * so the body never interleaves families.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "collect.h"
#include "exposition.h"
#include "labels.h"
#include "observer.skel.h"
#include "process_metrics.h"
#include "rules.h"
#include "scrape.h"

#define RULE_FAMILY_CNT (AGENTIDP_RULE_CNT * AGENTIDP_MAX_VALUES)

static double now_s(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int render_one(struct strbuf *out, struct expo_family *f)
{
	int err;

	expo_family_finish(f);
	err = expo_render(out, f);
	expo_family_free(f);
	return err;
}

static int render_all(struct strbuf *out, struct expo_family *fams, int cnt)
{
	int err = 0;

	for (int i = 0; i < cnt; i++) {
		int e = render_one(out, &fams[i]);

		if (e && !err)
			err = e;
	}
	return err;
}

struct map_fill {
	uint64_t counter_entries;
	uint64_t gauge_entries;
};

static int rule_families(struct scrape_ctx *ctx, struct strbuf *out, struct map_fill *fill)
{
	struct expo_family fams[RULE_FAMILY_CNT];
	uint64_t reaped = 0;
	int n, live, err;

	for (unsigned int r = 0; r < AGENTIDP_RULE_CNT; r++) {
		const struct rule_def *d = &rule_defs[r];
		bool counter = d->kind == AGENTIDP_KIND_COUNTER;

		for (unsigned int i = 0; i < AGENTIDP_MAX_VALUES; i++) {
			/* Slots a rule does not use stay empty and render nothing. */
			bool used = counter ? i == 0 : i < d->nargs;

			expo_family_init(&fams[r * AGENTIDP_MAX_VALUES + i], used ? d->name[i] : "",
					 used ? d->help[i] : "",
					 counter ? EXPO_COUNTER : EXPO_GAUGE,
					 counter ? EXPO_U64 : EXPO_I64);
		}
	}
	n = collect_counters(ctx->ld, fams);
	live = collect_gauges(ctx->ld, fams, &reaped);
	ctx->gauges_reaped += reaped;
	fill->counter_entries = n > 0 ? (uint64_t)n : 0;
	fill->gauge_entries = live > 0 ? (uint64_t)live : 0;
	err = render_all(out, fams, RULE_FAMILY_CNT);
	if (n < 0)
		return n;
	if (live < 0)
		return live;
	return err;
}

/* One sample with a single label of trusted-but-escaped text. */
static void add_labeled(struct expo_family *f, struct strbuf *tmp, const char *label,
			const char *value, uint64_t v)
{
	strbuf_reset(tmp);
	label_append_text(tmp, label, value);
	expo_add_u64(f, tmp->buf, tmp->len, v);
}

enum self_family {
	SELF_BUILD_INFO,
	SELF_EVENTS,
	SELF_TRUNCATED,
	SELF_READ_ERRORS,
	SELF_OVERFLOW,
	SELF_LOST,
	SELF_SERIES,
	SELF_SERIES_LIMIT,
	SELF_TARGET_ATTACHED,
	SELF_TARGET_PROBES,
	SELF_TARGET_REATTACHES,
	SELF_MAP_ENTRIES,
	SELF_MAP_CAPACITY,
	SELF_PROG_RUNS,
	SELF_PROG_RUN_SECONDS,
	SELF_GAUGES_REAPED,
	SELF_SCRAPE_ERRORS,
	SELF_SCRAPE_DURATION,
	SELF_CNT,
};

static const struct {
	const char *name;
	const char *help;
	enum expo_type type;
	enum expo_value_kind kind;
} self_defs[SELF_CNT] = {
	[SELF_BUILD_INFO] = { "agentidp_observer_build_info", "The observer's version; always 1.",
			      EXPO_GAUGE, EXPO_U64 },
	[SELF_EVENTS] = { "agentidp_observer_probe_events_total",
			  "Probe hits seen by the BPF program, by probe.", EXPO_COUNTER, EXPO_U64 },
	[SELF_TRUNCATED] = { "agentidp_observer_label_truncations_total",
			     "Label values longer than 63 bytes, cut at a UTF-8 character boundary, by probe.",
			     EXPO_COUNTER, EXPO_U64 },
	[SELF_READ_ERRORS] = { "agentidp_observer_label_read_errors_total",
			       "Label pointers that were NULL or unreadable, counted under <unreadable>, by probe.",
			       EXPO_COUNTER, EXPO_U64 },
	[SELF_OVERFLOW] = { "agentidp_observer_overflow_events_total",
			    "Events counted in a metric's <overflow> series because its series limit was reached, by probe.",
			    EXPO_COUNTER, EXPO_U64 },
	[SELF_LOST] = { "agentidp_observer_lost_events_total",
			"Events no map could take (should stay 0), by probe.", EXPO_COUNTER,
			EXPO_U64 },
	[SELF_SERIES] = { "agentidp_observer_series",
			  "Series admitted under the series limit, by probe.", EXPO_GAUGE,
			  EXPO_U64 },
	[SELF_SERIES_LIMIT] = { "agentidp_observer_series_limit",
				"Series per metric before events go to the overflow series.",
				EXPO_GAUGE, EXPO_U64 },
	[SELF_TARGET_ATTACHED] = { "agentidp_observer_target_attached",
				   "1 if the file now at the target path is attached, 0 if not.",
				   EXPO_GAUGE, EXPO_U64 },
	[SELF_TARGET_PROBES] = { "agentidp_observer_target_attached_probes",
				 "Probes attached in the target's current file.", EXPO_GAUGE,
				 EXPO_U64 },
	[SELF_TARGET_REATTACHES] = { "agentidp_observer_target_reattaches_total",
				     "Times the target file was found replaced and attached again.",
				     EXPO_COUNTER, EXPO_U64 },
	[SELF_MAP_ENTRIES] = { "agentidp_observer_map_entries", "Entries in each BPF map.",
			       EXPO_GAUGE, EXPO_U64 },
	[SELF_MAP_CAPACITY] = { "agentidp_observer_map_capacity",
				"Maximum entries of each BPF map.", EXPO_GAUGE, EXPO_U64 },
	[SELF_PROG_RUNS] = { "agentidp_observer_bpf_program_runs_total",
			     "Runs of the BPF program (counted only while kernel.bpf_stats_enabled=1).",
			     EXPO_COUNTER, EXPO_U64 },
	[SELF_PROG_RUN_SECONDS] = { "agentidp_observer_bpf_program_run_seconds_total",
				    "Time spent in the BPF program (counted only while kernel.bpf_stats_enabled=1).",
				    EXPO_COUNTER, EXPO_F64 },
	[SELF_GAUGES_REAPED] = { "agentidp_observer_exited_process_gauges_removed_total",
				 "Gauge entries removed because their process exited.",
				 EXPO_COUNTER, EXPO_U64 },
	[SELF_SCRAPE_ERRORS] = { "agentidp_observer_scrape_errors_total",
				 "Scrapes that could not read every map.", EXPO_COUNTER, EXPO_U64 },
	[SELF_SCRAPE_DURATION] = { "agentidp_observer_scrape_duration_seconds",
				   "Time the previous scrape took to read the maps and render.",
				   EXPO_GAUGE, EXPO_F64 },
};

static void self_stats(struct expo_family *f, struct strbuf *tmp, const struct collect_stats *st)
{
	static const int stat_family[AGENTIDP_STAT_CNT] = {
		[AGENTIDP_STAT_EVENTS] = SELF_EVENTS,
		[AGENTIDP_STAT_TRUNCATED] = SELF_TRUNCATED,
		[AGENTIDP_STAT_READ_ERRORS] = SELF_READ_ERRORS,
		[AGENTIDP_STAT_OVERFLOW] = SELF_OVERFLOW,
		[AGENTIDP_STAT_LOST] = SELF_LOST,
	};

	for (unsigned int r = 0; r < AGENTIDP_RULE_CNT; r++) {
		const char *probe = rule_defs[r].probe;

		for (int s = 0; s < AGENTIDP_STAT_CNT; s++)
			add_labeled(&f[stat_family[s]], tmp, "probe", probe, st->stat[r][s]);
		if (rule_defs[r].kind == AGENTIDP_KIND_COUNTER)
			add_labeled(&f[SELF_SERIES], tmp, "probe", probe, st->series[r]);
	}
}

static void self_targets(struct expo_family *f, struct strbuf *tmp, const struct attach_set *set)
{
	for (int i = 0; i < set->target_cnt; i++) {
		const struct attach_target *t = &set->targets[i];

		add_labeled(&f[SELF_TARGET_ATTACHED], tmp, "target", t->path, t->attached);
		add_labeled(&f[SELF_TARGET_PROBES], tmp, "target", t->path,
			    t->attached ? (uint64_t)t->probe_cnt : 0);
		add_labeled(&f[SELF_TARGET_REATTACHES], tmp, "target", t->path,
			    (uint64_t)t->reattach_cnt);
	}
}

static void self_maps(struct expo_family *f, struct strbuf *tmp, const struct loader *ld,
		      const struct map_fill *fill)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int prog_fd;

	add_labeled(&f[SELF_MAP_ENTRIES], tmp, "map", "counters", fill->counter_entries);
	add_labeled(&f[SELF_MAP_CAPACITY], tmp, "map", "counters", ld->counters_cap);
	add_labeled(&f[SELF_MAP_ENTRIES], tmp, "map", "gauges", fill->gauge_entries);
	add_labeled(&f[SELF_MAP_CAPACITY], tmp, "map", "gauges",
		    bpf_map__max_entries(ld->skel->maps.gauges));

	memset(&info, 0, sizeof(info));
	prog_fd = bpf_program__fd(ld->skel->progs.agentidp_probe);
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) == 0) {
		expo_add_u64(&f[SELF_PROG_RUNS], "", 0, info.run_cnt);
		expo_add_f64(&f[SELF_PROG_RUN_SECONDS], "", 0, (double)info.run_time_ns / 1e9);
	}
}

static int self_families(struct scrape_ctx *ctx, struct strbuf *out, const struct map_fill *fill)
{
	struct expo_family f[SELF_CNT];
	struct collect_stats st;
	struct strbuf tmp;
	int err;

	for (int i = 0; i < SELF_CNT; i++)
		expo_family_init(&f[i], self_defs[i].name, self_defs[i].help, self_defs[i].type,
				 self_defs[i].kind);
	strbuf_init(&tmp);

	add_labeled(&f[SELF_BUILD_INFO], &tmp, "version", OBSERVER_VERSION, 1);
	err = collect_stats(ctx->ld, &st);
	if (!err)
		self_stats(f, &tmp, &st);
	expo_add_u64(&f[SELF_SERIES_LIMIT], "", 0, ctx->ld->series_limit);
	self_targets(f, &tmp, ctx->targets);
	self_maps(f, &tmp, ctx->ld, fill);
	expo_add_u64(&f[SELF_GAUGES_REAPED], "", 0, ctx->gauges_reaped);
	expo_add_u64(&f[SELF_SCRAPE_ERRORS], "", 0, ctx->scrape_errors);
	expo_add_f64(&f[SELF_SCRAPE_DURATION], "", 0, ctx->last_duration_s);

	strbuf_free(&tmp);
	if (render_all(out, f, SELF_CNT))
		return -ENOMEM;
	return err;
}

int scrape_render(struct scrape_ctx *ctx, struct strbuf *out)
{
	double start = now_s(CLOCK_MONOTONIC);
	struct map_fill fill = { 0 };
	int err, e;

	err = rule_families(ctx, out, &fill);
	if (err)
		ctx->scrape_errors++;
	e = self_families(ctx, out, &fill);
	if (e && !err)
		err = e;
	e = process_metrics_render(out);
	if (e && !err)
		err = e;
	ctx->last_duration_s = now_s(CLOCK_MONOTONIC) - start;
	return err;
}

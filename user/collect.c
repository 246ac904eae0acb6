// SPDX-License-Identifier: BSD-2-Clause
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect.h"
#include "labels.h"
#include "observer.skel.h"
#include "rules.h"

#define COLLECT_BATCH 1024

static uint64_t percpu_sum(const uint64_t *v, int ncpus)
{
	uint64_t sum = 0;

	for (int c = 0; c < ncpus; c++)
		sum += v[c];
	return sum;
}

static void counter_sample(const struct agentidp_counter_key *k, uint64_t value,
			   struct expo_family *fams, struct strbuf *tmp)
{
	const struct rule_def *r;

	if (k->rule >= AGENTIDP_RULE_CNT || rule_defs[k->rule].kind != AGENTIDP_KIND_COUNTER)
		return;
	r = &rule_defs[k->rule];
	strbuf_reset(tmp);
	for (unsigned int i = 0; i < r->nargs; i++) {
		if (i)
			strbuf_addc(tmp, ',');
		label_append_pair(tmp, r->label[i], k->state[i], k->label[i], sizeof(k->label[i]));
	}
	expo_add_u64(&fams[k->rule * AGENTIDP_MAX_VALUES], tmp->buf, tmp->len, value);
}

/*
 * Walk the counters map in batches. A batch call may stop early with
 * ENOSPC when one hash bucket holds more keys than fit; the batch is then
 * grown and the same position retried.
 */
int collect_counters(const struct loader *ld, struct expo_family *fams)
{
	int fd = bpf_map__fd(ld->skel->maps.counters);
	size_t ksz = sizeof(struct agentidp_counter_key);
	size_t vsz = sizeof(uint64_t) * (size_t)ld->ncpus;
	__u32 cap = COLLECT_BATCH, in_tok = 0, out_tok = 0;
	bool first = true, done = false;
	struct strbuf tmp;
	char *keys = NULL, *vals = NULL;
	int total = 0, err = 0;

	strbuf_init(&tmp);
	while (!done) {
		__u32 n = cap;

		if (!keys) {
			keys = malloc(cap * ksz);
			vals = malloc(cap * vsz);
			if (!keys || !vals) {
				err = -ENOMEM;
				break;
			}
		}
		err = bpf_map_lookup_batch(fd, first ? NULL : &in_tok, &out_tok, keys, vals, &n,
					   NULL);
		if (err) {
			err = -errno;
			if (err == -ENOSPC && n == 0) {
				cap *= 2;
				free(keys);
				free(vals);
				keys = vals = NULL;
				err = 0;
				continue;
			}
			if (err != -ENOENT)
				break;
			done = true; /* ENOENT: the last keys came with this call */
			err = 0;
		}
		for (__u32 i = 0; i < n; i++)
			counter_sample((const void *)(keys + i * ksz),
				       percpu_sum((const void *)(vals + i * vsz), ld->ncpus), fams,
				       &tmp);
		total += (int)n;
		in_tok = out_tok;
		first = false;
	}
	free(keys);
	free(vals);
	strbuf_free(&tmp);
	return err ? err : total;
}

/*
 * Is the process that reported still alive? It must not be a zombie, and
 * its /proc stat start time (in clock ticks since boot, field 22) must
 * match the one the BPF program recorded, or the PID has been reused by
 * another process.
 */
static bool process_alive(__u32 tgid, uint64_t start_boottime_ns)
{
	static long ticks;
	unsigned long long start = 0;
	char path[64], buf[1024];
	const char *p;
	ssize_t n;
	int fd, field;

	if (!ticks)
		ticks = sysconf(_SC_CLK_TCK);
	snprintf(path, sizeof(path), "/proc/%u/stat", tgid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/* The command name (field 2) may hold spaces and ')': skip past the last ')'. */
	p = strrchr(buf, ')');
	if (!p || !p[1] || !p[2])
		return false;
	/* A zombie has exited; only its parent has not reaped it yet. */
	if (p[2] == 'Z' || p[2] == 'X')
		return false;
	for (field = 2; *p && field < 22; p++)
		if (*p == ' ')
			field++;
	if (sscanf(p, "%llu", &start) != 1)
		return false;
	return start == start_boottime_ns / (1000000000ULL / (unsigned long long)ticks);
}

/*
 * The BPF program overwrites a gauge entry in place, and a lookup copies
 * it without a lock: a copy taken mid-write could pair one report's active
 * count with the previous report's waiting count. Two equal copies in a
 * row are one report (the writer finishes in nanoseconds, with preemption
 * off); a few retries are plenty.
 */
static int gauge_read(int fd, const struct agentidp_gauge_key *key,
		      struct agentidp_gauge_value *out)
{
	struct agentidp_gauge_value again;

	if (bpf_map_lookup_elem(fd, key, out))
		return -ENOENT;
	for (int tries = 0; tries < 8; tries++) {
		if (bpf_map_lookup_elem(fd, key, &again))
			return -ENOENT;
		if (memcmp(out, &again, sizeof(again)) == 0)
			return 0;
		*out = again;
	}
	return 0;
}

int collect_gauges(const struct loader *ld, struct expo_family *fams, uint64_t *out_reaped)
{
	int fd = bpf_map__fd(ld->skel->maps.gauges);
	struct agentidp_gauge_key key, next, *dead = NULL;
	struct agentidp_gauge_value val;
	size_t dead_cnt = 0, dead_cap = 0;
	int live = 0, err;
	void *prev = NULL;

	*out_reaped = 0;
	while ((err = bpf_map_get_next_key(fd, prev, &next)) == 0) {
		key = next;
		prev = &key;
		if (gauge_read(fd, &key, &val))
			continue; /* deleted meanwhile */
		if (key.rule >= AGENTIDP_RULE_CNT ||
		    rule_defs[key.rule].kind != AGENTIDP_KIND_GAUGE)
			continue;
		if (!process_alive(key.tgid, val.start_boottime_ns)) {
			if (dead_cnt == dead_cap) {
				size_t cap = dead_cap ? dead_cap * 2 : 16;
				void *p = realloc(dead, cap * sizeof(*dead));

				if (!p)
					continue; /* deleted at a later scrape */
				dead = p;
				dead_cap = cap;
			}
			dead[dead_cnt++] = key;
			continue;
		}
		for (unsigned int i = 0; i < rule_defs[key.rule].nargs; i++)
			expo_add_i64(&fams[key.rule * AGENTIDP_MAX_VALUES + i], "", 0,
				     val.value[i]);
		live++;
	}
	/* Deleting during the walk could restart it; delete afterwards. */
	for (size_t i = 0; i < dead_cnt; i++)
		if (bpf_map_delete_elem(fd, &dead[i]) == 0)
			(*out_reaped)++;
	free(dead);
	return live;
}

int collect_stats(const struct loader *ld, struct collect_stats *out)
{
	int fd = bpf_map__fd(ld->skel->maps.stats);
	int cfd = bpf_map__fd(ld->skel->maps.series_count);
	uint64_t *v;

	memset(out, 0, sizeof(*out));
	v = calloc((size_t)ld->ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (__u32 r = 0; r < AGENTIDP_RULE_CNT; r++) {
		for (__u32 s = 0; s < AGENTIDP_STAT_CNT; s++) {
			__u32 idx = r * AGENTIDP_STAT_CNT + s;

			if (bpf_map_lookup_elem(fd, &idx, v) == 0)
				out->stat[r][s] = percpu_sum(v, ld->ncpus);
		}
		if (bpf_map_lookup_elem(cfd, &r, &out->series[r]))
			out->series[r] = 0;
	}
	free(v);
	return 0;
}

// SPDX-License-Identifier: BSD-2-Clause
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <linux/types.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "loader.h"
#include "log.h"
#include "observer.skel.h"
#include "observer/maps.h"
#include "rules.h"

static unsigned int counter_rule_cnt(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < AGENTIDP_RULE_CNT; i++)
		n += rule_defs[i].kind == AGENTIDP_KIND_COUNTER;
	return n;
}

/*
 * Check what an earlier observer pinned in pin_dir before libbpf reuses it.
 * Returns 1 if there are compatible pins, 2 if there are pins without a
 * layout record yet, 0 if there are none, -EEXIST if they must not be
 * reused.
 */
static int pins_check(const char *pin_dir, unsigned long series_limit)
{
	char path[PATH_MAX];
	struct agentidp_meta m;
	__u32 key = 0;
	int fd, err;

	snprintf(path, sizeof(path), "%s/meta", pin_dir);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		snprintf(path, sizeof(path), "%s/counters", pin_dir);
		if (access(path, F_OK) == 0) {
			log_error(
				"pinned maps have no layout record; made by an incompatible observer, remove the directory to start over",
				"path=%s", log_q(pin_dir));
			return -EEXIST;
		}
		return 0;
	}
	err = bpf_map_lookup_elem(fd, &key, &m);
	close(fd);
	/*
	 * An all-zero record: the first observer was stopped between pinning
	 * and writing it. libbpf still checks every map's type and sizes on
	 * reuse; the record is written again after the load.
	 */
	if (!err && m.layout_version == 0 && m.series_limit == 0) {
		log_warn(
			"pinned maps have an empty layout record (an earlier start was interrupted); adopting them",
			"path=%s", log_q(pin_dir));
		return 2;
	}
	if (err || m.layout_version != AGENTIDP_LAYOUT_VERSION) {
		log_error(
			"pinned maps were made by an incompatible observer; remove the directory to start over (counters restart at 0)",
			"path=%s pinned_layout=%llu layout=%d", log_q(pin_dir),
			err ? 0ULL : (unsigned long long)m.layout_version, AGENTIDP_LAYOUT_VERSION);
		return -EEXIST;
	}
	if (m.series_limit != series_limit) {
		log_error(
			"pinned maps were made with another --series.limit; pass the same limit or remove the directory",
			"path=%s pinned_limit=%llu limit=%lu", log_q(pin_dir),
			(unsigned long long)m.series_limit, series_limit);
		return -EEXIST;
	}
	return 1;
}

int loader_open(struct loader *ld, const char *pin_dir, unsigned long series_limit)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir);
	struct agentidp_meta m = { .layout_version = AGENTIDP_LAYOUT_VERSION };
	bool need_meta;
	__u32 key = 0;
	int err;

	memset(ld, 0, sizeof(*ld));
	ld->series_limit = series_limit;
	/* Every counter rule's admitted series plus its one overflow series. */
	ld->counters_cap = (unsigned int)(series_limit + 1) * counter_rule_cnt();
	ld->ncpus = libbpf_num_possible_cpus();
	if (ld->ncpus < 1) {
		log_error("cannot count possible CPUs", "err=\"%s\"", strerror(-ld->ncpus));
		return ld->ncpus ? ld->ncpus : -EINVAL;
	}

	err = pins_check(pin_dir, series_limit);
	if (err < 0)
		return err;
	ld->reused = err == 1 || err == 2;
	need_meta = err != 1;

	ld->skel = observer_bpf__open_opts(&opts);
	if (!ld->skel) {
		err = -errno;
		log_error("cannot open the BPF object", "err=\"%s\"", strerror(-err));
		return err;
	}
	ld->skel->rodata->series_limit = series_limit;
	bpf_map__set_max_entries(ld->skel->maps.counters, ld->counters_cap);

	err = observer_bpf__load(ld->skel);
	if (err) {
		log_error("cannot load the BPF programs or reuse the pinned maps",
			  "path=%s err=\"%s\"", log_q(pin_dir), strerror(-err));
		goto fail;
	}
	if (need_meta) {
		m.series_limit = series_limit;
		err = bpf_map__update_elem(ld->skel->maps.meta, &key, sizeof(key), &m, sizeof(m),
					   BPF_ANY);
		if (err) {
			log_error("cannot write the layout record", "err=\"%s\"", strerror(-err));
			goto fail;
		}
	}
	log_info("BPF maps ready", "path=%s reused=%s series_limit=%lu cpus=%d", log_q(pin_dir),
		 ld->reused ? "true" : "false", series_limit, ld->ncpus);
	return 0;
fail:
	observer_bpf__destroy(ld->skel);
	ld->skel = NULL;
	return err;
}

void loader_close(struct loader *ld)
{
	/* The maps stay pinned: that is what lets counters survive restarts. */
	observer_bpf__destroy(ld->skel);
	ld->skel = NULL;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * loader.h - loading the BPF object and pinning (or reusing) its maps.
 *
 * The maps are pinned by name under the pin directory. A restarted observer
 * finds them there and reuses them, so counters continue; pins made by an
 * observer with another map layout, or with another --series.limit (which
 * sizes the counters map), are refused with a message that says what to do,
 * never misread.
 */
#ifndef OBSERVER_LOADER_H
#define OBSERVER_LOADER_H

#include <stdbool.h>

struct observer_bpf;

struct loader {
	struct observer_bpf *skel;
	unsigned long series_limit;
	unsigned int counters_cap; /* max_entries of the counters map */
	bool reused; /* the maps were found pinned */
	int ncpus; /* possible CPUs: per-CPU values are this long */
};

/*
 * Open, size, load and pin. Returns 0, or a negative errno after logging
 * the reason (-EEXIST: incompatible pins).
 */
int loader_open(struct loader *ld, const char *pin_dir, unsigned long series_limit);
void loader_close(struct loader *ld);

#endif /* OBSERVER_LOADER_H */

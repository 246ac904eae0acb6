/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * collect.h - reading the BPF maps into metric families.
 *
 * Counters: the per-CPU values of every key are summed over all possible
 * CPUs (not just the online ones: a CPU that went offline keeps its counts).
 * Gauges: one entry per (rule, process); entries of processes that exited,
 * or whose PID now belongs to another process (start time differs), are
 * deleted and not shown, so a killed IdP stops contributing at the next
 * scrape.
 */
#ifndef OBSERVER_COLLECT_H
#define OBSERVER_COLLECT_H

#include <stdint.h>

#include "exposition.h"
#include "loader.h"
#include "observer/maps.h"

struct collect_stats {
	uint64_t stat[AGENTIDP_RULE_CNT][AGENTIDP_STAT_CNT];
	uint64_t series[AGENTIDP_RULE_CNT];
	unsigned int counter_entries;
	unsigned int gauge_entries;
	uint64_t gauges_reaped; /* entries deleted by this collection */
};

/*
 * Both collectors fill the rule families, laid out AGENTIDP_MAX_VALUES per
 * rule: fams[rule * AGENTIDP_MAX_VALUES + i] is family i of the rule (a
 * counter rule has one, i = 0; a gauge rule one per argument).
 */

/*
 * Add a sample per counter key to the rule's family.
 * Returns the number of keys read, or a negative errno.
 */
int collect_counters(const struct loader *ld, struct expo_family *fams);

/*
 * Add each live process's gauge values to fams[rule * AGENTIDP_MAX_VALUES + i]
 * and delete the entries of dead processes (counted in *out_reaped).
 * Returns the number of live entries, or a negative errno.
 */
int collect_gauges(const struct loader *ld, struct expo_family *fams, uint64_t *out_reaped);

/* The per-rule event accounting and series counts. */
int collect_stats(const struct loader *ld, struct collect_stats *out);

#endif /* OBSERVER_COLLECT_H */

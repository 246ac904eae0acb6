/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * maps.h - the layout of the pinned BPF maps, shared by bpf/ and user/.
 *
 * The maps outlive the observer (they are pinned), so this layout is an ABI
 * between observer versions: any change to a struct below or to the meaning
 * of a field must bump AGENTIDP_LAYOUT_VERSION, which makes a new observer
 * refuse old pins with a clear message instead of misreading them.
 *
 * The includer provides __u8/__u32/__u64 (vmlinux.h in BPF code,
 * <linux/types.h> in userspace).
 */
#ifndef OBSERVER_MAPS_H
#define OBSERVER_MAPS_H

#include "rules.h"

#define AGENTIDP_LAYOUT_VERSION 1

/* A label value holds at most 63 bytes of the IdP's string plus a NUL. */
#define AGENTIDP_LABEL_SZ 64

/*
 * How a label value was obtained. Part of the counter key, so that a read
 * error or the overflow series can never share a key with a real value.
 */
enum agentidp_label_state {
	AGENTIDP_LABEL_OK = 0,         /* label[] holds the (maybe cut) string */
	AGENTIDP_LABEL_READ_ERROR = 1, /* NULL or unreadable pointer */
	AGENTIDP_LABEL_OVERFLOW = 2,   /* the metric's overflow series */
};

/*
 * Key of the "counters" map (per-CPU hash, value __u64 per CPU). Every byte
 * is significant to the hash, so the BPF side zeroes the whole key before it
 * fills it: unused labels and the bytes after a NUL are always zero.
 */
struct agentidp_counter_key {
	__u32 rule;
	__u8 state[AGENTIDP_MAX_LABELS];
	__u8 pad[2];
	char label[AGENTIDP_MAX_LABELS][AGENTIDP_LABEL_SZ];
};

/*
 * Processes that can report gauges at once, per gauge rule. Entries of
 * exited processes are deleted by the observer at each scrape.
 */
#define AGENTIDP_GAUGE_ENTRIES 16384

/* Key and value of the "gauges" map (hash): the last report per process. */
struct agentidp_gauge_key {
	__u32 rule;
	__u32 tgid;
};

struct agentidp_gauge_value {
	__s64 value[AGENTIDP_MAX_VALUES];
	/*
	 * The reporting process's start time (task->start_boottime, ns), so a
	 * recycled PID is not mistaken for the process that reported.
	 */
	__u64 start_boottime_ns;
};

/*
 * Per-rule event accounting in the "stats" map (per-CPU array, index
 * rule * AGENTIDP_STAT_CNT + stat). Every event adds to EVENTS; the others
 * say what happened to events that were not counted as the IdP sent them.
 */
enum agentidp_stat {
	AGENTIDP_STAT_EVENTS = 0,        /* probe hits seen */
	AGENTIDP_STAT_TRUNCATED = 1,     /* label values cut at 63 bytes */
	AGENTIDP_STAT_READ_ERRORS = 2,   /* label pointers that could not be read */
	AGENTIDP_STAT_OVERFLOW = 3,      /* events sent to the overflow series */
	AGENTIDP_STAT_LOST = 4,          /* events that no map could take */
	AGENTIDP_STAT_CNT,
};

#define AGENTIDP_STATS_SZ (AGENTIDP_RULE_CNT * AGENTIDP_STAT_CNT)

/* The "meta" map (array, one entry) records which layout made the pins. */
struct agentidp_meta {
	__u64 layout_version;
	__u64 series_limit;
};

#endif /* OBSERVER_MAPS_H */

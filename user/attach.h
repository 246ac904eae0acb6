/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * attach.h - attaching the generic program to every agentidp probe of each
 * target, and following targets that are replaced on disk.
 *
 * Without --pid, a probe is attached system-wide by inode: every process
 * that runs the target, now or later, is observed, and the kernel raises the
 * probe's semaphore in each of them. A package upgrade replaces the file by
 * a rename, so the path then names a new inode that nothing is attached to:
 * attach_refresh() notices (device and inode of the path changed) and
 * attaches to the new file. Links to the old inode are kept, because
 * processes started before the upgrade still run it.
 */
#ifndef OBSERVER_ATTACH_H
#define OBSERVER_ATTACH_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "observer/rules.h"

struct bpf_program;
struct bpf_link;

/* Generations of a replaced target kept attached (older ones are dropped). */
#define ATTACH_GENERATIONS 4

struct attach_gen {
	dev_t dev;
	ino_t ino;
	struct bpf_link *links[AGENTIDP_RULE_CNT];
};

struct attach_target {
	const char *path;
	struct attach_gen gen[ATTACH_GENERATIONS]; /* [0] is the current file */
	int gen_cnt;
	int probe_cnt; /* probes attached in the current generation */
	int reattach_cnt; /* times the file was found replaced */
	bool attached; /* the current file is attached */
	/*
	 * A replacement that could not be attached (no probes yet: a file
	 * still being written, or another program) is not retried, nor
	 * logged again, until its inode, size or mtime changes.
	 */
	struct stat failed;
};

struct attach_set {
	struct bpf_program *prog;
	pid_t pid; /* -1: system-wide */
	struct attach_target *targets;
	int target_cnt;
};

/*
 * Attach to every target. Returns 0, -ENOENT if a target has no agentidp
 * probes (or does not exist), or another negative errno; the reason is
 * logged. On error nothing stays attached.
 */
int attach_all(struct attach_set *set, struct bpf_program *prog, pid_t pid,
	       const char *const *paths, int path_cnt);

/* Re-attach targets whose file was replaced; returns how many were. */
int attach_refresh(struct attach_set *set);

void attach_detach_all(struct attach_set *set);

#endif /* OBSERVER_ATTACH_H */

// SPDX-License-Identifier: BSD-2-Clause
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "attach.h"
#include "log.h"
#include "rules.h"
#include "usdt_notes.h"

static void gen_detach(struct attach_gen *g)
{
	for (int r = 0; r < AGENTIDP_RULE_CNT; r++) {
		bpf_link__destroy(g->links[r]);
		g->links[r] = NULL;
	}
}

/*
 * Attach to the agentidp probes of the file now at t->path, as a new
 * current generation. Returns the number of probes attached, or a negative
 * errno (-ENOENT: no agentidp probes).
 */
static int target_attach(struct attach_set *set, struct attach_target *t)
{
	struct usdt_probe_list *probes;
	struct attach_gen g;
	struct stat st;
	int err, n = 0;

	memset(&g, 0, sizeof(g));
	if (stat(t->path, &st))
		return -errno;
	probes = malloc(sizeof(*probes));
	if (!probes)
		return -ENOMEM;
	err = usdt_notes_read(t->path, AGENTIDP_PROVIDER, probes);
	if (err)
		goto out;
	for (int r = 0; r < AGENTIDP_RULE_CNT; r++) {
		LIBBPF_OPTS(bpf_usdt_opts, opts, .usdt_cookie = rule_cookie((unsigned int)r));
		bool present = false;

		for (int i = 0; i < probes->cnt && !present; i++)
			present = strcmp(probes->probe[i].name, rule_defs[r].probe) == 0;
		if (!present) {
			log_warn("target lacks a probe; its metric stays empty",
				 "target=%s probe=%s", log_q(t->path), rule_defs[r].probe);
			continue;
		}
		g.links[r] = bpf_program__attach_usdt(set->prog, set->pid, t->path,
						      AGENTIDP_PROVIDER, rule_defs[r].probe, &opts);
		if (!g.links[r]) {
			err = -errno;
			log_error("cannot attach to a probe", "target=%s probe=%s err=\"%s\"",
				  log_q(t->path), rule_defs[r].probe, strerror(-err));
			gen_detach(&g);
			goto out;
		}
		n++;
	}
	if (n == 0) {
		err = -ENOENT;
		goto out;
	}
	g.dev = st.st_dev;
	g.ino = st.st_ino;
	/* Shift older generations down; the oldest beyond the limit is dropped. */
	if (t->gen_cnt == ATTACH_GENERATIONS)
		gen_detach(&t->gen[--t->gen_cnt]);
	memmove(&t->gen[1], &t->gen[0], (size_t)t->gen_cnt * sizeof(t->gen[0]));
	t->gen[0] = g;
	t->gen_cnt++;
	t->probe_cnt = n;
	t->attached = true;
	err = n;
out:
	free(probes);
	return err;
}

int attach_all(struct attach_set *set, struct bpf_program *prog, pid_t pid,
	       const char *const *paths, int path_cnt)
{
	int err;

	memset(set, 0, sizeof(*set));
	set->prog = prog;
	set->pid = pid ? pid : -1;
	set->targets = calloc((size_t)path_cnt, sizeof(*set->targets));
	if (!set->targets)
		return -ENOMEM;
	set->target_cnt = path_cnt;
	for (int i = 0; i < path_cnt; i++) {
		struct attach_target *t = &set->targets[i];

		t->path = paths[i];
		err = target_attach(set, t);
		if (err < 0) {
			if (err == -ENOENT)
				log_error("target has no agentidp probes or does not exist",
					  "target=%s", log_q(t->path));
			else
				log_error("cannot attach to target", "target=%s err=\"%s\"",
					  log_q(t->path), strerror(-err));
			attach_detach_all(set);
			return err;
		}
		log_info("attached", "target=%s probes=%d pid=%d", log_q(t->path), err, set->pid);
	}
	return 0;
}

int attach_refresh(struct attach_set *set)
{
	int changed = 0;

	for (int i = 0; i < set->target_cnt; i++) {
		struct attach_target *t = &set->targets[i];
		struct stat st;
		int err;

		if (stat(t->path, &st))
			continue; /* mid-rename, or removed: keep what runs */
		if (t->gen_cnt && st.st_dev == t->gen[0].dev && st.st_ino == t->gen[0].ino)
			continue;
		if (st.st_dev == t->failed.st_dev && st.st_ino == t->failed.st_ino &&
		    st.st_size == t->failed.st_size &&
		    st.st_mtim.tv_sec == t->failed.st_mtim.tv_sec &&
		    st.st_mtim.tv_nsec == t->failed.st_mtim.tv_nsec)
			continue;
		log_info("target file replaced; attaching to the new file", "target=%s",
			 log_q(t->path));
		t->attached = false;
		err = target_attach(set, t);
		if (err < 0) {
			t->failed = st;
			log_warn(
				"cannot attach to the replaced target; processes of the old file stay observed",
				"target=%s err=\"%s\"", log_q(t->path),
				err == -ENOENT ? "no agentidp probes" : strerror(-err));
			continue;
		}
		t->reattach_cnt++;
		changed++;
		log_info("attached", "target=%s probes=%d pid=%d", log_q(t->path), err, set->pid);
	}
	return changed;
}

void attach_detach_all(struct attach_set *set)
{
	for (int i = 0; i < set->target_cnt; i++) {
		struct attach_target *t = &set->targets[i];

		for (int g = 0; g < t->gen_cnt; g++)
			gen_detach(&t->gen[g]);
		t->gen_cnt = 0;
		t->attached = false;
	}
	free(set->targets);
	set->targets = NULL;
	set->target_cnt = 0;
}

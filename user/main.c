// SPDX-License-Identifier: BSD-2-Clause
/*
 * agentidp-observer: USDT probes of an agentidp IdP, aggregated in BPF maps,
 * served as Prometheus metrics.
 *
 * Exit codes (README.md): 0 after SIGINT/SIGTERM, 2 for a usage error, 1 for
 * anything else; each failure with a one-line reason on stderr.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attach.h"
#include "bpffs.h"
#include "cli.h"
#include "http.h"
#include "loader.h"
#include "log.h"
#include "observer.skel.h"
#include "scrape.h"
#include "usdt_notes.h"
#include "watch.h"

#define EXIT_USAGE 2

static int list_probes(const char *path)
{
	struct usdt_probe_list probes;
	int err = usdt_notes_read(path, AGENTIDP_PROVIDER, &probes);

	if (err) {
		fprintf(stderr, "agentidp-observer: --list-probes %s: %s\n", path,
			usdt_notes_strerror(err));
		return EXIT_USAGE;
	}
	usdt_notes_print(stdout, path, &probes);
	return probes.cnt ? 0 : 1;
}

/*
 * Refuse early, with a reason a user can act on, what would otherwise fail
 * deep inside libbpf: a target that is missing or carries no probes (usage
 * errors), or a caller that cannot load BPF.
 */
/*
 * Make every target path absolute and canonical (libbpf resolves relative
 * paths through its own search, not the working directory; labels and logs
 * show one spelling) and refuse two targets that are the same file, by
 * path or through a link: attached twice, every event would be counted
 * twice. The directory is resolved, the file name is kept, so that a
 * symbolic link re-pointed by an upgrade is still followed.
 */
static int targets_prepare(struct cli_opts *o)
{
	static char abs[CLI_MAX_TARGETS][PATH_MAX];
	struct stat st[CLI_MAX_TARGETS];

	for (int i = 0; i < o->target_cnt; i++) {
		const char *t = o->targets[i];
		char dir[PATH_MAX], base[PATH_MAX], real[PATH_MAX];

		snprintf(dir, sizeof(dir), "%s", t);
		snprintf(base, sizeof(base), "%s", t);
		if (!realpath(dirname(dir), real) ||
		    snprintf(abs[i], sizeof(abs[i]), "%s/%s", strcmp(real, "/") ? real : "",
			     basename(base)) >= (int)sizeof(abs[i]) ||
		    stat(abs[i], &st[i])) {
			fprintf(stderr, "agentidp-observer: --target %s: %s\n", t, strerror(errno));
			return EXIT_USAGE;
		}
		o->targets[i] = abs[i];
		for (int j = 0; j < i; j++) {
			if (st[j].st_dev == st[i].st_dev && st[j].st_ino == st[i].st_ino) {
				fprintf(stderr,
					"agentidp-observer: --target %s and --target %s are the same file; give it once\n",
					o->targets[j], o->targets[i]);
				return EXIT_USAGE;
			}
		}
	}
	return 0;
}

static int preflight(struct cli_opts *o)
{
	int rc = targets_prepare(o);

	if (rc)
		return rc;
	for (int i = 0; i < o->target_cnt; i++) {
		struct usdt_probe_list probes;
		int err = usdt_notes_read(o->targets[i], AGENTIDP_PROVIDER, &probes);

		if (err) {
			fprintf(stderr, "agentidp-observer: --target %s: %s\n", o->targets[i],
				usdt_notes_strerror(err));
			return EXIT_USAGE;
		}
		if (probes.cnt == 0) {
			fprintf(stderr,
				"agentidp-observer: --target %s has no agentidp probes (build it with <agentidp/probes.h>)\n",
				o->targets[i]);
			return EXIT_USAGE;
		}
	}
	if (http_listen_check(o->listen)) {
		fprintf(stderr,
			"agentidp-observer: --web.listen-address '%s' is not HOST:PORT with a numeric port\n",
			o->listen);
		return EXIT_USAGE;
	}
	if (o->pid && kill(o->pid, 0) && errno == ESRCH) {
		fprintf(stderr, "agentidp-observer: --pid %d: no such process\n", o->pid);
		return EXIT_USAGE;
	}
	if (geteuid() != 0) {
		fprintf(stderr,
			"agentidp-observer: must run as root (loading BPF and creating uprobes needs CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN)\n");
		return EXIT_FAILURE;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		fprintf(stderr,
			"agentidp-observer: this kernel has no BTF (/sys/kernel/btf/vmlinux); BPF CO-RE is required\n");
		return EXIT_FAILURE;
	}
	return 0;
}

/*
 * Each HTTP connection is a descriptor; the soft limit is often 1024. Raise
 * it to the hard limit so that many idle clients cannot use up the slots a
 * scrape needs (epoll has no FD_SETSIZE ceiling).
 */
static void fd_limit_raise(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			log_warn("cannot raise the descriptor limit", "err=\"%s\"",
				 strerror(errno));
	}
}

static int http_render(void *ctx, struct strbuf *out)
{
	return scrape_render(ctx, out);
}

/* Block the signals we wait for, so that only the signalfd sees them. */
static void signals_block(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int run(const struct cli_opts *o)
{
	struct scrape_ctx sctx = { 0 };
	struct http_server *srv = NULL;
	struct target_watch *watch;
	struct attach_set targets;
	enum watch_event ev;
	struct loader ld;
	int sig = 0, err;
	sigset_t sigs;

	/* Threads started from here on (HTTP) inherit the blocked signals. */
	signals_block(&sigs);
	log_route_libbpf();

	/* 1. A BPF filesystem and a pin directory for this observer alone. */
	if (bpffs_prepare(o->bpffs_path) || bpffs_lock(o->bpffs_path))
		return EXIT_FAILURE;

	/* 2. The BPF program and the pinned maps (new, or reused from a previous run). */
	if (loader_open(&ld, o->bpffs_path, o->series_limit))
		return EXIT_FAILURE;

	/* 3. Watch the targets' directories first, so no replacement goes unseen. */
	watch = watch_new(o->targets, o->target_cnt, &sigs);
	if (!watch) {
		log_error("cannot wait for signals", "err=\"%s\"", strerror(errno));
		loader_close(&ld);
		return EXIT_FAILURE;
	}

	/* 4. Every agentidp probe of every target. */
	err = attach_all(&targets, ld.skel->progs.agentidp_probe, o->pid, o->targets,
			 o->target_cnt);
	if (err) {
		watch_free(watch);
		loader_close(&ld);
		return err == -ENOENT ? EXIT_USAGE : EXIT_FAILURE;
	}

	/* 5. Serve; scrapes run on the HTTP thread. */
	fd_limit_raise();
	sctx.ld = &ld;
	sctx.targets = &targets;
	srv = http_start(o->listen, o->telemetry_path, http_render, &sctx);
	if (!srv) {
		err = errno == EINVAL ? EXIT_USAGE : EXIT_FAILURE;
		attach_detach_all(&targets);
		watch_free(watch);
		loader_close(&ld);
		return err;
	}

	/* 6. Sleep until a stop signal; follow replaced targets meanwhile. */
	while ((ev = watch_wait(watch, &sig)) == WATCH_TARGETS)
		attach_refresh(&targets);
	if (ev == WATCH_ERROR)
		log_error("waiting for signals failed", "err=\"%s\"", strerror(errno));
	else
		log_info("stopping", "signal=%s", sig == SIGINT ? "SIGINT" : "SIGTERM");

	/* 7. Stop serving before the maps go; the pins keep the counts. */
	http_stop(srv);
	attach_detach_all(&targets);
	watch_free(watch);
	loader_close(&ld);
	return ev == WATCH_ERROR ? EXIT_FAILURE : 0;
}

int main(int argc, char **argv)
{
	struct cli_opts opts;
	char err[256];
	int rc;

	if (cli_parse(argc, argv, &opts, err, sizeof(err))) {
		fprintf(stderr, "agentidp-observer: %s\n", err);
		return EXIT_USAGE;
	}
	log_setup(opts.log_level, opts.log_format);

	switch (opts.mode) {
	case CLI_HELP:
		cli_usage(stdout);
		return 0;
	case CLI_VERSION:
		printf("agentidp-observer %s (libbpf %s)\n", OBSERVER_VERSION,
		       libbpf_version_string());
		return 0;
	case CLI_LIST_PROBES:
		return list_probes(opts.list_probes_path);
	case CLI_RUN:
		break;
	}

	rc = preflight(&opts);
	if (rc)
		return rc;
	return run(&opts);
}

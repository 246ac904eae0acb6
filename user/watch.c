// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "log.h"
#include "watch.h"

/* The safety-net check, with and without inotify. */
#define WATCH_SLOW_CHECK_MS (60 * 1000)
#define WATCH_FALLBACK_CHECK_MS 1000

struct target_watch {
	int sig_fd;
	int ino_fd; /* -1 without inotify */
};

struct target_watch *watch_new(const char *const *paths, int cnt, const sigset_t *sigs)
{
	struct target_watch *w = calloc(1, sizeof(*w));
	int err;

	if (!w)
		return NULL;
	w->sig_fd = signalfd(-1, sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (w->sig_fd < 0) {
		err = errno;
		free(w);
		errno = err;
		return NULL;
	}
	w->ino_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (w->ino_fd < 0) {
		log_warn("inotify unavailable; checking targets every second", "err=\"%s\"",
			 strerror(errno));
		return w;
	}
	for (int i = 0; i < cnt; i++) {
		char dir[PATH_MAX];

		snprintf(dir, sizeof(dir), "%s", paths[i]);
		/* Any event in the directory triggers a cheap stat of each target. */
		if (inotify_add_watch(w->ino_fd, dirname(dir),
				      IN_MOVED_TO | IN_CREATE | IN_CLOSE_WRITE | IN_ATTRIB |
					      IN_DELETE_SELF | IN_MOVE_SELF) < 0)
			log_warn("cannot watch a target's directory; relying on the periodic check",
				 "target=%s err=\"%s\"", log_q(paths[i]), strerror(errno));
	}
	return w;
}

/* Read and discard pending inotify events; they only say "look again". */
static void drain(int fd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

enum watch_event watch_wait(struct target_watch *w, int *out_sig)
{
	struct pollfd pfd[2] = {
		{ .fd = w->sig_fd, .events = POLLIN },
		{ .fd = w->ino_fd, .events = POLLIN },
	};
	int timeout = w->ino_fd < 0 ? WATCH_FALLBACK_CHECK_MS : WATCH_SLOW_CHECK_MS;
	struct signalfd_siginfo si;
	int n;

	n = poll(pfd, w->ino_fd < 0 ? 1 : 2, timeout);
	if (n < 0)
		return errno == EINTR ? WATCH_TARGETS : WATCH_ERROR;
	if (pfd[0].revents & POLLIN) {
		if (read(w->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			*out_sig = (int)si.ssi_signo;
			if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM)
				return WATCH_STOP;
		}
		return WATCH_TARGETS; /* SIGHUP: look at the targets again */
	}
	if (w->ino_fd >= 0 && (pfd[1].revents & POLLIN))
		drain(w->ino_fd);
	return WATCH_TARGETS;
}

void watch_free(struct target_watch *w)
{
	if (!w)
		return;
	close(w->sig_fd);
	if (w->ino_fd >= 0)
		close(w->ino_fd);
	free(w);
}

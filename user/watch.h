/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * watch.h - waiting, without polling, for a stop signal or for a change to
 * a target file.
 *
 * The main thread sleeps in poll(2) on a signalfd and an inotify descriptor
 * that watches the directories holding the targets: a package upgrade that
 * renames a new file into place (IN_MOVED_TO), writes one (IN_CLOSE_WRITE)
 * or recreates it (IN_CREATE) wakes it at once. A slow periodic check
 * covers what inotify cannot see (a target reached through a symbolic link
 * whose own target changes); if inotify is unavailable the check runs every
 * second instead.
 */
#ifndef OBSERVER_WATCH_H
#define OBSERVER_WATCH_H

#include <signal.h>

struct target_watch;

enum watch_event { WATCH_STOP, WATCH_TARGETS, WATCH_ERROR };

/*
 * Watch paths[0..cnt) and the signals in sigs (which the caller has
 * blocked in every thread). Returns NULL and sets errno on failure.
 */
struct target_watch *watch_new(const char *const *paths, int cnt, const sigset_t *sigs);

/*
 * Sleep until a stop signal (WATCH_STOP; *out_sig says which), a possible
 * change to a target or the periodic check (WATCH_TARGETS), or an error.
 */
enum watch_event watch_wait(struct target_watch *w, int *out_sig);

void watch_free(struct target_watch *w);

#endif /* OBSERVER_WATCH_H */

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bpffs.h - making sure the pin directory lives on a BPF filesystem.
 */
#ifndef OBSERVER_BPFFS_H
#define OBSERVER_BPFFS_H

/*
 * Prepare dir (e.g. /sys/fs/bpf/agentidp) for pinning: if /sys/fs/bpf is
 * not a BPF filesystem (many hosts boot without one), mount one there, as
 * bpftool does, and log that; then create dir (mode 0700) if missing.
 * A dir outside /sys/fs/bpf must already be on a BPF filesystem, and the
 * root of a BPF filesystem is refused: the maps need a directory of their
 * own.
 * Returns 0 or a negative errno, after logging the reason.
 */
int bpffs_prepare(const char *dir);

/*
 * Take the pin directory for this observer alone: an exclusive flock(2) on
 * the directory, held until the process exits (the kernel drops it then,
 * even after SIGKILL). Two observers on one directory would both attach
 * and count every event twice. Returns 0, or -EBUSY (logged) if another
 * observer holds it.
 */
int bpffs_lock(const char *dir);

#endif /* OBSERVER_BPFFS_H */

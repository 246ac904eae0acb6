// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/file.h>
#include <unistd.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "bpffs.h"
#include "log.h"

#define BPFFS_DEFAULT_MOUNT "/sys/fs/bpf"

static int is_bpffs(const char *path)
{
	struct statfs st;

	if (statfs(path, &st))
		return -errno;
	return st.f_type == BPF_FS_MAGIC;
}

/* mkdir -p, each new component mode 0700. */
static int mkdir_p(const char *dir)
{
	char buf[PATH_MAX];
	size_t len = strlen(dir);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, dir, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

/* Is dir the root of its filesystem (a mount point)? */
static bool is_mount_root(const char *dir)
{
	char parent[PATH_MAX];
	struct stat a, b;

	if (snprintf(parent, sizeof(parent), "%s/..", dir) >= (int)sizeof(parent))
		return false;
	if (stat(dir, &a) || stat(parent, &b))
		return false;
	return a.st_dev != b.st_dev || a.st_ino == b.st_ino;
}

static int mount_default(void)
{
	int err;

	if (mkdir(BPFFS_DEFAULT_MOUNT, 0755) && errno != EEXIST)
		return -errno;
	if (mount("bpf", BPFFS_DEFAULT_MOUNT, "bpf", 0, "mode=0700")) {
		err = -errno;
		log_error("cannot mount a BPF filesystem", "path=%s err=\"%s\"",
			  BPFFS_DEFAULT_MOUNT, strerror(-err));
		return err;
	}
	log_info("mounted a BPF filesystem", "path=%s", BPFFS_DEFAULT_MOUNT);
	return 0;
}

int bpffs_prepare(const char *dir)
{
	size_t n = strlen(BPFFS_DEFAULT_MOUNT);
	int err, ok;

	if (strncmp(dir, BPFFS_DEFAULT_MOUNT, n) == 0 && (dir[n] == '/' || !dir[n]) &&
	    is_bpffs(BPFFS_DEFAULT_MOUNT) != 1) {
		err = mount_default();
		if (err)
			return err;
	}
	err = mkdir_p(dir);
	if (err) {
		log_error("cannot create the pin directory", "path=%s err=\"%s\"", log_q(dir),
			  strerror(-err));
		return err;
	}
	ok = is_bpffs(dir);
	if (ok != 1) {
		log_error("pin directory is not on a BPF filesystem", "path=%s", log_q(dir));
		return -ENOTDIR;
	}
	if (is_mount_root(dir)) {
		log_error(
			"pin directory is the root of a BPF filesystem; give the maps a directory of their own",
			"path=%s", log_q(dir));
		return -EINVAL;
	}
	return 0;
}

int bpffs_lock(const char *dir)
{
	/* Deliberately never closed: the lock lives as long as the process. */
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		log_error("cannot open the pin directory", "path=%s err=\"%s\"", log_q(dir),
			  strerror(errno));
		return -errno;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int err = errno;

		close(fd);
		if (err == EWOULDBLOCK) {
			log_error(
				"another observer is using this pin directory; give each observer its own --bpffs.path",
				"path=%s", log_q(dir));
			return -EBUSY;
		}
		log_error("cannot lock the pin directory", "path=%s err=\"%s\"", log_q(dir),
			  strerror(err));
		return -err;
	}
	return 0;
}

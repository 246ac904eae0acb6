// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
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
		log_error("cannot create the pin directory", "path=%s err=\"%s\"", dir,
			  strerror(-err));
		return err;
	}
	ok = is_bpffs(dir);
	if (ok != 1) {
		log_error("pin directory is not on a BPF filesystem", "path=%s", dir);
		return -ENOTDIR;
	}
	return 0;
}

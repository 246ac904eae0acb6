// SPDX-License-Identifier: BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "exposition.h"
#include "process_metrics.h"

struct proc_self {
	double cpu_s;
	double start_time_s;
	unsigned long long vsize;
	unsigned long long rss_bytes;
	unsigned long long open_fds;
	unsigned long long max_fds;
};

/* utime, stime, starttime, vsize and rss from /proc/self/stat. */
static int read_stat(struct proc_self *p)
{
	unsigned long long utime, stime, start, vsize, rss;
	long ticks = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	char buf[1024];
	const char *s;
	struct timespec boot_rt, mono;
	ssize_t n;
	int fd;

	fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	s = strrchr(buf, ')');
	if (!s)
		return -EIO;
	/* Fields 3.. after the command name: state is field 3. */
	if (sscanf(s + 2,
		   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %llu %llu %llu",
		   &utime, &stime, &start, &vsize, &rss) != 5)
		return -EIO;
	p->cpu_s = (double)(utime + stime) / (double)ticks;
	p->vsize = vsize;
	p->rss_bytes = rss * (unsigned long long)page;
	/* Start time: boot time (realtime minus boottime clock) plus start ticks. */
	clock_gettime(CLOCK_REALTIME, &boot_rt);
	clock_gettime(CLOCK_BOOTTIME, &mono);
	p->start_time_s = (double)(boot_rt.tv_sec - mono.tv_sec) +
			  (double)(boot_rt.tv_nsec - mono.tv_nsec) / 1e9 +
			  (double)start / (double)ticks;
	return 0;
}

static void read_fds(struct proc_self *p)
{
	struct rlimit rl;
	struct dirent *de;
	DIR *d = opendir("/proc/self/fd");

	p->open_fds = 0;
	if (d) {
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				p->open_fds++;
		closedir(d);
		p->open_fds--; /* the directory stream's own descriptor */
	}
	p->max_fds = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? (unsigned long long)rl.rlim_cur : 0;
}

static void gauge_f64(struct strbuf *out, const char *name, const char *help, enum expo_type type,
		      double v)
{
	struct expo_family f;

	expo_family_init(&f, name, help, type, EXPO_F64);
	expo_add_f64(&f, "", 0, v);
	expo_render(out, &f);
	expo_family_free(&f);
}

int process_metrics_render(struct strbuf *out)
{
	struct proc_self p;
	int err;

	memset(&p, 0, sizeof(p));
	err = read_stat(&p);
	if (err)
		return err;
	read_fds(&p);
	gauge_f64(out, "process_cpu_seconds_total",
		  "Total user and system CPU time spent in seconds.", EXPO_COUNTER, p.cpu_s);
	gauge_f64(out, "process_max_fds", "Maximum number of open file descriptors.", EXPO_GAUGE,
		  (double)p.max_fds);
	gauge_f64(out, "process_open_fds", "Number of open file descriptors.", EXPO_GAUGE,
		  (double)p.open_fds);
	gauge_f64(out, "process_resident_memory_bytes", "Resident memory size in bytes.",
		  EXPO_GAUGE, (double)p.rss_bytes);
	gauge_f64(out, "process_start_time_seconds",
		  "Start time of the process since unix epoch in seconds.", EXPO_GAUGE,
		  p.start_time_s);
	gauge_f64(out, "process_virtual_memory_bytes", "Virtual memory size in bytes.", EXPO_GAUGE,
		  (double)p.vsize);
	return strbuf_error(out);
}

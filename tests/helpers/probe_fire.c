// SPDX-License-Identifier: BSD-2-Clause
/*
 * probe-fire: the test IdP. It includes <agentidp/probes.h> like a real IdP
 * and fires one probe on command, as often and from as many threads as the
 * tests ask, so that each test knows exactly how many events it produced.
 *
 *   probe-fire [--threads T] [--count N] [--wait-attach] [--hold] PROBE ARG...
 *
 *   PROBE           rate_limit_hit ENDPOINT TENANT | billing_limit_rejection
 *                   TENANT TYPE | tenant_api_call TENANT | db_pool_state
 *                   ACTIVE WAITING MAX
 *   string ARGs     taken as given, except: @null (a NULL pointer), @unmapped
 *                   (a pointer into an unmapped page), @hex:HEX (raw bytes,
 *                   e.g. @hex:ff41 for "\xffA"), @repeat:N:C (C repeated N times),
 *                   @seq:PREFIX (PREFIX followed by the event's number, distinct
 *                   across all threads: a flood of new label values)
 *   --threads T     fire from T threads at once (default 1)
 *   --count N       fire N times per thread (default 1)
 *   --wait-attach   first wait (up to 10 s) until the probe's semaphore shows
 *                   an observer attached; exit 3 if it never does
 *   --wait-file F   first wait (up to 30 s) until file F exists; exit 3 if
 *                   it never does (lets a test start the process before the
 *                   observer and fire only once the observer is serving)
 *   --hold          after firing, print "held" and sleep until killed
 *
 * Prints "fired TOTAL" when done.
 */
#define AGENTIDP_PROBES_DEFINE_SEMAPHORES
#include <agentidp/probes.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

enum probe { RATE_LIMIT_HIT, BILLING_LIMIT_REJECTION, TENANT_API_CALL, DB_POOL_STATE };

struct job {
	enum probe probe;
	const char *s[2];
	const char *seq_prefix[2]; /* non-NULL: @seq:PREFIX for that argument */
	int32_t v[3];
	unsigned long count;
	unsigned long first; /* number of this thread's first event */
};

static void die(const char *msg)
{
	fprintf(stderr, "probe-fire: %s\n", msg);
	exit(2);
}

static const char *unmapped_ptr(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, (size_t)page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap failed");
	munmap(p, (size_t)page);
	return p;
}

static const char *decode_arg(const char *a)
{
	if (strcmp(a, "@null") == 0)
		return NULL;
	if (strcmp(a, "@unmapped") == 0)
		return unmapped_ptr();
	if (strncmp(a, "@hex:", 5) == 0) {
		size_t n = strlen(a + 5) / 2;
		char *out = calloc(n + 1, 1);

		for (size_t i = 0; out && i < n; i++) {
			unsigned int byte;

			if (sscanf(a + 5 + 2 * i, "%2x", &byte) != 1 || byte == 0)
				die("bad @hex: argument");
			out[i] = (char)byte;
		}
		return out;
	}
	if (strncmp(a, "@repeat:", 8) == 0) {
		char *end;
		unsigned long n = strtoul(a + 8, &end, 10);
		char *out;

		if (*end != ':' || !end[1] || n > 1 << 20)
			die("bad @repeat: argument");
		out = malloc(n + 1);
		if (!out)
			die("out of memory");
		memset(out, end[1], n);
		out[n] = '\0';
		return out;
	}
	return a;
}

static void *fire(void *arg)
{
	const struct job *j = arg;
	char seq[2][96];
	const char *s[2] = { j->s[0], j->s[1] };

	for (unsigned long i = 0; i < j->count; i++) {
		for (int a = 0; a < 2; a++) {
			if (!j->seq_prefix[a])
				continue;
			snprintf(seq[a], sizeof(seq[a]), "%s%lu", j->seq_prefix[a], j->first + i);
			s[a] = seq[a];
		}
		switch (j->probe) {
		case RATE_LIMIT_HIT:
			AGENTIDP_RATE_LIMIT_HIT(s[0], s[1]);
			break;
		case BILLING_LIMIT_REJECTION:
			AGENTIDP_BILLING_LIMIT_REJECTION(s[0], s[1]);
			break;
		case TENANT_API_CALL:
			AGENTIDP_TENANT_API_CALL(s[0]);
			break;
		case DB_POOL_STATE:
			AGENTIDP_DB_POOL_STATE(j->v[0], j->v[1], j->v[2]);
			break;
		}
	}
	return NULL;
}

static int enabled(enum probe p)
{
	switch (p) {
	case RATE_LIMIT_HIT:
		return AGENTIDP_RATE_LIMIT_HIT_ENABLED();
	case BILLING_LIMIT_REJECTION:
		return AGENTIDP_BILLING_LIMIT_REJECTION_ENABLED();
	case TENANT_API_CALL:
		return AGENTIDP_TENANT_API_CALL_ENABLED();
	case DB_POOL_STATE:
		return AGENTIDP_DB_POOL_STATE_ENABLED();
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long threads = 1;
	int wait_attach = 0, hold = 0, i = 1, nargs;
	const char *wait_file = NULL;
	struct job job = { .count = 1 };
	pthread_t *tids;
	struct job *jobs;

	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
			threads = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
			job.count = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--wait-attach") == 0)
			wait_attach = 1;
		else if (strcmp(argv[i], "--wait-file") == 0 && i + 1 < argc)
			wait_file = argv[++i];
		else if (strcmp(argv[i], "--hold") == 0)
			hold = 1;
		else
			die("unknown flag");
	}
	if (i >= argc || threads == 0 || threads > 1024)
		die("usage: probe-fire [--threads T] [--count N] [--wait-attach] [--hold] PROBE ARG...");
	if (strcmp(argv[i], "rate_limit_hit") == 0)
		job.probe = RATE_LIMIT_HIT, nargs = 2;
	else if (strcmp(argv[i], "billing_limit_rejection") == 0)
		job.probe = BILLING_LIMIT_REJECTION, nargs = 2;
	else if (strcmp(argv[i], "tenant_api_call") == 0)
		job.probe = TENANT_API_CALL, nargs = 1;
	else if (strcmp(argv[i], "db_pool_state") == 0)
		job.probe = DB_POOL_STATE, nargs = 3;
	else
		die("unknown probe");
	if (argc - i - 1 != nargs)
		die("wrong number of probe arguments");
	for (int a = 0; a < nargs; a++) {
		const char *arg = argv[i + 1 + a];

		if (job.probe == DB_POOL_STATE)
			job.v[a] = (int32_t)strtol(arg, NULL, 10);
		else if (strncmp(arg, "@seq:", 5) == 0)
			job.seq_prefix[a] = arg + 5;
		else
			job.s[a] = decode_arg(arg);
	}

	if (wait_file) {
		struct timespec step = { .tv_nsec = 10 * 1000 * 1000 };
		int tries = 3000;

		while (access(wait_file, F_OK) && tries--)
			nanosleep(&step, NULL);
		if (access(wait_file, F_OK)) {
			fprintf(stderr, "probe-fire: %s did not appear in 30 s\n", wait_file);
			return 3;
		}
	}
	if (wait_attach) {
		struct timespec step = { .tv_nsec = 10 * 1000 * 1000 };
		int tries = 1000;

		while (!enabled(job.probe) && tries--)
			nanosleep(&step, NULL);
		if (!enabled(job.probe)) {
			fprintf(stderr, "probe-fire: no observer attached after 10 s\n");
			return 3;
		}
	}

	tids = calloc(threads, sizeof(*tids));
	jobs = calloc(threads, sizeof(*jobs));
	if (!tids || !jobs)
		die("out of memory");
	for (unsigned long t = 0; t < threads; t++) {
		jobs[t] = job;
		jobs[t].first = t * job.count;
		if (pthread_create(&tids[t], NULL, fire, &jobs[t]))
			die("pthread_create failed");
	}
	for (unsigned long t = 0; t < threads; t++)
		pthread_join(tids[t], NULL);
	printf("fired %lu\n", threads * job.count);
	fflush(stdout);
	if (hold) {
		printf("held\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	return 0;
}

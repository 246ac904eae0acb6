// SPDX-License-Identifier: BSD-2-Clause
/*
 * probe-loop: the benchmark IdP. It includes <agentidp/probes.h> exactly as
 * an IdP does and times the probes in tight loops.
 *
 *   probe-loop loop [--hits N] [--reps R] [--wait-attach] KIND...
 *   probe-loop fill [--wait-attach] FROM TO
 *
 * KIND is str1 (tenant_api_call, one string), str2 (rate_limit_hit, two
 * strings) or int3 (db_pool_state, three integers).
 *
 * loop: for each repetition and each KIND, times N iterations of a loop
 * that computes the same arguments but fires no probe ("none"), then N
 * iterations of the same loop with the probe ("probe"), back to back, with
 * CLOCK_MONOTONIC. One line per repetition and kind:
 *
 *   rep KIND NONE_NS PROBE_NS      (nanoseconds per iteration)
 *
 * The difference is the probe's cost per hit; pairing the two loops inside
 * one repetition keeps a slow moment of the machine from landing on one
 * side only.
 *
 * fill: fires tenant_api_call once for each tenant id FROM..TO-1, each a
 * distinct UUID-shaped string of 36 bytes, so that the observer holds
 * TO-FROM new series. Prints "filled N".
 *
 * --wait-attach waits (up to 20 s) until every probe used has its semaphore
 * raised, and exits 3 if it is not.
 */
#define AGENTIDP_PROBES_DEFINE_SEMAPHORES
#include <agentidp/probes.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum kind { STR1, STR2, INT3, KIND_CNT };

static const char *const kind_names[KIND_CNT] = { "str1", "str2", "int3" };

/* Keep a value alive in a register without emitting any instruction. */
#define KEEP(x) __asm__ volatile("" : : "r"(x) : "memory")

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/*
 * The label values change with the iteration the way a real IdP's would,
 * but stay within a few existing series: the steady state of a counter is
 * an update of a key that is already in the map.
 */
static const char *const tenants[4] = { "acme", "globex", "initech", "umbrella" };

static double run_none(enum kind k, unsigned long n)
{
	double t0 = now_ns();

	for (unsigned long i = 0; i < n; i++) {
		switch (k) {
		case STR1:
			KEEP(tenants[i & 3]);
			break;
		case STR2:
			KEEP("/v1/usage");
			KEEP(tenants[i & 3]);
			break;
		default:
			KEEP((int32_t)(i & 15));
			KEEP((int32_t)(i & 1));
			KEEP((int32_t)20);
			break;
		}
	}
	return (now_ns() - t0) / (double)n;
}

/* The switch is outside the loops so each loop holds one probe site. */
static double run_probe(enum kind k, unsigned long n)
{
	double t0 = now_ns();
	unsigned long i;

	switch (k) {
	case STR1:
		for (i = 0; i < n; i++) {
			AGENTIDP_TENANT_API_CALL(tenants[i & 3]);
			KEEP(i);
		}
		break;
	case STR2:
		for (i = 0; i < n; i++) {
			AGENTIDP_RATE_LIMIT_HIT("/v1/usage", tenants[i & 3]);
			KEEP(i);
		}
		break;
	default:
		for (i = 0; i < n; i++) {
			AGENTIDP_DB_POOL_STATE(i & 15, i & 1, 20);
			KEEP(i);
		}
		break;
	}
	return (now_ns() - t0) / (double)n;
}

static int enabled(enum kind k)
{
	switch (k) {
	case STR1:
		return AGENTIDP_TENANT_API_CALL_ENABLED();
	case STR2:
		return AGENTIDP_RATE_LIMIT_HIT_ENABLED();
	default:
		return AGENTIDP_DB_POOL_STATE_ENABLED();
	}
}

static int wait_attach(const int *use)
{
	struct timespec step = { .tv_nsec = 10 * 1000 * 1000 };

	for (int tries = 0; tries < 2000; tries++) {
		int all = 1;

		for (int k = 0; k < KIND_CNT; k++)
			if (use[k] && !enabled(k))
				all = 0;
		if (all)
			return 0;
		nanosleep(&step, NULL);
	}
	fprintf(stderr, "probe-loop: no tracer attached after 20 s\n");
	return 3;
}

static void usage(void)
{
	fprintf(stderr, "usage: probe-loop loop [--hits N] [--reps R] [--wait-attach] KIND...\n"
			"       probe-loop fill [--wait-attach] FROM TO\n");
	exit(2);
}

static int cmd_loop(int argc, char **argv)
{
	unsigned long hits = 1000000, reps = 5;
	int use[KIND_CNT] = { 0 }, order[KIND_CNT], cnt = 0, wait = 0, i;

	for (i = 0; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--hits") == 0 && i + 1 < argc)
			hits = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
			reps = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--wait-attach") == 0)
			wait = 1;
		else
			usage();
	}
	for (; i < argc; i++) {
		int k;

		for (k = 0; k < KIND_CNT && strcmp(argv[i], kind_names[k]); k++)
			;
		if (k == KIND_CNT || use[k])
			usage();
		use[k] = 1;
		order[cnt++] = k;
	}
	if (!cnt || !hits || !reps)
		usage();
	if (wait && wait_attach(use))
		return 3;

	/* One untimed pass warms caches, the branch predictor and the maps. */
	for (int j = 0; j < cnt; j++)
		run_probe(order[j], hits / 10 + 1);
	for (unsigned long r = 0; r < reps; r++) {
		for (int j = 0; j < cnt; j++) {
			double none = run_none(order[j], hits);
			double probe = run_probe(order[j], hits);

			printf("rep %s %.3f %.3f\n", kind_names[order[j]], none, probe);
		}
	}
	return 0;
}

static int cmd_fill(int argc, char **argv)
{
	int use[KIND_CNT] = { [STR1] = 1 }, wait = 0, i = 0;
	unsigned long from, to;
	char id[40];

	if (i < argc && strcmp(argv[i], "--wait-attach") == 0) {
		wait = 1;
		i++;
	}
	if (argc - i != 2)
		usage();
	from = strtoul(argv[i], NULL, 10);
	to = strtoul(argv[i + 1], NULL, 10);
	if (wait && wait_attach(use))
		return 3;
	for (unsigned long t = from; t < to; t++) {
		/* UUID-shaped, distinct per t: 8-4-4-4-12 hex digits. */
		unsigned long h = (t * 2654435761UL) & 0xffffffffUL;

		snprintf(id, sizeof(id), "%08lx-%04lx-4%03lx-8%03lx-%012lx", h, t & 0xffff,
			 (t >> 4) & 0xfff, (h >> 8) & 0xfff, t);
		AGENTIDP_TENANT_API_CALL(id);
	}
	printf("filled %lu\n", to > from ? to - from : 0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(argv[1], "loop") == 0)
		return cmd_loop(argc - 2, argv + 2);
	if (strcmp(argv[1], "fill") == 0)
		return cmd_fill(argc - 2, argv + 2);
	usage();
	return 2;
}

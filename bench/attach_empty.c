// SPDX-License-Identifier: BSD-2-Clause
/*
 * attach-empty: attaches the first program of a BPF object (empty.bpf.o,
 * the bare-trap floor, or minimal.bpf.o) to every agentidp probe of one
 * binary, for all processes running it, the way the observer attaches
 * (libbpf USDT, semaphores raised by the kernel), then waits for SIGINT or
 * SIGTERM and detaches.
 *
 *   attach-empty BPF_O BINARY
 *
 * Prints "ready prog_id=ID probes=N" once attached. A probe the binary does
 * not carry is skipped; none at all is an error (exit 1).
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const probes[] = {
	"rate_limit_hit", "billing_limit_rejection", "tenant_api_call", "db_pool_state",
};
#define PROBE_CNT (sizeof(probes) / sizeof(probes[0]))

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

int main(int argc, char **argv)
{
	struct bpf_link *links[PROBE_CNT] = { 0 };
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	struct bpf_program *prog;
	struct bpf_object *obj;
	sigset_t sigs;
	int n = 0, err, sig;

	if (argc != 3) {
		fprintf(stderr, "usage: attach-empty BPF_O BINARY\n");
		return 2;
	}
	libbpf_set_print(quiet);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigprocmask(SIG_BLOCK, &sigs, NULL);

	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "attach-empty: cannot open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	err = bpf_object__load(obj);
	prog = bpf_object__next_program(obj, NULL);
	if (err || !prog) {
		fprintf(stderr, "attach-empty: cannot load %s: %s\n", argv[1],
			strerror(err ? -err : ENOENT));
		bpf_object__close(obj);
		return 1;
	}
	for (size_t i = 0; i < PROBE_CNT; i++) {
		links[i] = bpf_program__attach_usdt(prog, -1, argv[2], "agentidp", probes[i],
						    NULL);
		if (links[i])
			n++;
	}
	if (!n) {
		fprintf(stderr, "attach-empty: no agentidp probe attached in %s\n", argv[2]);
		bpf_object__close(obj);
		return 1;
	}
	memset(&info, 0, sizeof(info));
	bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len);
	printf("ready prog_id=%u probes=%d\n", info.id, n);
	fflush(stdout);

	sigwait(&sigs, &sig);
	for (size_t i = 0; i < PROBE_CNT; i++)
		bpf_link__destroy(links[i]);
	bpf_object__close(obj);
	return 0;
}

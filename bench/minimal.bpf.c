// SPDX-License-Identifier: BSD-2-Clause
/*
 * minimal.bpf.c - the least BPF that does the one-string aggregation: read
 * the first USDT argument as a string of at most 63 bytes into a zeroed
 * 64-byte key and add 1 to that key's per-CPU count. No accounting, no
 * series limit, no UTF-8 care: it is not a usable observer, it is the lower
 * bound of what any exact per-label counter pays on top of the bare trap,
 * measured in the same run as the observer and bpftrace (BENCHMARKS.md).
 * Only meaningful on one-string probes.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/usdt.bpf.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1024);
	__type(key, char[64]);
	__type(value, __u64);
} minimal_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[64]);
} minimal_key SEC(".maps");

SEC("usdt")
int agentidp_bench_minimal(struct pt_regs *ctx)
{
	__u64 one = 1, *val;
	__u32 zero = 0;
	long ptr = 0;
	char *key;

	key = bpf_map_lookup_elem(&minimal_key, &zero);
	if (!key || bpf_usdt_arg(ctx, 0, &ptr))
		return 0;
	__builtin_memset(key, 0, 64);
	bpf_probe_read_user_str(key, 64, (const void *)ptr);
	val = bpf_map_lookup_elem(&minimal_counts, key);
	if (val)
		*val += 1;
	else
		bpf_map_update_elem(&minimal_counts, key, &one, BPF_NOEXIST);
	return 0;
}

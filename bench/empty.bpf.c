// SPDX-License-Identifier: BSD-2-Clause
/*
 * empty.bpf.c - the floor of the probe benchmark: a USDT program that does
 * nothing. Attached to an agentidp probe it costs the uprobe trap, the
 * libbpf USDT dispatch and one BPF program run, and nothing of the
 * observer's work; the observer's cost per hit is compared against it.
 *
 * <bpf/usdt.bpf.h> is included only for the maps libbpf's USDT attach
 * needs (it refuses an object without them); the program reads no argument.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/usdt.bpf.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("usdt")
int agentidp_bench_empty(struct pt_regs *ctx)
{
	return 0;
}

// SPDX-License-Identifier: BSD-2-Clause
/*
 * observer.bpf.c - the one generic program behind every agentidp probe.
 *
 * Userspace attaches agentidp_probe to each probe of the rule table with a
 * USDT cookie naming the rule, its kind and its argument count
 * (observer/rules.h). The program never needs to know which metric it feeds:
 *
 *   COUNTER  read up to two string arguments into a zeroed key, add 1 to the
 *            key's per-CPU slot (exact without atomics: uprobe programs run
 *            with preemption off, one at a time per CPU). New keys are
 *            admitted up to the rule's series limit; past it, or if the map
 *            refuses, the event goes to the rule's overflow series.
 *   GAUGE    read up to three integer arguments and store them, with the
 *            process's start time, under (rule, tgid).
 *
 * Whatever happens, each event is counted in the stats map, so that nothing
 * fired is ever lost without a self-metric saying why.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/usdt.bpf.h>

#include "usdt_args.bpf.h"

#include "observer/maps.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by the loader before load; admitted series per counter rule. */
const volatile __u64 series_limit = 10000;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1); /* sized by the loader from series_limit */
	__type(key, struct agentidp_counter_key);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, AGENTIDP_RULE_CNT);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} series_count SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, AGENTIDP_GAUGE_ENTRIES);
	__type(key, struct agentidp_gauge_key);
	__type(value, struct agentidp_gauge_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} gauges SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AGENTIDP_STATS_SZ);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct agentidp_meta);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} meta SEC(".maps");

/* The key is too large to build cheaply twice; one scratch slot per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct agentidp_counter_key);
} scratch SEC(".maps");

static __always_inline void stat_add(__u32 rule, __u32 stat)
{
	__u32 idx = rule * AGENTIDP_STAT_CNT + stat;
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		*v += 1;
}

/*
 * Cut a value that did not fit at a UTF-8 character boundary. label holds
 * the first 63 bytes; next is the first byte that was dropped. If next is a
 * continuation byte, the character it belongs to started inside label: drop
 * that character's bytes too, so every string with the same 63-byte prefix
 * cut the same way yields the same key. A character is at most 4 bytes, so
 * its lead byte is at most 3 bytes back.
 */
static __always_inline void label_cut(char *label, __u8 next)
{
	int end = AGENTIDP_LABEL_SZ - 1;

	if ((next & 0xc0) != 0x80)
		return;
#pragma unroll
	for (int i = 0; i < 3; i++) {
		__u8 c = label[end - 1];

		if ((c & 0xc0) == 0x80) {
			end--;
			continue;
		}
		if (c >= 0xc0)
			end--;
		break;
	}
#pragma unroll
	for (int j = AGENTIDP_LABEL_SZ - 4; j < AGENTIDP_LABEL_SZ - 1; j++)
		if (j >= end)
			label[j] = 0;
}

/* Read one string argument into key->label[i]; the slot is already zero. */
static __always_inline void label_read(struct pt_regs *ctx, struct __bpf_usdt_spec *spec,
				       __u32 rule, struct agentidp_counter_key *key, int i)
{
	long ptr = 0;
	long n;
	__u8 next = 0;

	if (usdt_arg_fast(ctx, spec, i, &ptr) || !ptr)
		goto read_error;
	n = bpf_probe_read_user_str(key->label[i], AGENTIDP_LABEL_SZ, (const void *)ptr);
	if (n < 0)
		goto read_error;
	if (n < AGENTIDP_LABEL_SZ)
		return;
	/* 63 bytes read: the value ends there only if the next byte is NUL. */
	if (bpf_probe_read_user(&next, 1, (const char *)ptr + AGENTIDP_LABEL_SZ - 1))
		next = 0;
	if (next) {
		label_cut(key->label[i], next);
		stat_add(rule, AGENTIDP_STAT_TRUNCATED);
	}
	return;

read_error:
	__builtin_memset(key->label[i], 0, AGENTIDP_LABEL_SZ);
	key->state[i] = AGENTIDP_LABEL_READ_ERROR;
	stat_add(rule, AGENTIDP_STAT_READ_ERRORS);
}

static __always_inline void count_overflow(struct agentidp_counter_key *key)
{
	__u64 one = 1, *val;

	__builtin_memset(key->label, 0, sizeof(key->label));
#pragma unroll
	for (int i = 0; i < AGENTIDP_MAX_LABELS; i++)
		key->state[i] = AGENTIDP_LABEL_OVERFLOW;
	stat_add(key->rule, AGENTIDP_STAT_OVERFLOW);

	val = bpf_map_lookup_elem(&counters, key);
	if (val) {
		*val += 1;
		return;
	}
	/* The overflow series is outside the limit; the map has room for it. */
	if (bpf_map_update_elem(&counters, key, &one, BPF_NOEXIST) == 0)
		return;
	val = bpf_map_lookup_elem(&counters, key);
	if (val)
		*val += 1;
	else
		stat_add(key->rule, AGENTIDP_STAT_LOST);
}

/*
 * Admit a new series if the rule is under its limit. The slot is reserved
 * before the insert and given back if the insert does not happen, so the
 * count never exceeds the limit even with every CPU racing.
 */
static __always_inline int series_admit(struct agentidp_counter_key *key)
{
	__u32 rule = key->rule;
	__u64 one = 1, *cnt;
	long err;

	cnt = bpf_map_lookup_elem(&series_count, &rule);
	if (!cnt)
		return -1;
	if (__sync_fetch_and_add(cnt, 1) >= series_limit) {
		__sync_fetch_and_add(cnt, -1);
		return -1;
	}
	err = bpf_map_update_elem(&counters, key, &one, BPF_NOEXIST);
	if (err == 0)
		return 0;
	__sync_fetch_and_add(cnt, -1);
	if (err == -17 /* EEXIST: another CPU inserted it first */) {
		__u64 *val = bpf_map_lookup_elem(&counters, key);

		if (val) {
			*val += 1;
			return 0;
		}
	}
	return -1;
}

static __always_inline int count_event(struct pt_regs *ctx, struct __bpf_usdt_spec *spec,
				       __u32 rule, __u32 nargs)
{
	struct agentidp_counter_key *key;
	__u32 zero = 0;
	__u64 *val;

	key = bpf_map_lookup_elem(&scratch, &zero);
	if (!key)
		return 0;
	__builtin_memset(key, 0, sizeof(*key));
	key->rule = rule;
#pragma unroll
	for (int i = 0; i < AGENTIDP_MAX_LABELS; i++)
		if (i < nargs)
			label_read(ctx, spec, rule, key, i);

	val = bpf_map_lookup_elem(&counters, key);
	if (val) {
		*val += 1;
		return 0;
	}
	if (series_admit(key))
		count_overflow(key);
	return 0;
}

static __always_inline int record_gauge(struct pt_regs *ctx, struct __bpf_usdt_spec *spec,
					__u32 rule, __u32 nargs)
{
	struct agentidp_gauge_key key = {};
	struct agentidp_gauge_value val = {};
	struct task_struct *task = bpf_get_current_task_btf();
	struct agentidp_gauge_value *cur;

	key.rule = rule;
	key.tgid = bpf_get_current_pid_tgid() >> 32;
#pragma unroll
	for (int i = 0; i < AGENTIDP_MAX_VALUES; i++) {
		long v = 0;

		if (i < nargs && usdt_arg_fast(ctx, spec, i, &v) == 0)
			val.value[i] = v;
	}
	/* A trusted BTF pointer: plain loads, no bpf_probe_read_kernel() calls. */
	val.start_boottime_ns = task->group_leader->start_boottime;
	/*
	 * An existing entry is overwritten in place: an update with BPF_ANY
	 * takes a new element from the free list and swaps it in every time.
	 * The IdP fires this probe under its pool lock, so writers of one
	 * entry do not race each other.
	 */
	cur = bpf_map_lookup_elem(&gauges, &key);
	if (cur) {
		*cur = val;
		return 0;
	}
	if (bpf_map_update_elem(&gauges, &key, &val, BPF_ANY))
		stat_add(rule, AGENTIDP_STAT_LOST);
	return 0;
}

SEC("usdt")
int agentidp_probe(struct pt_regs *ctx)
{
	struct __bpf_usdt_spec *spec = usdt_spec(ctx);
	__u64 cookie;
	__u32 rule, nargs;

	if (!spec)
		return 0;
	cookie = spec->usdt_cookie;
	rule = AGENTIDP_COOKIE_RULE(cookie);
	nargs = AGENTIDP_COOKIE_NARGS(cookie);
	if (rule >= AGENTIDP_RULE_CNT)
		return 0;
	stat_add(rule, AGENTIDP_STAT_EVENTS);
	switch (AGENTIDP_COOKIE_KIND(cookie)) {
	case AGENTIDP_KIND_COUNTER:
		return count_event(ctx, spec, rule, nargs);
	case AGENTIDP_KIND_GAUGE:
		return record_gauge(ctx, spec, rule, nargs);
	}
	return 0;
}

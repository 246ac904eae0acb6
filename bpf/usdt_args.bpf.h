/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * usdt_args.bpf.h - reading USDT arguments faster than bpf_usdt_arg().
 *
 * libbpf's bpf_usdt_arg() looks the probe's spec up again for every
 * argument, and reads a register argument with bpf_probe_read_kernel()
 * because the register's offset in pt_regs is only known at run time. Here
 * the spec is looked up once per event (the cookie comes from it too), and
 * on x86-64 a register is read with a direct context load, one constant
 * offset per case. Other architectures use bpf_usdt_arg() itself.
 *
 * The spec structures are those of the installed <bpf/usdt.bpf.h>, the
 * same header whose inline bpf_usdt_arg() already depends on them, and
 * they match the libbpf that attaches (both come from libbpf-dev).
 */
#ifndef OBSERVER_USDT_ARGS_BPF_H
#define OBSERVER_USDT_ARGS_BPF_H

#include <bpf/usdt.bpf.h>

static __always_inline struct __bpf_usdt_spec *usdt_spec(struct pt_regs *ctx)
{
	int id = __bpf_usdt_spec_id(ctx);

	if (id < 0)
		return NULL;
	return bpf_map_lookup_elem(&__bpf_usdt_specs, &id);
}

#if defined(__TARGET_ARCH_x86)
/* The asm keeps clang from folding the cases into one variable-offset load. */
#define REG_CASE(r)                                                         \
	case offsetof(struct pt_regs, r):                                   \
		asm volatile("%0 = *(u64 *)(%1 + %2)"                       \
			     : "=r"(v)                                      \
			     : "r"(ctx), "i"(offsetof(struct pt_regs, r))); \
		break

static __always_inline int usdt_reg(struct pt_regs *ctx, short off, unsigned long *out)
{
	unsigned long v;

	switch (off) {
		REG_CASE(di);
		REG_CASE(si);
		REG_CASE(dx);
		REG_CASE(cx);
		REG_CASE(r8);
		REG_CASE(r9);
		REG_CASE(ax);
		REG_CASE(bx);
		REG_CASE(bp);
		REG_CASE(r10);
		REG_CASE(r11);
		REG_CASE(r12);
		REG_CASE(r13);
		REG_CASE(r14);
		REG_CASE(r15);
		REG_CASE(sp);
	default:
		if (bpf_probe_read_kernel(&v, sizeof(v), (void *)ctx + off))
			return -1;
	}
	*out = v;
	return 0;
}

static __always_inline int usdt_arg_fast(struct pt_regs *ctx, struct __bpf_usdt_spec *spec, int i,
					 long *res)
{
	struct __bpf_usdt_arg_spec *a;
	unsigned long val;

	*res = 0;
	if (i >= BPF_USDT_MAX_ARG_CNT || i >= spec->arg_cnt)
		return -1;
	a = &spec->args[i];
	switch (a->arg_type) {
	case BPF_USDT_ARG_CONST:
		val = a->val_off;
		break;
	case BPF_USDT_ARG_REG:
		if (usdt_reg(ctx, a->reg_off, &val))
			return -1;
		break;
	case BPF_USDT_ARG_REG_DEREF:
		if (usdt_reg(ctx, a->reg_off, &val) ||
		    bpf_probe_read_user(&val, sizeof(val), (void *)val + a->val_off))
			return -1;
		break;
	default:
		return -1;
	}
	val <<= a->arg_bitshift;
	if (a->arg_signed)
		val = ((long)val) >> a->arg_bitshift;
	else
		val = val >> a->arg_bitshift;
	*res = val;
	return 0;
}

#else
static __always_inline int usdt_arg_fast(struct pt_regs *ctx, struct __bpf_usdt_spec *spec, int i,
					 long *res)
{
	return bpf_usdt_arg(ctx, i, res);
}
#endif

#endif /* OBSERVER_USDT_ARGS_BPF_H */

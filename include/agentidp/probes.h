/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * agentidp/probes.h - the USDT probes an IdP compiles in for agentidp-observer.
 *
 * This header is the whole contract between an IdP and the observer (see
 * "Adding the probes to an IdP" in the observer's README.md). Provider
 * "agentidp", four probes:
 *
 *   AGENTIDP_RATE_LIMIT_HIT(endpoint, tenant_id)          two C strings
 *   AGENTIDP_BILLING_LIMIT_REJECTION(tenant_id, limit_type) two C strings
 *   AGENTIDP_TENANT_API_CALL(tenant_id)                   one C string
 *   AGENTIDP_DB_POOL_STATE(active, waiting, max)          three int32
 *
 * Strings are NUL-terminated UTF-8 that must stay readable until the macro
 * returns. Integers are converted to int32_t at the probe site.
 *
 * Every probe is guarded by a USDT semaphore: the kernel raises it in every
 * process that maps the binary while the observer is attached, so with
 * nothing attached a probe costs one load and one branch, and the argument
 * expressions are not evaluated at all. Each macro therefore evaluates its
 * arguments at most once, and only while someone is watching.
 *
 * Semaphores are defined in exactly one translation unit of the binary (or
 * of the shared library) that fires the probes:
 *
 *   #define AGENTIDP_PROBES_DEFINE_SEMAPHORES
 *   #include <agentidp/probes.h>
 *
 * Every other file just includes the header.
 *
 * Argument operands: libbpf before 1.7 cannot decode memory operands of the
 * base+index*scale form that the default "nor" constraint of <sys/sdt.h> may
 * produce on x86. This header selects the "nr" constraint (a register or a
 * constant), which every libbpf decodes. The choice applies to the whole
 * translation unit, including other providers' probes in it; it only costs a
 * register move at a probe that is enabled.
 *
 * Build with -DAGENTIDP_PROBES_DISABLE to compile every probe out entirely.
 */
#ifndef AGENTIDP_PROBES_H
#define AGENTIDP_PROBES_H

#include <stdint.h>

#ifndef AGENTIDP_PROBES_DISABLE

#if defined(_SDT_H) && !defined(_SDT_HAS_SEMAPHORES)
#error "include <agentidp/probes.h> before <sys/sdt.h>, or define _SDT_HAS_SEMAPHORES: the agentidp probes need semaphores"
#endif

#ifndef _SDT_HAS_SEMAPHORES
#define _SDT_HAS_SEMAPHORES 1
#endif
#undef STAP_SDT_ARG_CONSTRAINT
#define STAP_SDT_ARG_CONSTRAINT nr
#include <sys/sdt.h>

#ifdef __cplusplus
#define AGENTIDP_EXTERN_C extern "C"
#else
#define AGENTIDP_EXTERN_C extern
#endif

/*
 * The semaphores are 16-bit counters the kernel increments in the process's
 * memory (uprobe ref_ctr_offset); the names are fixed by <sys/sdt.h> as
 * provider_probe_semaphore and recorded in each probe's ELF note.
 */
#ifdef AGENTIDP_PROBES_DEFINE_SEMAPHORES
#ifdef __cplusplus
#define AGENTIDP_SEMAPHORE(name)                                               \
	extern "C" volatile unsigned short agentidp_##name##_semaphore;        \
	volatile unsigned short agentidp_##name##_semaphore                    \
		__attribute__((section(".probes"), used)) = 0
#else
#define AGENTIDP_SEMAPHORE(name)                                               \
	volatile unsigned short agentidp_##name##_semaphore                    \
		__attribute__((section(".probes"), used)) = 0
#endif
#else
#define AGENTIDP_SEMAPHORE(name)                                               \
	AGENTIDP_EXTERN_C volatile unsigned short agentidp_##name##_semaphore
#endif

AGENTIDP_SEMAPHORE(rate_limit_hit);
AGENTIDP_SEMAPHORE(billing_limit_rejection);
AGENTIDP_SEMAPHORE(tenant_api_call);
AGENTIDP_SEMAPHORE(db_pool_state);

#define AGENTIDP_PROBE_ENABLED_(name)                                          \
	(__builtin_expect(agentidp_##name##_semaphore != 0, 0))

#define AGENTIDP_RATE_LIMIT_HIT_ENABLED() AGENTIDP_PROBE_ENABLED_(rate_limit_hit)
#define AGENTIDP_BILLING_LIMIT_REJECTION_ENABLED()                             \
	AGENTIDP_PROBE_ENABLED_(billing_limit_rejection)
#define AGENTIDP_TENANT_API_CALL_ENABLED() AGENTIDP_PROBE_ENABLED_(tenant_api_call)
#define AGENTIDP_DB_POOL_STATE_ENABLED() AGENTIDP_PROBE_ENABLED_(db_pool_state)

/*
 * Each argument goes through a typed local first: the note then records the
 * ABI's sizes and signedness (8-byte pointers, signed 4-byte integers)
 * whatever expression the caller passed.
 */
#define AGENTIDP_RATE_LIMIT_HIT(endpoint, tenant_id)                           \
	do {                                                                   \
		if (AGENTIDP_RATE_LIMIT_HIT_ENABLED()) {                       \
			const char *agentidp_a1_ = (endpoint);                 \
			const char *agentidp_a2_ = (tenant_id);                \
			STAP_PROBE2(agentidp, rate_limit_hit, agentidp_a1_,    \
				    agentidp_a2_);                             \
		}                                                              \
	} while (0)

#define AGENTIDP_BILLING_LIMIT_REJECTION(tenant_id, limit_type)                \
	do {                                                                   \
		if (AGENTIDP_BILLING_LIMIT_REJECTION_ENABLED()) {              \
			const char *agentidp_a1_ = (tenant_id);                \
			const char *agentidp_a2_ = (limit_type);               \
			STAP_PROBE2(agentidp, billing_limit_rejection,         \
				    agentidp_a1_, agentidp_a2_);               \
		}                                                              \
	} while (0)

#define AGENTIDP_TENANT_API_CALL(tenant_id)                                    \
	do {                                                                   \
		if (AGENTIDP_TENANT_API_CALL_ENABLED()) {                      \
			const char *agentidp_a1_ = (tenant_id);                \
			STAP_PROBE1(agentidp, tenant_api_call, agentidp_a1_);  \
		}                                                              \
	} while (0)

#define AGENTIDP_DB_POOL_STATE(active, waiting, max)                           \
	do {                                                                   \
		if (AGENTIDP_DB_POOL_STATE_ENABLED()) {                        \
			int32_t agentidp_a1_ = (int32_t)(active);              \
			int32_t agentidp_a2_ = (int32_t)(waiting);             \
			int32_t agentidp_a3_ = (int32_t)(max);                 \
			STAP_PROBE3(agentidp, db_pool_state, agentidp_a1_,     \
				    agentidp_a2_, agentidp_a3_);               \
		}                                                              \
	} while (0)

#else /* AGENTIDP_PROBES_DISABLE */

#define AGENTIDP_RATE_LIMIT_HIT_ENABLED() 0
#define AGENTIDP_BILLING_LIMIT_REJECTION_ENABLED() 0
#define AGENTIDP_TENANT_API_CALL_ENABLED() 0
#define AGENTIDP_DB_POOL_STATE_ENABLED() 0
#define AGENTIDP_RATE_LIMIT_HIT(endpoint, tenant_id) ((void)0)
#define AGENTIDP_BILLING_LIMIT_REJECTION(tenant_id, limit_type) ((void)0)
#define AGENTIDP_TENANT_API_CALL(tenant_id) ((void)0)
#define AGENTIDP_DB_POOL_STATE(active, waiting, max) ((void)0)

#endif /* AGENTIDP_PROBES_DISABLE */
#endif /* AGENTIDP_PROBES_H */

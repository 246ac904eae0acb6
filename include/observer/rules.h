/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rules.h - the one table of metric definitions.
 *
 * Each row is one probe of the agentidp provider and says what the observer
 * makes of it. The table drives both sides:
 *
 *   - userspace attaches one generic BPF program to every probe in the table,
 *     with a USDT cookie (agentidp_cookie()) that carries the row's index,
 *     kind and argument count, so the BPF program needs no table of its own;
 *   - the exposition takes metric names, help texts and label names from it.
 *
 * Adding a metric is adding a row here (and the probe macro in
 * agentidp/probes.h); no BPF code changes.
 *
 * Kinds:
 *   COUNTER  arguments are up to AGENTIDP_MAX_LABELS C strings, used as label
 *            values of one counter family (name0); each event adds 1.
 *   GAUGE    arguments are up to AGENTIDP_MAX_VALUES integers, each the value
 *            of its own gauge family (name0, name1, ...); last value per
 *            process wins, and the exposition shows the sum over live
 *            processes.
 *
 * Row: X(probe, kind, nargs, label0, label1,
 *        name0, help0, name1, help1, name2, help2)
 * Unused slots are NULL (they are never expanded on the BPF side).
 */
#ifndef OBSERVER_RULES_H
#define OBSERVER_RULES_H

#define AGENTIDP_PROVIDER "agentidp"

#define AGENTIDP_KIND_COUNTER 1
#define AGENTIDP_KIND_GAUGE 2

#define AGENTIDP_MAX_LABELS 2
#define AGENTIDP_MAX_VALUES 3

/* clang-format off */
#define AGENTIDP_RULES(X)                                                      \
	X(rate_limit_hit, AGENTIDP_KIND_COUNTER, 2, "endpoint", "tenant_id",   \
	  "agentidp_rate_limit_hits_total",                                     \
	  "Requests rejected with HTTP 429 by the rate limiter, by route and tenant.", \
	  NULL, NULL, NULL, NULL)                                               \
	X(billing_limit_rejection, AGENTIDP_KIND_COUNTER, 2, "tenant_id",      \
	  "limit_type",                                                         \
	  "agentidp_billing_limit_rejections_total",                            \
	  "Requests refused because a free-tier limit (agents or api_calls) was reached.", \
	  NULL, NULL, NULL, NULL)                                               \
	X(tenant_api_call, AGENTIDP_KIND_COUNTER, 1, "tenant_id", NULL,        \
	  "agentidp_tenant_api_calls_total",                                    \
	  "Authenticated API requests, by tenant.",                             \
	  NULL, NULL, NULL, NULL)                                               \
	X(db_pool_state, AGENTIDP_KIND_GAUGE, 3, NULL, NULL,                   \
	  "agentidp_db_pool_active_connections",                                \
	  "Database pool connections in use, summed over live IdP processes.",  \
	  "agentidp_db_pool_waiting_requests",                                  \
	  "Requests queued for a database pool connection, summed over live IdP processes.", \
	  "agentidp_db_pool_max_connections",                                   \
	  "Configured database pool size, summed over live IdP processes.")
/* clang-format on */

enum agentidp_rule_id {
#define AGENTIDP_RULE_ENUM(probe, ...) AGENTIDP_RULE_##probe,
	AGENTIDP_RULES(AGENTIDP_RULE_ENUM)
#undef AGENTIDP_RULE_ENUM
	AGENTIDP_RULE_CNT,
};

/*
 * The USDT cookie: bits 0-7 rule index, 8-15 kind, 16-23 argument count.
 * The BPF program decodes it; userspace builds it from the table row.
 */
#define AGENTIDP_COOKIE(rule, kind, nargs)                                     \
	((unsigned long long)(rule) | ((unsigned long long)(kind) << 8) |      \
	 ((unsigned long long)(nargs) << 16))
#define AGENTIDP_COOKIE_RULE(c) ((unsigned int)((c)&0xff))
#define AGENTIDP_COOKIE_KIND(c) ((unsigned int)(((c) >> 8) & 0xff))
#define AGENTIDP_COOKIE_NARGS(c) ((unsigned int)(((c) >> 16) & 0xff))

#endif /* OBSERVER_RULES_H */

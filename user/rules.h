/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rules.h - the userspace view of the rule table (include/observer/rules.h).
 */
#ifndef OBSERVER_USER_RULES_H
#define OBSERVER_USER_RULES_H

#include <stdint.h>

#include "observer/rules.h"

struct rule_def {
	const char *probe;
	unsigned int kind; /* AGENTIDP_KIND_* */
	unsigned int nargs;
	const char *label[AGENTIDP_MAX_LABELS];
	const char *name[AGENTIDP_MAX_VALUES];
	const char *help[AGENTIDP_MAX_VALUES];
};

extern const struct rule_def rule_defs[AGENTIDP_RULE_CNT];

/* The USDT cookie that tells the BPF program which rule a probe feeds. */
uint64_t rule_cookie(unsigned int rule);

/* The rule of a probe name, or -ENOENT. */
int rule_find(const char *probe);

/* How many families a rule feeds (1 for counters, nargs for gauges). */
unsigned int rule_family_cnt(unsigned int rule);

#endif /* OBSERVER_USER_RULES_H */

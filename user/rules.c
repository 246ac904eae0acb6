// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "rules.h"

#define RULE_ROW(probe_, kind_, nargs_, l0, l1, n0, h0, n1, h1, n2, h2) \
	{ .probe = #probe_,                                             \
	  .kind = kind_,                                                \
	  .nargs = nargs_,                                              \
	  .label = { l0, l1 },                                          \
	  .name = { n0, n1, n2 },                                       \
	  .help = { h0, h1, h2 } },

const struct rule_def rule_defs[AGENTIDP_RULE_CNT] = { AGENTIDP_RULES(RULE_ROW) };

#undef RULE_ROW

/*
 * The table is checked where it is compiled: counters have labels for every
 * argument, gauges a family for every argument, and every cookie field fits.
 */
#define RULE_CHECK(probe_, kind_, nargs_, ...)                                                  \
	_Static_assert((kind_ == AGENTIDP_KIND_COUNTER && nargs_ <= AGENTIDP_MAX_LABELS) ||     \
			       (kind_ == AGENTIDP_KIND_GAUGE && nargs_ <= AGENTIDP_MAX_VALUES), \
		       "rule " #probe_ ": too many arguments for its kind");
AGENTIDP_RULES(RULE_CHECK)
#undef RULE_CHECK
_Static_assert(AGENTIDP_RULE_CNT <= 0xff, "rule index must fit the cookie");

uint64_t rule_cookie(unsigned int rule)
{
	const struct rule_def *r = &rule_defs[rule];

	return AGENTIDP_COOKIE(rule, r->kind, r->nargs);
}

int rule_find(const char *probe)
{
	for (unsigned int i = 0; i < AGENTIDP_RULE_CNT; i++)
		if (strcmp(rule_defs[i].probe, probe) == 0)
			return (int)i;
	return -ENOENT;
}

unsigned int rule_family_cnt(unsigned int rule)
{
	return rule_defs[rule].kind == AGENTIDP_KIND_GAUGE ? rule_defs[rule].nargs : 1;
}

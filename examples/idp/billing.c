// SPDX-License-Identifier: BSD-2-Clause
/*
 * billing.c - tier limits and the billing_limit_rejection probe.
 *
 * The checks themselves are atomic in the database (see store.c); this file
 * decides the limits and reports refusals, so the probe fires exactly once
 * per refused request.
 */
#include <errno.h>

#include <agentidp/probes.h>

#include "billing.h"

long long billing_agent_limit(enum tenant_tier tier)
{
	return tier == TIER_PRO ? -1 : BILLING_FREE_AGENTS;
}

long long billing_api_quota(const struct idp_config *cfg, enum tenant_tier tier)
{
	return tier == TIER_PRO ? -1 : cfg->free_api_quota;
}

int billing_charge_api_call(const struct idp_config *cfg, PGconn *conn,
			    const struct tenant_row *tenant)
{
	int err;

	err = store_usage_charge(conn, tenant->tenant_id, billing_api_quota(cfg, tenant->tier));
	if (err == -EDQUOT)
		AGENTIDP_BILLING_LIMIT_REJECTION(tenant->tenant_id, "api_calls");
	return err;
}

int billing_create_agent(PGconn *conn, const struct tenant_row *tenant, const char *name,
			 struct agent_row *out)
{
	int err;

	err = store_agent_create(conn, tenant->tenant_id, name, billing_agent_limit(tenant->tier),
				 out);
	if (err == -EDQUOT)
		AGENTIDP_BILLING_LIMIT_REJECTION(tenant->tenant_id, "agents");
	return err;
}

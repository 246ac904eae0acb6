/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * billing.h - usage tiers.
 *
 * Free tenants may hold BILLING_FREE_AGENTS agents and make a configurable
 * number of API calls per calendar month (UTC); pro tenants are unlimited.
 * A refusal fires billing_limit_rejection with "agents" or "api_calls".
 */
#ifndef IDP_BILLING_H
#define IDP_BILLING_H

#include <libpq-fe.h>

#include "config.h"
#include "store.h"

#define BILLING_FREE_AGENTS 10

/* billing_agent_limit - agents a tier may hold; -1 for unlimited. */
long long billing_agent_limit(enum tenant_tier tier);

/* billing_api_quota - monthly API calls of a tier; -1 for unlimited. */
long long billing_api_quota(const struct idp_config *cfg, enum tenant_tier tier);

/*
 * billing_charge_api_call - count one API call for @tenant.
 * Returns 0, -EDQUOT when the month's quota is used up (probe fired), or
 * -EIO.
 */
int billing_charge_api_call(const struct idp_config *cfg, PGconn *conn,
			    const struct tenant_row *tenant);

/*
 * billing_create_agent - create agent @name within the tenant's tier.
 * Returns 0, -EDQUOT at the tier's agent limit (probe fired), -EEXIST for a
 * name already taken, or -EIO.
 */
int billing_create_agent(PGconn *conn, const struct tenant_row *tenant, const char *name,
			 struct agent_row *out);

#endif /* IDP_BILLING_H */

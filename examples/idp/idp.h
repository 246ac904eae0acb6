/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * idp.h - the state every request handler shares.
 */
#ifndef IDP_IDP_H
#define IDP_IDP_H

#include "config.h"
#include "dbpool.h"
#include "ratelimit.h"

struct idp {
	const struct idp_config *cfg;
	struct db_pool *pool;
	struct rate_limiter *rl;
};

/*
 * The tenant_id sent with rate_limit_hit when the token endpoint cannot
 * name a tenant: no client id was presented, or it names no known client.
 * Tenant ids must start with a letter or digit, so this never collides with
 * a real tenant, and a client id an attacker makes up never becomes a label
 * value (which would let anyone grow the metric's series at will).
 */
#define IDP_NO_TENANT "-"

#endif /* IDP_IDP_H */

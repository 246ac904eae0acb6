/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store.h - the IdP's tables in PostgreSQL: tenants, clients, tokens,
 * agents and monthly usage.
 *
 * Every statement is sent with PQexecParams and its values as parameters;
 * no SQL text is ever assembled from request data. Functions take a
 * connection checked out of the pool and return 0 or a negative errno:
 * -ENOENT for a missing row, -EIO for a database failure (logged here).
 */
#ifndef IDP_STORE_H
#define IDP_STORE_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "secret.h"

#define STORE_ID_MAX 64		/* tenant and client ids, agent names */
#define STORE_UUID_LEN 36

enum tenant_tier {
	TIER_FREE,
	TIER_PRO,
};

struct client_row {
	char tenant_id[STORE_ID_MAX + 1];
	char secret_hash[SECRET_HASH_MAX];
};

struct tenant_row {
	char tenant_id[STORE_ID_MAX + 1];
	enum tenant_tier tier;
};

struct agent_row {
	char id[STORE_UUID_LEN + 1];
	char name[STORE_ID_MAX + 1];
	char created_at[40];
};

struct usage_row {
	char period[8];		/* "YYYY-MM", UTC */
	long long api_calls;
	long long agents;
};

/* store_migrate - create the tables if they do not exist. */
int store_migrate(PGconn *conn);

/* store_tier_name / store_tier_parse - "free" and "pro". */
const char *store_tier_name(enum tenant_tier tier);
int store_tier_parse(const char *s, enum tenant_tier *out);

/* store_provision - create or update @tenant and its client @client_id. */
int store_provision(PGconn *conn, const char *tenant, enum tenant_tier tier,
		    const char *client_id, const char *secret_hash);

/* store_client_get - the client's tenant and secret hash. */
int store_client_get(PGconn *conn, const char *client_id, struct client_row *out);

/*
 * store_token_insert - record a token by its digest, valid for @ttl_s from
 * the database's clock; also drops this client's long-expired tokens.
 */
int store_token_insert(PGconn *conn, const char *digest, const char *client_id, int ttl_s);

/* store_token_lookup - the tenant of an unexpired token, by digest. */
int store_token_lookup(PGconn *conn, const char *digest, struct tenant_row *out);

/*
 * store_usage_charge - count one API call in the current month, unless that
 * would exceed @quota (negative: unlimited). Atomic in one statement.
 * Returns 0, -EDQUOT when the quota is used up, or -EIO.
 */
int store_usage_charge(PGconn *conn, const char *tenant, long long quota);

/* store_usage_get - this month's calls and the agents held. */
int store_usage_get(PGconn *conn, const char *tenant, struct usage_row *out);

/*
 * store_agent_create - add agent @name unless the tenant already holds
 * @limit agents (negative: unlimited). The tenant row is locked for the
 * check, so concurrent creations cannot overshoot the limit.
 * Returns 0, -EDQUOT at the limit, -EEXIST for a duplicate name, or -EIO.
 */
int store_agent_create(PGconn *conn, const char *tenant, const char *name, long long limit,
		       struct agent_row *out);

/*
 * store_agent_list - the tenant's agents, oldest first, in a malloc'ed
 * array (*out_rows, free with free()) of *out_cnt rows.
 */
int store_agent_list(PGconn *conn, const char *tenant, struct agent_row **out_rows,
		     int *out_cnt);

/* store_agent_delete - delete agent @id of @tenant; -ENOENT if none. */
int store_agent_delete(PGconn *conn, const char *tenant, const char *id);

/* store_hold - keep @conn busy in the database for @ms milliseconds. */
int store_hold(PGconn *conn, int ms);

#endif /* IDP_STORE_H */

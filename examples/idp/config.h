/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config.h - the IdP's settings, from command-line flags.
 */
#ifndef IDP_CONFIG_H
#define IDP_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

/* A fixed-window rate: at most @limit requests per @window_ms. */
struct rate_rule {
	int limit;
	int window_ms;
};

enum idp_command {
	IDP_CMD_SERVE,		/* run the HTTP server */
	IDP_CMD_PROVISION,	/* create or update a tenant and one client */
	IDP_CMD_HELP,
	IDP_CMD_VERSION,
};

struct idp_config {
	enum idp_command cmd;

	char listen_host[64];	/* IPv4 loopback address */
	uint16_t listen_port;
	const char *db_conninfo;	/* libpq connection string */
	char redis_host[64];
	uint16_t redis_port;

	int pool_size;
	int pool_timeout_ms;
	int token_ttl_s;
	long long free_api_quota;	/* API calls per calendar month (UTC) */
	struct rate_rule token_rate;	/* per client on /oauth2/token */
	struct rate_rule api_rate;	/* per tenant on /v1/ */
	bool allow_hold;		/* honour ?hold_ms= on GET /v1/usage */
	bool verbose;

	/* provision: TENANT TIER CLIENT_ID; the secret is read from stdin */
	const char *prov_tenant;
	const char *prov_tier;
	const char *prov_client;
};

/*
 * config_parse - fill @cfg from argv, starting from the defaults.
 *
 * Returns 0, or -EINVAL after printing a one-line reason to stderr.
 */
int config_parse(struct idp_config *cfg, int argc, char **argv);

/* config_usage - print the synopsis to stdout. */
void config_usage(const char *prog);

#endif /* IDP_CONFIG_H */

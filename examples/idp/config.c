// SPDX-License-Identifier: BSD-2-Clause
/*
 * config.c - command-line flags of agentidp-idp.
 *
 * The IdP listens on IPv4 loopback only: it is a reference implementation
 * for local demos and tests, and an address outside 127.0.0.0/8 is refused
 * rather than silently exposing unauthenticated endpoints such as /healthz.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

enum {
	OPT_LISTEN = 256,
	OPT_DB,
	OPT_REDIS,
	OPT_POOL_SIZE,
	OPT_POOL_TIMEOUT,
	OPT_TOKEN_TTL,
	OPT_FREE_QUOTA,
	OPT_TOKEN_RATE,
	OPT_API_RATE,
	OPT_ALLOW_HOLD,
};

static const struct option config_options[] = {
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "db", required_argument, NULL, OPT_DB },
	{ "redis", required_argument, NULL, OPT_REDIS },
	{ "pool-size", required_argument, NULL, OPT_POOL_SIZE },
	{ "pool-timeout-ms", required_argument, NULL, OPT_POOL_TIMEOUT },
	{ "token-ttl", required_argument, NULL, OPT_TOKEN_TTL },
	{ "free-api-quota", required_argument, NULL, OPT_FREE_QUOTA },
	{ "token-rate", required_argument, NULL, OPT_TOKEN_RATE },
	{ "api-rate", required_argument, NULL, OPT_API_RATE },
	{ "allow-hold", no_argument, NULL, OPT_ALLOW_HOLD },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

void config_usage(const char *prog)
{
	printf("usage: %s [serve] [options]\n"
	       "       %s [--db CONNINFO] provision TENANT free|pro CLIENT_ID < secret\n"
	       "\n"
	       "  --listen 127.0.0.1:PORT     HTTP address, IPv4 loopback only (127.0.0.1:8080)\n"
	       "  --db CONNINFO               libpq connection string (dbname=agentidp)\n"
	       "  --redis HOST:PORT           Redis for rate limiting (127.0.0.1:6379)\n"
	       "  --pool-size N               database connections (20)\n"
	       "  --pool-timeout-ms MS        longest wait for a connection (5000)\n"
	       "  --token-ttl SECONDS         access token lifetime (3600)\n"
	       "  --free-api-quota N          monthly API calls of a free tenant (1000)\n"
	       "  --token-rate N/SECONDS      token requests per client and window (10/60)\n"
	       "  --api-rate N/SECONDS        API requests per tenant and window (100/1)\n"
	       "  --allow-hold                honour GET /v1/usage?hold_ms=N (demos, tests)\n"
	       "  -v, --verbose               debug logging\n",
	       prog, prog);
}

static int parse_long(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_int(const char *s, int min, int max, int *out)
{
	long long v;
	int err;

	err = parse_long(s, min, max, &v);
	if (err)
		return err;
	*out = (int)v;
	return 0;
}

/* "HOST:PORT" with a non-empty host shorter than @host_sz. */
static int parse_hostport(const char *s, char *host, size_t host_sz, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	int p;

	if (!colon || colon == s || (size_t)(colon - s) >= host_sz)
		return -EINVAL;
	if (parse_int(colon + 1, 1, 65535, &p))
		return -EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	*port = (uint16_t)p;
	return 0;
}

/* "N/SECONDS", both positive. */
static int parse_rate(const char *s, struct rate_rule *out)
{
	char buf[64];
	char *slash;
	int limit, secs;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	if (parse_int(buf, 1, INT_MAX, &limit) || parse_int(slash + 1, 1, 86400, &secs))
		return -EINVAL;
	out->limit = limit;
	out->window_ms = secs * 1000;
	return 0;
}

static int check_loopback(const char *host)
{
	struct in_addr addr;

	if (inet_pton(AF_INET, host, &addr) != 1)
		return -EINVAL;
	if ((ntohl(addr.s_addr) >> 24) != 127)
		return -EINVAL;
	return 0;
}

static void config_defaults(struct idp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->cmd = IDP_CMD_SERVE;
	strcpy(cfg->listen_host, "127.0.0.1");
	cfg->listen_port = 8080;
	cfg->db_conninfo = "dbname=agentidp";
	strcpy(cfg->redis_host, "127.0.0.1");
	cfg->redis_port = 6379;
	cfg->pool_size = 20;
	cfg->pool_timeout_ms = 5000;
	cfg->token_ttl_s = 3600;
	cfg->free_api_quota = 1000;
	cfg->token_rate = (struct rate_rule){ .limit = 10, .window_ms = 60000 };
	cfg->api_rate = (struct rate_rule){ .limit = 100, .window_ms = 1000 };
}

static int config_bad(const char *flag, const char *value)
{
	fprintf(stderr, "agentidp-idp: invalid value '%s' for %s\n", value, flag);
	return -EINVAL;
}

static int config_flag(struct idp_config *cfg, int opt, const char *arg)
{
	switch (opt) {
	case OPT_LISTEN:
		if (parse_hostport(arg, cfg->listen_host, sizeof(cfg->listen_host),
				   &cfg->listen_port) ||
		    check_loopback(cfg->listen_host))
			return config_bad("--listen (want 127.x.y.z:PORT)", arg);
		return 0;
	case OPT_DB:
		cfg->db_conninfo = arg;
		return 0;
	case OPT_REDIS:
		if (parse_hostport(arg, cfg->redis_host, sizeof(cfg->redis_host),
				   &cfg->redis_port))
			return config_bad("--redis", arg);
		return 0;
	case OPT_POOL_SIZE:
		return parse_int(arg, 1, 1000, &cfg->pool_size) ?
			       config_bad("--pool-size", arg) : 0;
	case OPT_POOL_TIMEOUT:
		return parse_int(arg, 1, 600000, &cfg->pool_timeout_ms) ?
			       config_bad("--pool-timeout-ms", arg) : 0;
	case OPT_TOKEN_TTL:
		return parse_int(arg, 1, 86400 * 30, &cfg->token_ttl_s) ?
			       config_bad("--token-ttl", arg) : 0;
	case OPT_FREE_QUOTA:
		return parse_long(arg, 1, LLONG_MAX / 2, &cfg->free_api_quota) ?
			       config_bad("--free-api-quota", arg) : 0;
	case OPT_TOKEN_RATE:
		return parse_rate(arg, &cfg->token_rate) ? config_bad("--token-rate", arg) : 0;
	case OPT_API_RATE:
		return parse_rate(arg, &cfg->api_rate) ? config_bad("--api-rate", arg) : 0;
	case OPT_ALLOW_HOLD:
		cfg->allow_hold = true;
		return 0;
	case 'v':
		cfg->verbose = true;
		return 0;
	case 'h':
		cfg->cmd = IDP_CMD_HELP;
		return 0;
	case 'V':
		cfg->cmd = IDP_CMD_VERSION;
		return 0;
	default:
		/* getopt_long has already named the bad flag. */
		return -EINVAL;
	}
}

static int config_positional(struct idp_config *cfg, int argc, char **argv, int first)
{
	int n = argc - first;

	if (n > 0 && strcmp(argv[first], "serve") == 0) {
		first++;
		n--;
	} else if (n > 0 && strcmp(argv[first], "provision") == 0) {
		if (n != 4) {
			fprintf(stderr, "agentidp-idp: provision wants TENANT TIER CLIENT_ID\n");
			return -EINVAL;
		}
		cfg->cmd = IDP_CMD_PROVISION;
		cfg->prov_tenant = argv[first + 1];
		cfg->prov_tier = argv[first + 2];
		cfg->prov_client = argv[first + 3];
		return 0;
	}
	if (n > 0) {
		fprintf(stderr, "agentidp-idp: unexpected argument '%s'\n", argv[first]);
		return -EINVAL;
	}
	return 0;
}

int config_parse(struct idp_config *cfg, int argc, char **argv)
{
	int opt, err;

	config_defaults(cfg);
	/*
	 * "+" stops at the first non-flag: flags come before the subcommand, so
	 * a tenant or client name that starts with '-' is not taken for one.
	 */
	while ((opt = getopt_long(argc, argv, "+vhV", config_options, NULL)) != -1) {
		err = config_flag(cfg, opt, optarg);
		if (err)
			return err;
	}
	if (cfg->cmd != IDP_CMD_SERVE)
		return 0;
	return config_positional(cfg, argc, argv, optind);
}

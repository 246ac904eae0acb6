// SPDX-License-Identifier: BSD-2-Clause
/*
 * main.c - agentidp-idp: the reference identity provider for AI agents.
 *
 *   agentidp-idp [flags] [serve]       run the HTTP server until SIGINT/SIGTERM
 *   agentidp-idp [flags] provision TENANT free|pro CLIENT_ID < secret
 *
 * Exit codes: 0 after a signal or a successful provision, 2 for a usage
 * error, 1 for anything else.
 */
#define AGENTIDP_PROBES_DEFINE_SEMAPHORES
#include <agentidp/probes.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "config.h"
#include "dbpool.h"
#include "http.h"
#include "idp.h"
#include "log.h"
#include "oauth.h"
#include "ratelimit.h"
#include "secret.h"
#include "store.h"

#define IDP_VERSION "0.1.0"

/* Secret from stdin, one line, without its newline. */
static int read_secret(char *out, size_t out_sz)
{
	size_t n;

	if (!fgets(out, (int)out_sz, stdin))
		return -EINVAL;
	n = strcspn(out, "\r\n");
	out[n] = '\0';
	return n > 0 ? 0 : -EINVAL;
}

static int cmd_provision(const struct idp_config *cfg)
{
	char secret[256], hash[SECRET_HASH_MAX];
	enum tenant_tier tier;
	PGconn *conn;
	int err;

	if (!oauth_id_valid(cfg->prov_tenant) || !oauth_id_valid(cfg->prov_client) ||
	    store_tier_parse(cfg->prov_tier, &tier)) {
		fprintf(stderr, "agentidp-idp: provision wants ids of [A-Za-z0-9._-] (1-64, "
				"starting alphanumeric) and a tier of free or pro\n");
		return 2;
	}
	if (read_secret(secret, sizeof(secret)) || secret_hash(secret, hash)) {
		fprintf(stderr, "agentidp-idp: provision reads a non-empty secret from stdin\n");
		return 2;
	}

	conn = PQconnectdb(cfg->db_conninfo);
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "agentidp-idp: database connection failed: %s",
			PQerrorMessage(conn));
		PQfinish(conn);
		return 1;
	}
	err = store_migrate(conn);
	if (!err)
		err = store_provision(conn, cfg->prov_tenant, tier, cfg->prov_client, hash);
	PQfinish(conn);
	if (err) {
		fprintf(stderr, "agentidp-idp: provision failed: %s\n", strerror(-err));
		return 1;
	}
	log_info("msg=\"provisioned\" tenant=%s tier=%s client=%s", cfg->prov_tenant,
		 cfg->prov_tier, cfg->prov_client);
	return 0;
}

/* Run the schema once before serving, on one of the pool's connections. */
static int migrate_with_pool(struct db_pool *pool)
{
	PGconn *conn;
	int err;

	err = db_pool_acquire(pool, &conn);
	if (err)
		return err;
	err = store_migrate(conn);
	db_pool_release(pool, conn);
	return err;
}

/*
 * Block SIGINT/SIGTERM in every thread (MHD's included, which inherit the
 * mask) and wait for them here, reporting the pool once a second so an
 * observer that attaches late sees the gauges without waiting for traffic.
 */
static void wait_for_signal(struct db_pool *pool, const sigset_t *set)
{
	struct timespec tick = { .tv_sec = 1, .tv_nsec = 0 };
	int sig;

	for (;;) {
		sig = sigtimedwait(set, NULL, &tick);
		if (sig == SIGINT || sig == SIGTERM) {
			log_info("msg=\"stopping\" signal=%s", strsignal(sig));
			return;
		}
		db_pool_report(pool);
	}
}

static int cmd_serve(const struct idp_config *cfg)
{
	struct idp idp = { .cfg = cfg };
	struct http_server *srv = NULL;
	sigset_t set;
	int ret = 1;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	/* A client that hangs up mid-response must not kill the process. */
	signal(SIGPIPE, SIG_IGN);

	idp.rl = rate_limiter_new(cfg->redis_host, cfg->redis_port);
	if (!idp.rl) {
		log_error("msg=\"rate limiter unavailable\" err=\"%s\"", strerror(errno));
		goto out;
	}
	idp.pool = db_pool_new(cfg->db_conninfo, cfg->pool_size, cfg->pool_timeout_ms);
	if (!idp.pool) {
		log_error("msg=\"database pool unavailable\" err=\"%s\"", strerror(errno));
		goto out;
	}
	if (migrate_with_pool(idp.pool))
		goto out;

	srv = http_server_start(cfg->listen_host, cfg->listen_port, api_dispatch, &idp);
	if (!srv) {
		log_error("msg=\"cannot listen\" addr=%s:%u err=\"%s\"", cfg->listen_host,
			  cfg->listen_port, strerror(errno));
		goto out;
	}
	log_info("msg=\"listening\" addr=%s:%u pool_size=%d pid=%d version=%s",
		 cfg->listen_host, cfg->listen_port, cfg->pool_size, (int)getpid(), IDP_VERSION);

	wait_for_signal(idp.pool, &set);
	ret = 0;
out:
	http_server_stop(srv);
	db_pool_free(idp.pool);
	rate_limiter_free(idp.rl);
	return ret;
}

int main(int argc, char **argv)
{
	struct idp_config cfg;

	if (config_parse(&cfg, argc, argv))
		return 2;
	log_set_level(cfg.verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);

	switch (cfg.cmd) {
	case IDP_CMD_HELP:
		config_usage(argv[0]);
		return 0;
	case IDP_CMD_VERSION:
		printf("agentidp-idp %s\n", IDP_VERSION);
		return 0;
	case IDP_CMD_PROVISION:
		return cmd_provision(&cfg);
	case IDP_CMD_SERVE:
	default:
		return cmd_serve(&cfg);
	}
}

// SPDX-License-Identifier: BSD-2-Clause
/*
 * store.c - SQL for tenants, clients, tokens, agents and usage.
 *
 * Values travel as parameters ($1, $2...) in text format; the statements
 * themselves are constants. Times come from the database's clock, so token
 * expiry and the month of a usage row do not depend on the IdP's host clock
 * and survive an IdP restart unchanged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store.h"

static const char schema_sql[] =
	/* IF NOT EXISTS notices on every start are noise in the log. */
	"SET client_min_messages TO warning;"
	"CREATE TABLE IF NOT EXISTS tenants ("
	" id text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),"
	" tier text NOT NULL CHECK (tier IN ('free', 'pro')),"
	" created_at timestamptz NOT NULL DEFAULT now());"
	"CREATE TABLE IF NOT EXISTS clients ("
	" id text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),"
	" tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" secret_hash text NOT NULL,"
	" created_at timestamptz NOT NULL DEFAULT now());"
	"CREATE TABLE IF NOT EXISTS tokens ("
	" digest text PRIMARY KEY,"
	" client_id text NOT NULL REFERENCES clients(id) ON DELETE CASCADE,"
	" expires_at timestamptz NOT NULL);"
	"CREATE INDEX IF NOT EXISTS tokens_by_client ON tokens (client_id, expires_at);"
	"CREATE TABLE IF NOT EXISTS agents ("
	" id uuid PRIMARY KEY DEFAULT gen_random_uuid(),"
	" tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" name text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),"
	" created_at timestamptz NOT NULL DEFAULT now(),"
	" UNIQUE (tenant_id, name));"
	"CREATE TABLE IF NOT EXISTS usage ("
	" tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
	" period date NOT NULL,"
	" api_calls bigint NOT NULL DEFAULT 0,"
	" PRIMARY KEY (tenant_id, period));";

#define SQL_PERIOD "date_trunc('month', now() AT TIME ZONE 'UTC')::date"
#define SQL_TIMESTAMP(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/*
 * Run one parameterised statement. On success *out_res holds the result
 * (the caller clears it); on failure it is NULL and the error is logged,
 * except a unique violation, which is the caller's -EEXIST to handle.
 */
static int q_exec(PGconn *conn, const char *sql, int n, const char *const *params,
		  PGresult **out_res)
{
	PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	const char *state;

	*out_res = NULL;
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
		*out_res = res;
		return 0;
	}
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (state && strcmp(state, "23505") == 0) {
		PQclear(res);
		return -EEXIST;
	}
	log_error("msg=\"query failed\" sqlstate=%s err=\"%.200s\"", state ? state : "-",
		  PQerrorMessage(conn));
	PQclear(res);
	return -EIO;
}

/* A statement whose result is not needed. */
static int q_run(PGconn *conn, const char *sql, int n, const char *const *params)
{
	PGresult *res;
	int err = q_exec(conn, sql, n, params, &res);

	PQclear(res);
	return err;
}

static void copy_field(char *dst, size_t dst_sz, const PGresult *res, int row, int col)
{
	snprintf(dst, dst_sz, "%s", PQgetvalue(res, row, col));
}

int store_migrate(PGconn *conn)
{
	PGresult *res = PQexec(conn, schema_sql);
	int err = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		log_error("msg=\"schema migration failed\" err=\"%.200s\"", PQerrorMessage(conn));
		err = -EIO;
	}
	PQclear(res);
	return err;
}

const char *store_tier_name(enum tenant_tier tier)
{
	return tier == TIER_PRO ? "pro" : "free";
}

int store_tier_parse(const char *s, enum tenant_tier *out)
{
	if (strcmp(s, "free") == 0)
		*out = TIER_FREE;
	else if (strcmp(s, "pro") == 0)
		*out = TIER_PRO;
	else
		return -EINVAL;
	return 0;
}

int store_provision(PGconn *conn, const char *tenant, enum tenant_tier tier,
		    const char *client_id, const char *secret_hash)
{
	const char *tp[] = { tenant, store_tier_name(tier) };
	const char *cp[] = { client_id, tenant, secret_hash };
	int err;

	err = q_run(conn,
		    "INSERT INTO tenants (id, tier) VALUES ($1, $2)"
		    " ON CONFLICT (id) DO UPDATE SET tier = EXCLUDED.tier",
		    2, tp);
	if (err)
		return err;
	return q_run(conn,
		     "INSERT INTO clients (id, tenant_id, secret_hash) VALUES ($1, $2, $3)"
		     " ON CONFLICT (id) DO UPDATE SET tenant_id = EXCLUDED.tenant_id,"
		     " secret_hash = EXCLUDED.secret_hash",
		     3, cp);
}

int store_client_get(PGconn *conn, const char *client_id, struct client_row *out)
{
	const char *p[] = { client_id };
	PGresult *res;
	int err;

	err = q_exec(conn, "SELECT tenant_id, secret_hash FROM clients WHERE id = $1", 1, p,
		     &res);
	if (err)
		return err;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return -ENOENT;
	}
	copy_field(out->tenant_id, sizeof(out->tenant_id), res, 0, 0);
	copy_field(out->secret_hash, sizeof(out->secret_hash), res, 0, 1);
	PQclear(res);
	return 0;
}

int store_token_insert(PGconn *conn, const char *digest, const char *client_id, int ttl_s)
{
	char ttl[16];
	const char *ip[] = { digest, client_id, ttl };
	const char *dp[] = { client_id };
	int err;

	snprintf(ttl, sizeof(ttl), "%d", ttl_s);
	err = q_run(conn,
		    "INSERT INTO tokens (digest, client_id, expires_at)"
		    " VALUES ($1, $2, now() + make_interval(secs => $3::int))",
		    3, ip);
	if (err)
		return err;
	/* Housekeeping: expired tokens are useless, but keep a day for forensics. */
	return q_run(conn,
		     "DELETE FROM tokens WHERE client_id = $1"
		     " AND expires_at < now() - interval '1 day'",
		     1, dp);
}

int store_token_lookup(PGconn *conn, const char *digest, struct tenant_row *out)
{
	const char *p[] = { digest };
	PGresult *res;
	int err;

	err = q_exec(conn,
		     "SELECT c.tenant_id, t.tier FROM tokens k"
		     " JOIN clients c ON c.id = k.client_id"
		     " JOIN tenants t ON t.id = c.tenant_id"
		     " WHERE k.digest = $1 AND k.expires_at > now()",
		     1, p, &res);
	if (err)
		return err;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return -ENOENT;
	}
	copy_field(out->tenant_id, sizeof(out->tenant_id), res, 0, 0);
	err = store_tier_parse(PQgetvalue(res, 0, 1), &out->tier) ? -EIO : 0;
	PQclear(res);
	return err;
}

int store_usage_charge(PGconn *conn, const char *tenant, long long quota)
{
	char q[24];
	const char *p[] = { tenant, q };
	PGresult *res;
	int err;

	snprintf(q, sizeof(q), "%lld", quota);
	/*
	 * The conditional upsert counts and checks in one statement under the
	 * row's lock: concurrent calls cannot both take the last unit.
	 */
	err = q_exec(conn,
		     "INSERT INTO usage AS u (tenant_id, period, api_calls)"
		     " VALUES ($1, " SQL_PERIOD ", 1)"
		     " ON CONFLICT (tenant_id, period) DO UPDATE SET api_calls = u.api_calls + 1"
		     " WHERE $2::bigint < 0 OR u.api_calls < $2::bigint"
		     " RETURNING u.api_calls",
		     2, p, &res);
	if (err)
		return err;
	err = PQntuples(res) == 1 ? 0 : -EDQUOT;
	PQclear(res);
	return err;
}

int store_usage_get(PGconn *conn, const char *tenant, struct usage_row *out)
{
	const char *p[] = { tenant };
	PGresult *res;
	int err;

	err = q_exec(conn,
		     "SELECT to_char(" SQL_PERIOD ", 'YYYY-MM'),"
		     " COALESCE((SELECT api_calls FROM usage"
		     "  WHERE tenant_id = $1 AND period = " SQL_PERIOD "), 0),"
		     " (SELECT count(*) FROM agents WHERE tenant_id = $1)",
		     1, p, &res);
	if (err)
		return err;
	copy_field(out->period, sizeof(out->period), res, 0, 0);
	out->api_calls = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	out->agents = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
	PQclear(res);
	return 0;
}

static void agent_from_row(struct agent_row *a, const PGresult *res, int row)
{
	copy_field(a->id, sizeof(a->id), res, row, 0);
	copy_field(a->name, sizeof(a->name), res, row, 1);
	copy_field(a->created_at, sizeof(a->created_at), res, row, 2);
}

/* The body of store_agent_create, inside its transaction. */
static int agent_create_locked(PGconn *conn, const char *tenant, const char *name,
			       long long limit, struct agent_row *out)
{
	const char *tp[] = { tenant };
	const char *ip[] = { tenant, name };
	PGresult *res;
	long long held;
	int err;

	/* Serialises creations per tenant; the count below sees every commit. */
	err = q_exec(conn, "SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE", 1, tp, &res);
	if (err)
		return err;
	held = PQntuples(res);
	PQclear(res);
	if (held != 1)
		return -ENOENT;

	if (limit >= 0) {
		err = q_exec(conn, "SELECT count(*) FROM agents WHERE tenant_id = $1", 1, tp,
			     &res);
		if (err)
			return err;
		held = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		PQclear(res);
		if (held >= limit)
			return -EDQUOT;
	}

	err = q_exec(conn,
		     "INSERT INTO agents (tenant_id, name) VALUES ($1, $2)"
		     " RETURNING id, name, " SQL_TIMESTAMP("created_at"),
		     2, ip, &res);
	if (err)
		return err;
	agent_from_row(out, res, 0);
	PQclear(res);
	return 0;
}

int store_agent_create(PGconn *conn, const char *tenant, const char *name, long long limit,
		       struct agent_row *out)
{
	int err;

	err = q_run(conn, "BEGIN", 0, NULL);
	if (err)
		return err;
	err = agent_create_locked(conn, tenant, name, limit, out);
	if (err) {
		q_run(conn, "ROLLBACK", 0, NULL);
		return err;
	}
	return q_run(conn, "COMMIT", 0, NULL);
}

int store_agent_list(PGconn *conn, const char *tenant, struct agent_row **out_rows,
		     int *out_cnt)
{
	const char *p[] = { tenant };
	struct agent_row *rows;
	PGresult *res;
	int err, i, n;

	err = q_exec(conn,
		     "SELECT id, name, " SQL_TIMESTAMP("created_at") " FROM agents"
		     " WHERE tenant_id = $1 ORDER BY created_at, name",
		     1, p, &res);
	if (err)
		return err;
	n = PQntuples(res);
	rows = calloc((size_t)n + 1, sizeof(*rows));
	if (!rows) {
		PQclear(res);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		agent_from_row(&rows[i], res, i);
	PQclear(res);
	*out_rows = rows;
	*out_cnt = n;
	return 0;
}

int store_agent_delete(PGconn *conn, const char *tenant, const char *id)
{
	const char *p[] = { tenant, id };
	PGresult *res;
	int err;

	err = q_exec(conn, "DELETE FROM agents WHERE tenant_id = $1 AND id = $2::uuid", 2, p,
		     &res);
	if (err)
		return err;
	err = strcmp(PQcmdTuples(res), "1") == 0 ? 0 : -ENOENT;
	PQclear(res);
	return err;
}

int store_hold(PGconn *conn, int ms)
{
	char secs[24];
	const char *p[] = { secs };

	snprintf(secs, sizeof(secs), "%d.%03d", ms / 1000, ms % 1000);
	return q_run(conn, "SELECT pg_sleep($1::float8)", 1, p);
}

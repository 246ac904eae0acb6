// SPDX-License-Identifier: BSD-2-Clause
/*
 * api.c - the tenant API: routing, the authenticated call sequence, and the
 * agents and usage handlers.
 *
 * An authenticated call runs: bearer token -> database connection -> token
 * lookup -> tenant_api_call probe -> per-tenant rate limit -> monthly quota
 * -> handler, all on one pooled connection that the request holds until it
 * is answered. GET /v1/usage is not charged against the quota, so a tenant
 * that used it up can still see why.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <agentidp/probes.h>

#include "api.h"
#include "billing.h"
#include "idp.h"
#include "log.h"
#include "oauth.h"
#include "store.h"

/* The longest ?hold_ms= honoured with --allow-hold. */
#define API_HOLD_MAX_MS 60000

struct api_call {
	struct idp *idp;
	PGconn *conn;
	const struct http_request *req;
	const struct tenant_row *tenant;
	const char *arg;	/* the {id} of the route, or NULL */
};

typedef void (*api_handler_fn)(const struct api_call *call, struct http_response *resp);

struct api_route {
	const char *label;	/* route template: the rate_limit_hit endpoint */
	api_handler_fn fn;
	bool charged;		/* counts against the monthly quota */
};

static json_t *agent_json(const struct agent_row *a)
{
	return json_pack("{s:s, s:s, s:s}", "id", a->id, "name", a->name, "created_at",
			 a->created_at);
}

static void agents_list(const struct api_call *call, struct http_response *resp)
{
	struct agent_row *rows;
	json_t *arr;
	int i, cnt;

	if (store_agent_list(call->conn, call->tenant->tenant_id, &rows, &cnt)) {
		http_reply_error(resp, 500, "server_error", "could not list agents");
		return;
	}
	arr = json_array();
	for (i = 0; i < cnt; i++)
		json_array_append_new(arr, agent_json(&rows[i]));
	free(rows);
	http_reply_json(resp, 200, json_pack("{s:o}", "agents", arr));
}

/* The "name" of a {"name": "..."} body, or NULL after answering 4xx. */
static json_t *agent_body_parse(const struct http_request *req, struct http_response *resp,
				const char **out_name)
{
	json_error_t jerr;
	json_t *body, *name;

	if (!http_media_type_is(http_header_get(req, "Content-Type"), "application/json")) {
		http_reply_error(resp, 415, "invalid_request",
				 "Content-Type must be application/json");
		return NULL;
	}
	body = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!body) {
		http_reply_error(resp, 400, "invalid_request", jerr.text);
		return NULL;
	}
	name = json_object_get(body, "name");
	if (!json_is_object(body) || !json_is_string(name) ||
	    !oauth_id_valid(json_string_value(name))) {
		http_reply_error(resp, 400, "invalid_request",
				 "want {\"name\": NAME}, NAME of 1-64 letters, digits, '-', '_', "
				 "'.', starting with a letter or digit");
		json_decref(body);
		return NULL;
	}
	*out_name = json_string_value(name);
	return body;
}

static void agents_create(const struct api_call *call, struct http_response *resp)
{
	struct agent_row agent;
	const char *name;
	char desc[96];
	json_t *body;
	int err;

	body = agent_body_parse(call->req, resp, &name);
	if (!body)
		return;
	err = billing_create_agent(call->conn, call->tenant, name, &agent);
	json_decref(body);
	switch (err) {
	case 0:
		http_reply_json(resp, 201, agent_json(&agent));
		http_set_header(resp, "Location", "/v1/agents/%s", agent.id);
		break;
	case -EDQUOT:
		snprintf(desc, sizeof(desc),
			 "the %s tier allows %lld agents; delete one or upgrade",
			 store_tier_name(call->tenant->tier),
			 billing_agent_limit(call->tenant->tier));
		http_reply_error(resp, 403, "agent_limit_reached", desc);
		break;
	case -EEXIST:
		http_reply_error(resp, 409, "conflict", "an agent with this name exists");
		break;
	default:
		http_reply_error(resp, 500, "server_error", "could not create the agent");
		break;
	}
}

static bool uuid_valid(const char *s)
{
	int i;

	if (strlen(s) != STORE_UUID_LEN)
		return false;
	for (i = 0; i < STORE_UUID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !strchr("0123456789abcdefABCDEF", s[i]))
			return false;
	}
	return true;
}

static void agents_delete(const struct api_call *call, struct http_response *resp)
{
	int err = -ENOENT;

	/* A malformed id names no agent: 404, like any other unknown one. */
	if (uuid_valid(call->arg))
		err = store_agent_delete(call->conn, call->tenant->tenant_id, call->arg);
	if (err == 0)
		http_reply_empty(resp, 204);
	else if (err == -ENOENT)
		http_reply_error(resp, 404, "not_found", "no such agent");
	else
		http_reply_error(resp, 500, "server_error", "could not delete the agent");
}

/* ?hold_ms=N keeps the pooled connection busy first (demos and tests). */
static int usage_hold(const struct api_call *call, struct http_response *resp)
{
	const char *v = http_query_get(call->req, "hold_ms");
	char *end;
	long ms;

	if (!v)
		return 0;
	if (!call->idp->cfg->allow_hold) {
		http_reply_error(resp, 400, "invalid_request", "hold_ms needs --allow-hold");
		return -EINVAL;
	}
	ms = strtol(v, &end, 10);
	if (end == v || *end || ms < 0 || ms > API_HOLD_MAX_MS) {
		http_reply_error(resp, 400, "invalid_request", "hold_ms must be 0-60000");
		return -EINVAL;
	}
	if (store_hold(call->conn, (int)ms)) {
		http_reply_error(resp, 500, "server_error", "hold failed");
		return -EIO;
	}
	return 0;
}

static void usage_get(const struct api_call *call, struct http_response *resp)
{
	const struct tenant_row *t = call->tenant;
	long long quota = billing_api_quota(call->idp->cfg, t->tier);
	long long agents = billing_agent_limit(t->tier);
	struct usage_row u;
	json_t *body;

	if (usage_hold(call, resp))
		return;
	if (store_usage_get(call->conn, t->tenant_id, &u)) {
		http_reply_error(resp, 500, "server_error", "could not read usage");
		return;
	}
	body = json_pack("{s:s, s:s, s:s, s:I, s:o, s:I, s:o}", "tenant_id", t->tenant_id,
			 "tier", store_tier_name(t->tier), "period", u.period, "api_calls",
			 (json_int_t)u.api_calls, "api_call_quota",
			 quota < 0 ? json_null() : json_integer(quota), "agents",
			 (json_int_t)u.agents, "agent_limit",
			 agents < 0 ? json_null() : json_integer(agents));
	http_reply_json(resp, 200, body);
}

static const struct api_route route_agents_get = { "/v1/agents", agents_list, true };
static const struct api_route route_agents_post = { "/v1/agents", agents_create, true };
static const struct api_route route_agent_delete = { "/v1/agents/{id}", agents_delete, true };
static const struct api_route route_usage = { "/v1/usage", usage_get, false };

/* After the token is valid: probe, rate limit, quota, handler. */
static void api_call_authenticated(struct api_call *call, const struct api_route *rt,
				   struct http_response *resp)
{
	const struct tenant_row *t = call->tenant;
	struct idp *idp = call->idp;
	char key[STORE_ID_MAX + 16];
	char desc[128];
	int err;

	AGENTIDP_TENANT_API_CALL(t->tenant_id);

	snprintf(key, sizeof(key), "api:tenant:%s", t->tenant_id);
	if (rate_limit_enforce(idp->rl, rt->label, key, &idp->cfg->api_rate, t->tenant_id,
			       "rate_limited", resp))
		return;

	if (rt->charged) {
		err = billing_charge_api_call(idp->cfg, call->conn, t);
		if (err == -EDQUOT) {
			snprintf(desc, sizeof(desc),
				 "the %s tier's %lld API calls for this month are used up",
				 store_tier_name(t->tier), billing_api_quota(idp->cfg, t->tier));
			http_reply_error(resp, 403, "api_quota_exhausted", desc);
			return;
		}
		if (err) {
			http_reply_error(resp, 500, "server_error", "could not record usage");
			return;
		}
	}
	rt->fn(call, resp);
}

static void api_call_run(struct idp *idp, const struct http_request *req,
			 const struct api_route *rt, const char *arg, struct http_response *resp)
{
	char token[SECRET_TOKEN_LEN + 1];
	struct tenant_row tenant;
	struct api_call call = { .idp = idp, .req = req, .tenant = &tenant, .arg = arg };

	if (oauth_bearer_extract(req, token, resp))
		return;
	if (db_pool_acquire(idp->pool, &call.conn)) {
		http_reply_error(resp, 503, "temporarily_unavailable", "database busy");
		http_set_header(resp, "Retry-After", "1");
		return;
	}
	if (!oauth_bearer_resolve(call.conn, token, &tenant, resp))
		api_call_authenticated(&call, rt, resp);
	db_pool_release(idp->pool, call.conn);
}

static void reply_method_not_allowed(struct http_response *resp, const char *allow)
{
	http_reply_error(resp, 405, "method_not_allowed", NULL);
	http_set_header(resp, "Allow", "%s", allow);
}

/* Match a path to a route; NULL after answering 404 or 405. */
static const struct api_route *route_find(const struct http_request *req,
					  struct http_response *resp, const char **out_arg)
{
	const char *m = req->method, *p = req->path;

	*out_arg = NULL;
	if (strcmp(p, "/v1/agents") == 0) {
		if (strcmp(m, "GET") == 0)
			return &route_agents_get;
		if (strcmp(m, "POST") == 0)
			return &route_agents_post;
		reply_method_not_allowed(resp, "GET, POST");
		return NULL;
	}
	if (strncmp(p, "/v1/agents/", 11) == 0 && p[11] && !strchr(p + 11, '/')) {
		if (strcmp(m, "DELETE") == 0) {
			*out_arg = p + 11;
			return &route_agent_delete;
		}
		reply_method_not_allowed(resp, "DELETE");
		return NULL;
	}
	if (strcmp(p, "/v1/usage") == 0) {
		if (strcmp(m, "GET") == 0)
			return &route_usage;
		reply_method_not_allowed(resp, "GET");
		return NULL;
	}
	http_reply_error(resp, 404, "not_found", "no such resource");
	return NULL;
}

void api_dispatch(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct idp *idp = ctx;
	const struct api_route *rt;
	const char *arg;

	if (strcmp(req->path, OAUTH_TOKEN_ROUTE) == 0) {
		if (strcmp(req->method, "POST") == 0)
			oauth_token_handle(idp, req, resp);
		else
			reply_method_not_allowed(resp, "POST");
	} else if (strcmp(req->path, "/healthz") == 0) {
		if (strcmp(req->method, "GET") == 0)
			http_reply_json(resp, 200, json_pack("{s:s}", "status", "ok"));
		else
			reply_method_not_allowed(resp, "GET");
	} else {
		rt = route_find(req, resp, &arg);
		if (rt)
			api_call_run(idp, req, rt, arg, resp);
	}
	log_debug("msg=\"request\" method=%s path=\"%.100s\" status=%u remote=%s", req->method,
		  req->path, resp->status, req->remote_addr);
}

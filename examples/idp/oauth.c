// SPDX-License-Identifier: BSD-2-Clause
/*
 * oauth.c - client credentials grant and bearer token validation.
 *
 * Supported: grant_type=client_credentials, client authentication by HTTP
 * Basic (RFC 6749 section 2.3.1, form-encoded id and secret) or by the
 * client_id/client_secret body parameters, never both. No scopes are
 * defined, so a non-empty scope is refused with invalid_scope. Tokens are
 * opaque random strings; only their SHA-256 is stored, with an expiry from
 * the database's clock, so a restarted IdP knows exactly the tokens it
 * issued and still honours their expiry.
 *
 * Order of work per request: parse, look the client up, rate-limit, and
 * only then verify the secret, so a flood of guesses costs one indexed
 * query each, not a PBKDF2.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "oauth.h"

#define OAUTH_FORM_FIELDS 8

struct token_request {
	char client_id[STORE_ID_MAX + 1];
	char secret[256];
	char grant_type[64];
	bool used_basic;
	bool has_secret;
	bool has_scope;		/* a non-empty scope: invalid_scope */
	const char *error;	/* invalid_request description, or NULL */
};

bool oauth_id_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > STORE_ID_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '-' && c != '_' && c != '.')))
			return false;
	}
	return true;
}

/* "Basic base64(urlenc(id):urlenc(secret))" into @tr. */
static const char *parse_basic(const char *value, struct token_request *tr)
{
	char decoded[512];
	const char *colon;
	int n;

	while (*value == ' ')
		value++;
	n = secret_base64_decode(value, strlen(value), decoded, sizeof(decoded));
	if (n < 0)
		return "malformed Basic credentials";
	colon = strchr(decoded, ':');
	if (!colon)
		return "malformed Basic credentials";
	if (http_url_decode(decoded, (size_t)(colon - decoded), true, tr->client_id,
			    sizeof(tr->client_id)) < 0 ||
	    http_url_decode(colon + 1, strlen(colon + 1), true, tr->secret,
			    sizeof(tr->secret)) < 0)
		return "malformed Basic credentials";
	tr->used_basic = true;
	tr->has_secret = true;
	return NULL;
}

/* Copy a form value into a fixed field; NULL when it fits. */
static const char *take_field(char *dst, size_t dst_sz, const char *v, const char *what)
{
	if (strlen(v) >= dst_sz)
		return what;
	strcpy(dst, v);
	return NULL;
}

/* The client's identity from the form, unless Basic already gave it. */
static const char *parse_form_client(const struct http_form_field *f, int cnt,
				     struct token_request *tr)
{
	const char *v, *err;

	v = http_form_get(f, cnt, "client_id");
	if (v && tr->used_basic && strcmp(v, tr->client_id) != 0)
		return "client_id differs from the Basic credentials";
	if (v && !tr->used_basic) {
		err = take_field(tr->client_id, sizeof(tr->client_id), v, "client_id too long");
		if (err)
			return err;
	}
	v = http_form_get(f, cnt, "client_secret");
	if (v && tr->used_basic)
		return "more than one client authentication method";
	if (v) {
		err = take_field(tr->secret, sizeof(tr->secret), v, "client_secret too long");
		if (err)
			return err;
		tr->has_secret = true;
	}
	return NULL;
}

/*
 * The client is read before the grant is checked, so that a malformed
 * request from a known client still counts against that client's limit.
 */
static const char *parse_form(const struct http_request *req, struct token_request *tr)
{
	struct http_form_field f[OAUTH_FORM_FIELDS];
	const char *v, *err;
	int cnt;

	if (!http_media_type_is(http_header_get(req, "Content-Type"),
				"application/x-www-form-urlencoded"))
		return "Content-Type must be application/x-www-form-urlencoded";
	cnt = http_form_parse(req->body, f, OAUTH_FORM_FIELDS);
	if (cnt == -EEXIST)
		return "a parameter is given more than once";
	if (cnt == -E2BIG)
		return "too many parameters";
	if (cnt < 0)
		return "malformed form body (bad escape, or a parameter too long)";
	err = parse_form_client(f, cnt, tr);
	if (err)
		return err;

	v = http_form_get(f, cnt, "grant_type");
	if (!v)
		return "grant_type is required";
	err = take_field(tr->grant_type, sizeof(tr->grant_type), v, "grant_type too long");
	if (err)
		return err;
	v = http_form_get(f, cnt, "scope");
	tr->has_scope = v && *v;
	return NULL;
}

/* Fill @tr; tr->error says what was wrong, client_id is kept when known. */
static void token_request_parse(const struct http_request *req, struct token_request *tr)
{
	const char *auth = http_header_get(req, "Authorization");

	memset(tr, 0, sizeof(*tr));
	if (auth && strncasecmp(auth, "Basic ", 6) == 0)
		tr->error = parse_basic(auth + 6, tr);
	else if (auth)
		tr->error = "unsupported Authorization scheme; use Basic";
	if (!tr->error)
		tr->error = parse_form(req, tr);
	/* A client_id that cannot exist is not looked up, nor used as a key. */
	if (tr->client_id[0] && !oauth_id_valid(tr->client_id))
		tr->client_id[0] = '\0';
}

static void reply_invalid_client(struct http_response *resp, const struct token_request *tr)
{
	http_reply_error(resp, 401, "invalid_client", "client authentication failed");
	/* RFC 6749 section 5.2: required when the client tried Basic. */
	if (tr->used_basic)
		http_set_header(resp, "WWW-Authenticate", "Basic realm=\"agentidp\"");
}

static void issue_token(struct idp *idp, PGconn *conn, const struct token_request *tr,
			struct http_response *resp)
{
	char token[SECRET_TOKEN_LEN + 1], digest[SECRET_DIGEST_HEX_LEN + 1];
	json_t *body;

	if (secret_token_new(token)) {
		http_reply_error(resp, 500, "server_error", "could not issue a token");
		return;
	}
	secret_token_digest(token, digest);
	if (store_token_insert(conn, digest, tr->client_id, idp->cfg->token_ttl_s)) {
		http_reply_error(resp, 500, "server_error", "could not issue a token");
		return;
	}
	body = json_pack("{s:s, s:s, s:i}", "access_token", token, "token_type", "Bearer",
			 "expires_in", idp->cfg->token_ttl_s);
	http_reply_json(resp, 200, body);
	/* RFC 6749 section 5.1: token responses must not be cached. */
	http_set_header(resp, "Cache-Control", "no-store");
	http_set_header(resp, "Pragma", "no-cache");
}

/* Everything after the rate limit: request errors, authentication, grant. */
static void token_decide(struct idp *idp, PGconn *conn, const struct token_request *tr,
			 const struct client_row *client, bool known, struct http_response *resp)
{
	if (tr->error) {
		http_reply_error(resp, 400, "invalid_request", tr->error);
		return;
	}
	if (tr->has_scope) {
		http_reply_error(resp, 400, "invalid_scope", "this IdP defines no scopes");
		return;
	}
	if (!tr->client_id[0] || !tr->has_secret) {
		reply_invalid_client(resp, tr);
		return;
	}
	/* An unknown client costs the same hash as a known one. */
	if (!secret_verify(tr->secret, known ? client->secret_hash : NULL) || !known) {
		reply_invalid_client(resp, tr);
		return;
	}
	if (strcmp(tr->grant_type, "client_credentials") != 0) {
		http_reply_error(resp, 400, "unsupported_grant_type",
				 "only client_credentials is supported");
		return;
	}
	issue_token(idp, conn, tr, resp);
}

void oauth_token_handle(struct idp *idp, const struct http_request *req,
			struct http_response *resp)
{
	struct client_row client;
	struct token_request tr;
	char key[STORE_ID_MAX + 80];
	PGconn *conn;
	bool known = false;
	int err;

	token_request_parse(req, &tr);
	if (db_pool_acquire(idp->pool, &conn)) {
		http_reply_error(resp, 503, "temporarily_unavailable", "database busy");
		http_set_header(resp, "Retry-After", "1");
		return;
	}

	if (tr.client_id[0]) {
		err = store_client_get(conn, tr.client_id, &client);
		if (err && err != -ENOENT) {
			http_reply_error(resp, 500, "server_error", "client lookup failed");
			goto out;
		}
		known = !err;
	}
	if (known)
		snprintf(key, sizeof(key), "token:client:%s", tr.client_id);
	else
		snprintf(key, sizeof(key), "token:addr:%s", req->remote_addr);
	if (rate_limit_enforce(idp->rl, OAUTH_TOKEN_ROUTE, key, &idp->cfg->token_rate,
			       known ? client.tenant_id : IDP_NO_TENANT, "temporarily_unavailable",
			       resp))
		goto out;

	token_decide(idp, conn, &tr, &client, known, resp);
out:
	db_pool_release(idp->pool, conn);
}

int oauth_bearer_extract(const struct http_request *req, char *out, struct http_response *resp)
{
	const char *auth = http_header_get(req, "Authorization");
	size_t n;

	if (!auth || strncasecmp(auth, "Bearer ", 7) != 0) {
		http_reply_error(resp, 401, "unauthorized", "a Bearer access token is required");
		/* RFC 6750 section 3.1: no error code when no credentials came. */
		http_set_header(resp, "WWW-Authenticate", "Bearer realm=\"agentidp\"");
		return -EACCES;
	}
	auth += 7;
	while (*auth == ' ')
		auth++;
	n = strlen(auth);
	if (n != SECRET_TOKEN_LEN || strspn(auth, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					    "abcdefghijklmnopqrstuvwxyz0123456789-_") != n) {
		http_reply_error(resp, 401, "invalid_token", "malformed access token");
		http_set_header(resp, "WWW-Authenticate",
				"Bearer realm=\"agentidp\", error=\"invalid_token\"");
		return -EACCES;
	}
	memcpy(out, auth, n + 1);
	return 0;
}

int oauth_bearer_resolve(PGconn *conn, const char *token, struct tenant_row *out,
			 struct http_response *resp)
{
	char digest[SECRET_DIGEST_HEX_LEN + 1];
	int err;

	secret_token_digest(token, digest);
	err = store_token_lookup(conn, digest, out);
	if (err == -ENOENT) {
		http_reply_error(resp, 401, "invalid_token", "unknown or expired access token");
		http_set_header(resp, "WWW-Authenticate",
				"Bearer realm=\"agentidp\", error=\"invalid_token\"");
		return -EACCES;
	}
	if (err) {
		http_reply_error(resp, 500, "server_error", "token lookup failed");
		return -EIO;
	}
	return 0;
}

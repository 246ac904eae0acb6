/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * oauth.h - the OAuth 2.0 token endpoint (client credentials grant, RFC 6749
 * section 4.4) and bearer token checks for the API (RFC 6750).
 */
#ifndef IDP_OAUTH_H
#define IDP_OAUTH_H

#include <libpq-fe.h>

#include "http.h"
#include "idp.h"
#include "secret.h"
#include "store.h"

#define OAUTH_TOKEN_ROUTE "/oauth2/token"

/* oauth_token_handle - serve POST /oauth2/token. */
void oauth_token_handle(struct idp *idp, const struct http_request *req,
			struct http_response *resp);

/*
 * oauth_bearer_extract - the bearer token of the Authorization header into
 * @out (SECRET_TOKEN_LEN + 1 bytes).
 * Returns 0, or -EACCES after answering 401 with a WWW-Authenticate header.
 */
int oauth_bearer_extract(const struct http_request *req, char *out, struct http_response *resp);

/*
 * oauth_bearer_resolve - the tenant @token was issued to, if it exists and
 * has not expired.
 * Returns 0, -EACCES after answering 401 invalid_token, or -EIO after
 * answering 500.
 */
int oauth_bearer_resolve(PGconn *conn, const char *token, struct tenant_row *out,
			 struct http_response *resp);

/* oauth_id_valid - whether @s is a usable tenant id, client id or agent name. */
bool oauth_id_valid(const char *s);

#endif /* IDP_OAUTH_H */

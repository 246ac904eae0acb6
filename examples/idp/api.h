/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * api.h - request routing and the tenant API under /v1.
 *
 *   POST   /oauth2/token      token endpoint (oauth.c)
 *   GET    /v1/agents         list the tenant's agents
 *   POST   /v1/agents         create one: {"name": "..."}
 *   DELETE /v1/agents/{id}    delete one
 *   GET    /v1/usage          this month's API calls, agents and limits
 *   GET    /healthz           liveness, unauthenticated
 *
 * Every request that presents a valid bearer token fires tenant_api_call,
 * whatever happens to it afterwards (rate limit, quota, 4xx); requests
 * refused before the token is known to be valid do not.
 */
#ifndef IDP_API_H
#define IDP_API_H

#include "http.h"

/* api_dispatch - the http_handler_fn of the IdP; @ctx is a struct idp. */
void api_dispatch(void *ctx, const struct http_request *req, struct http_response *resp);

#endif /* IDP_API_H */

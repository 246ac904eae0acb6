/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ratelimit.h - fixed-window rate limiting in Redis.
 *
 * One Redis key per subject and window; a Lua script increments it and
 * sets its expiry in one atomic step, so concurrent requests (from this or
 * any other IdP process sharing the Redis) are counted exactly once each.
 */
#ifndef IDP_RATELIMIT_H
#define IDP_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "http.h"

struct rate_limiter;

/*
 * rate_limiter_new - connect to Redis at @host:@port.
 * Returns the limiter, or NULL with errno set (ECONNREFUSED, ENOMEM).
 */
struct rate_limiter *rate_limiter_new(const char *host, uint16_t port);

void rate_limiter_free(struct rate_limiter *rl);

/*
 * rate_limiter_take - count one request against @key under @rule.
 * Sets *out_limited, and *out_retry_after_s to the seconds until the window
 * resets (at least 1) when limited.
 * Returns 0, or -EIO when Redis cannot be reached or answers nonsense: the
 * caller then refuses the request (fails closed).
 */
int rate_limiter_take(struct rate_limiter *rl, const char *key, const struct rate_rule *rule,
		      bool *out_limited, int *out_retry_after_s);

/*
 * rate_limit_enforce - rate_limiter_take for one HTTP request.
 *
 * When @key is over @rule, answers 429 with Retry-After and an @error_code
 * JSON error, and fires rate_limit_hit(@route, @tenant); @route is the
 * route template ("/v1/agents/{id}"), never the raw URL, so the label stays
 * bounded. When Redis fails, answers 503: without a working limiter the
 * request is refused, not waved through.
 * Returns 0 when the request may proceed, -EBUSY when limited, -EIO.
 */
int rate_limit_enforce(struct rate_limiter *rl, const char *route, const char *key,
		       const struct rate_rule *rule, const char *tenant, const char *error_code,
		       struct http_response *resp);

#endif /* IDP_RATELIMIT_H */

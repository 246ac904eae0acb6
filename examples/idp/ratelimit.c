// SPDX-License-Identifier: BSD-2-Clause
/*
 * ratelimit.c - Redis fixed-window counters through hiredis.
 *
 * A hiredis context is not thread-safe, and a Redis round trip on loopback
 * takes tens of microseconds, so one connection behind a mutex serves all
 * request threads. A broken connection is replaced on the next call.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis.h>

#include <agentidp/probes.h>

#include "log.h"
#include "ratelimit.h"

/*
 * KEYS[1]: the window's counter; ARGV[1]: window length in ms.
 * Returns {count, ms until the window ends}. The first request of a window
 * starts its clock; a key that somehow lost its expiry gets one again
 * rather than limiting forever.
 */
static const char window_script[] =
	"local n = redis.call('INCR', KEYS[1])\n"
	"if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end\n"
	"local ttl = redis.call('PTTL', KEYS[1])\n"
	"if ttl < 0 then\n"
	"  redis.call('PEXPIRE', KEYS[1], ARGV[1])\n"
	"  ttl = tonumber(ARGV[1])\n"
	"end\n"
	"return {n, ttl}\n";

#define KEY_PREFIX "agentidp:rl:"

struct rate_limiter {
	pthread_mutex_t lock;
	redisContext *ctx;
	char host[64];
	uint16_t port;
};

static int rl_connect(struct rate_limiter *rl)
{
	struct timeval tv = { .tv_sec = 1, .tv_usec = 0 };

	if (rl->ctx)
		redisFree(rl->ctx);
	rl->ctx = redisConnectWithTimeout(rl->host, rl->port, tv);
	if (!rl->ctx || rl->ctx->err) {
		log_error("msg=\"redis connect failed\" addr=%s:%u err=\"%s\"", rl->host, rl->port,
			  rl->ctx ? rl->ctx->errstr : "out of memory");
		if (rl->ctx)
			redisFree(rl->ctx);
		rl->ctx = NULL;
		return -ECONNREFUSED;
	}
	redisSetTimeout(rl->ctx, tv);
	return 0;
}

struct rate_limiter *rate_limiter_new(const char *host, uint16_t port)
{
	struct rate_limiter *rl = calloc(1, sizeof(*rl));
	int err;

	if (!rl)
		return NULL;
	snprintf(rl->host, sizeof(rl->host), "%s", host);
	rl->port = port;
	pthread_mutex_init(&rl->lock, NULL);
	err = rl_connect(rl);
	if (err) {
		rate_limiter_free(rl);
		errno = -err;
		return NULL;
	}
	return rl;
}

void rate_limiter_free(struct rate_limiter *rl)
{
	if (!rl)
		return;
	if (rl->ctx)
		redisFree(rl->ctx);
	pthread_mutex_destroy(&rl->lock);
	free(rl);
}

/* One EVAL on the current connection; the caller holds rl->lock. */
static int rl_eval(struct rate_limiter *rl, const char *key, int window_ms, long long *out_n,
		   long long *out_ttl)
{
	redisReply *r;
	int err = -EIO;

	if (!rl->ctx && rl_connect(rl))
		return -EIO;
	r = redisCommand(rl->ctx, "EVAL %s 1 %s%s %d", window_script, KEY_PREFIX, key,
			 window_ms);
	if (!r) {
		log_warn("msg=\"redis command failed\" err=\"%s\"", rl->ctx->errstr);
		redisFree(rl->ctx);
		rl->ctx = NULL;
		return -EIO;
	}
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[0]->type == REDIS_REPLY_INTEGER &&
	    r->element[1]->type == REDIS_REPLY_INTEGER) {
		*out_n = r->element[0]->integer;
		*out_ttl = r->element[1]->integer;
		err = 0;
	} else {
		log_error("msg=\"unexpected redis reply\" type=%d str=\"%.100s\"", r->type,
			  r->type == REDIS_REPLY_ERROR ? r->str : "");
	}
	freeReplyObject(r);
	return err;
}

int rate_limiter_take(struct rate_limiter *rl, const char *key, const struct rate_rule *rule,
		      bool *out_limited, int *out_retry_after_s)
{
	long long n = 0, ttl = 0;
	int err;

	pthread_mutex_lock(&rl->lock);
	err = rl_eval(rl, key, rule->window_ms, &n, &ttl);
	/* One retry on a fresh connection covers a Redis restart. */
	if (err && !rl->ctx)
		err = rl_eval(rl, key, rule->window_ms, &n, &ttl);
	pthread_mutex_unlock(&rl->lock);
	if (err)
		return err;

	*out_limited = n > rule->limit;
	*out_retry_after_s = (int)((ttl + 999) / 1000);
	if (*out_retry_after_s < 1)
		*out_retry_after_s = 1;
	return 0;
}

int rate_limit_enforce(struct rate_limiter *rl, const char *route, const char *key,
		       const struct rate_rule *rule, const char *tenant, const char *error_code,
		       struct http_response *resp)
{
	char desc[96];
	bool limited = false;
	int retry_after = 1;
	int err;

	err = rate_limiter_take(rl, key, rule, &limited, &retry_after);
	if (err) {
		http_reply_error(resp, 503, "temporarily_unavailable",
				 "rate limiter unavailable; try again later");
		http_set_header(resp, "Retry-After", "1");
		return -EIO;
	}
	if (!limited)
		return 0;

	AGENTIDP_RATE_LIMIT_HIT(route, tenant);
	snprintf(desc, sizeof(desc), "more than %d requests in %d s; retry after %d s",
		 rule->limit, rule->window_ms / 1000, retry_after);
	http_reply_error(resp, 429, error_code, desc);
	http_set_header(resp, "Retry-After", "%d", retry_after);
	return -EBUSY;
}

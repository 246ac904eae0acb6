/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * http.h - the observer's HTTP endpoint (libmicrohttpd).
 *
 * GET (and HEAD) on the telemetry path serve the text format 0.0.4 with its
 * exact Content-Type; GET / serves a small landing page; any other path is
 * 404, any other method 405 with an Allow header. Requests are served one at
 * a time by one internal thread using epoll (descriptors above 1024 work);
 * connections are limited in number (high), time out after 10 idle
 * seconds, and must deliver each whole request within 10 seconds of the
 * connection's start or of the previous response, so idle or trickling
 * clients cannot hold scrapes off. Sending a response has no time limit.
 */
#ifndef OBSERVER_HTTP_H
#define OBSERVER_HTTP_H

#include "strbuf.h"

/* Renders a /metrics body into out; 0 or a negative errno. */
typedef int (*http_render_fn)(void *ctx, struct strbuf *out);

struct http_server;

/*
 * 0 if listen is a valid listen address (see http_start) with a port in
 * 1..65535, else -EINVAL.
 */
int http_listen_check(const char *listen);

/*
 * Start serving on listen ("HOST:PORT", ":PORT" for every address,
 * "[V6]:PORT"). Returns NULL and sets errno (the reason is logged): EINVAL
 * for a bad address, the socket's errno (EADDRINUSE, EACCES...) if it cannot
 * listen.
 */
struct http_server *http_start(const char *listen, const char *telemetry_path,
			       http_render_fn render, void *ctx);
void http_stop(struct http_server *srv);

#endif /* OBSERVER_HTTP_H */

// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "exposition.h"
#include "http.h"
#include "log.h"

/*
 * Scrapers are few; what fills connection slots is idle keep-alive clients
 * and slow partial requests. With epoll an idle connection costs only
 * memory, so the limit is high, and the idle timeout frees every slot that
 * sends nothing for a while. There is no per-address limit: Prometheus and
 * an abuser can share a loopback or NAT address.
 */
#define HTTP_CONNECTION_LIMIT 4000
#define HTTP_IDLE_TIMEOUT_S 10

struct http_server {
	struct MHD_Daemon *daemon;
	const char *path;
	http_render_fn render;
	void *ctx;
	char landing[1024];
};

/* Split "HOST:PORT" / ":PORT" / "[V6]:PORT" and resolve it (numeric only). */
static int listen_resolve(const char *listen, struct sockaddr_storage *out, socklen_t *out_len)
{
	char host[256] = "", port[16];
	struct addrinfo hints, *res = NULL;
	const char *colon;
	size_t hlen;
	int rc;

	if (listen[0] == '[') {
		const char *end = strchr(listen, ']');

		if (!end || end[1] != ':')
			return -EINVAL;
		hlen = (size_t)(end - listen - 1);
		if (hlen >= sizeof(host))
			return -EINVAL;
		memcpy(host, listen + 1, hlen);
		host[hlen] = '\0';
		colon = end + 1;
	} else {
		colon = strrchr(listen, ':');
		if (!colon)
			return -EINVAL;
		hlen = (size_t)(colon - listen);
		if (hlen >= sizeof(host))
			return -EINVAL;
		memcpy(host, listen, hlen);
		host[hlen] = '\0';
	}
	if (snprintf(port, sizeof(port), "%s", colon + 1) >= (int)sizeof(port) || !port[0] ||
	    strspn(port, "0123456789") != strlen(port))
		return -EINVAL;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (rc || !res)
		return -EINVAL;
	/* ":PORT" means every address: prefer the IPv6 wildcard, which takes IPv4 too. */
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		if (!host[0] && ai->ai_family != AF_INET6 && ai->ai_next)
			continue;
		memcpy(out, ai->ai_addr, ai->ai_addrlen);
		*out_len = ai->ai_addrlen;
		break;
	}
	freeaddrinfo(res);
	return 0;
}

int http_listen_check(const char *listen)
{
	struct sockaddr_storage addr;
	socklen_t len;

	return listen_resolve(listen, &addr, &len);
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status, const char *type,
			     char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, body, mode);
	if (!resp) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result serve_metrics(struct http_server *srv, struct MHD_Connection *conn)
{
	struct strbuf body;
	char *data;
	size_t len;
	int err;

	strbuf_init(&body);
	err = srv->render(srv->ctx, &body);
	if (err == -ENOMEM || strbuf_error(&body)) {
		strbuf_free(&body);
		log_error("cannot render metrics", "err=\"%s\"", strerror(ENOMEM));
		return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
			     (char *)"out of memory\n", 14, MHD_RESPMEM_PERSISTENT);
	}
	if (err)
		log_warn("scrape incomplete", "err=\"%s\"", strerror(-err));
	data = strbuf_detach(&body, &len);
	return reply(conn, MHD_HTTP_OK, EXPO_CONTENT_TYPE, data, len, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_state)
{
	struct http_server *srv = cls;
	static int first_call_marker;

	/* Answer only once the headers are in; a request body is ignored. */
	if (*req_state == NULL) {
		*req_state = &first_call_marker;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
			     (char *)"method not allowed\n", 19, MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, srv->path) == 0)
		return serve_metrics(srv, conn);
	if (strcmp(url, "/") == 0)
		return reply(conn, MHD_HTTP_OK, "text/html; charset=utf-8", srv->landing,
			     strlen(srv->landing), MHD_RESPMEM_PERSISTENT);
	return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", (char *)"not found\n",
		     10, MHD_RESPMEM_PERSISTENT);
}

/* libmicrohttpd's own complaints go to our log, not to its stderr format. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	log_vforeign(LOG_DEBUG, "libmicrohttpd", fmt, ap);
}

struct http_server *http_start(const char *listen, const char *telemetry_path,
			       http_render_fn render, void *ctx)
{
	struct sockaddr_storage addr;
	socklen_t addr_len = 0;
	struct http_server *srv;
	int err;

	err = listen_resolve(listen, &addr, &addr_len);
	if (err) {
		log_error("invalid --web.listen-address; expected HOST:PORT", "address=%s", listen);
		errno = EINVAL;
		return NULL;
	}
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return NULL;
	srv->path = telemetry_path;
	srv->render = render;
	srv->ctx = ctx;
	/* The path is ours, from the command line; it was checked to start with '/'. */
	snprintf(srv->landing, sizeof(srv->landing),
		 "<!DOCTYPE html>\n<html><head><title>agentidp-observer</title></head>\n"
		 "<body><h1>agentidp-observer</h1>\n"
		 "<p>USDT probes of the agentidp IdP, aggregated in BPF maps.</p>\n"
		 "<p><a href=\"%s\">Metrics</a></p></body></html>\n",
		 telemetry_path[strcspn(telemetry_path, "<>\"&")] ? "/metrics" : telemetry_path);

	srv->daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
			(addr.ss_family == AF_INET6 ? MHD_USE_DUAL_STACK : 0),
		0, NULL, NULL, handle, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_CONNECTION_LIMIT,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_IDLE_TIMEOUT_S,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
	if (!srv->daemon) {
		log_error("cannot listen", "address=%s", listen);
		free(srv);
		errno = EADDRINUSE;
		return NULL;
	}
	log_info("listening", "address=%s path=%s", listen, telemetry_path);
	return srv;
}

void http_stop(struct http_server *srv)
{
	if (!srv)
		return;
	MHD_stop_daemon(srv->daemon);
	free(srv);
}

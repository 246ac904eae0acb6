// SPDX-License-Identifier: BSD-2-Clause
/*
 * http.c - libmicrohttpd glue: body collection, response building, and the
 * small parsers (URL decoding, forms, media types) the handlers share.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "http.h"
#include "log.h"

struct http_server {
	struct MHD_Daemon *daemon;
	http_handler_fn handler;
	void *ctx;
};

/* Per-request state kept by MHD between calls of the access handler. */
struct request_state {
	char *body;
	size_t len;
	bool too_large;
};

const char *http_header_get(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_query_get(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

void http_set_header(struct http_response *resp, const char *name, const char *fmt, ...)
{
	struct http_header *h;
	va_list ap;

	if (resp->header_cnt >= HTTP_HEADERS_MAX) {
		log_error("msg=\"too many response headers\" header=%s", name);
		return;
	}
	h = &resp->headers[resp->header_cnt++];
	h->name = name;
	va_start(ap, fmt);
	vsnprintf(h->value, sizeof(h->value), fmt, ap);
	va_end(ap);
}

void http_reply_json(struct http_response *resp, unsigned int status, json_t *obj)
{
	free(resp->body);
	resp->status = status;
	resp->content_type = "application/json";
	resp->body = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	json_decref(obj);
	if (!resp->body) {
		resp->status = 500;
		resp->body = strdup("{\"error\":\"server_error\"}");
	}
}

void http_reply_error(struct http_response *resp, unsigned int status, const char *code,
		      const char *desc)
{
	json_t *obj = json_pack("{s:s}", "error", code);

	if (obj && desc)
		json_object_set_new(obj, "error_description", json_string(desc));
	http_reply_json(resp, status, obj);
}

void http_reply_empty(struct http_response *resp, unsigned int status)
{
	free(resp->body);
	resp->body = NULL;
	resp->status = status;
	resp->content_type = NULL;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int http_url_decode(const char *in, size_t len, bool plus, char *out, size_t out_sz)
{
	size_t i, n = 0;
	int hi, lo;
	char c;

	for (i = 0; i < len; i++) {
		c = in[i];
		if (c == '%') {
			if (i + 2 >= len)
				return -EINVAL;
			hi = hex_value(in[i + 1]);
			lo = hex_value(in[i + 2]);
			if (hi < 0 || lo < 0)
				return -EINVAL;
			c = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && plus) {
			c = ' ';
		}
		if (c == '\0' || n + 1 >= out_sz)
			return -EINVAL;
		out[n++] = c;
	}
	if (out_sz == 0)
		return -EINVAL;
	out[n] = '\0';
	return (int)n;
}

const char *http_form_get(const struct http_form_field *f, int cnt, const char *name)
{
	int i;

	for (i = 0; i < cnt; i++)
		if (strcmp(f[i].name, name) == 0)
			return f[i].value;
	return NULL;
}

int http_form_parse(const char *body, struct http_form_field *out, int cap)
{
	const char *p = body, *amp, *eq;
	int cnt = 0;
	size_t len;

	while (*p) {
		amp = strchr(p, '&');
		len = amp ? (size_t)(amp - p) : strlen(p);
		if (len == 0)
			goto next;	/* "a=1&&b=2" */
		if (cnt >= cap)
			return -E2BIG;
		eq = memchr(p, '=', len);
		if (!eq)
			return -EINVAL;
		if (http_url_decode(p, (size_t)(eq - p), true, out[cnt].name,
				    sizeof(out[cnt].name)) <= 0 ||
		    http_url_decode(eq + 1, len - (size_t)(eq - p) - 1, true, out[cnt].value,
				    sizeof(out[cnt].value)) < 0)
			return -EINVAL;
		/* RFC 6749 section 3.2: no parameter may appear twice. */
		if (http_form_get(out, cnt, out[cnt].name))
			return -EEXIST;
		cnt++;
next:
		if (!amp)
			break;
		p = amp + 1;
	}
	return cnt;
}

bool http_media_type_is(const char *content_type, const char *type)
{
	size_t n = strlen(type);

	if (!content_type)
		return false;
	while (*content_type == ' ')
		content_type++;
	if (strncasecmp(content_type, type, n) != 0)
		return false;
	content_type += n;
	while (*content_type == ' ')
		content_type++;
	return *content_type == '\0' || *content_type == ';';
}

static void remote_addr_of(struct MHD_Connection *conn, char *out, size_t out_sz)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	snprintf(out, out_sz, "unknown");
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return;
	sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out,
			  (socklen_t)out_sz);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
			  (socklen_t)out_sz);
}

static enum MHD_Result send_response(struct MHD_Connection *conn, struct http_response *resp)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	const char *body = resp->body ? resp->body : "";
	int i;

	r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	if (resp->content_type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
	for (i = 0; i < resp->header_cnt; i++)
		MHD_add_response_header(r, resp->headers[i].name, resp->headers[i].value);
	ret = MHD_queue_response(conn, resp->status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Append an upload chunk; past HTTP_BODY_MAX only the flag is kept. */
static void state_append(struct request_state *st, const char *data, size_t len)
{
	char *nb;

	if (st->too_large || st->len + len > HTTP_BODY_MAX) {
		st->too_large = true;
		return;
	}
	nb = realloc(st->body, st->len + len + 1);
	if (!nb) {
		st->too_large = true;
		return;
	}
	memcpy(nb + st->len, data, len);
	st->len += len;
	nb[st->len] = '\0';
	st->body = nb;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct http_server *srv = cls;
	struct request_state *st = *con_cls;
	struct http_response resp = { .status = 500 };
	struct http_request req;
	enum MHD_Result ret;

	(void)version;
	if (!st) {
		st = calloc(1, sizeof(*st));
		if (!st)
			return MHD_NO;
		*con_cls = st;
		return MHD_YES;
	}
	if (*upload_data_size) {
		state_append(st, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}

	if (st->too_large) {
		http_reply_error(&resp, 413, "invalid_request", "request body too large");
	} else {
		req = (struct http_request){
			.conn = conn,
			.method = method,
			.path = url,
			.body = st->body ? st->body : "",
			.body_len = st->len,
		};
		remote_addr_of(conn, req.remote_addr, sizeof(req.remote_addr));
		srv->handler(srv->ctx, &req, &resp);
	}
	ret = send_response(conn, &resp);
	free(resp.body);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct request_state *st = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (!st)
		return;
	free(st->body);
	free(st);
	*con_cls = NULL;
}

struct http_server *http_server_start(const char *host, uint16_t port, http_handler_fn handler,
				      void *ctx)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct http_server *srv;

	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		errno = EINVAL;
		return NULL;
	}
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return NULL;
	srv->handler = handler;
	srv->ctx = ctx;
	srv->daemon = MHD_start_daemon(
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			MHD_USE_ERROR_LOG,
		port, NULL, NULL, on_request, srv,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)512,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60,
		MHD_OPTION_END);
	if (!srv->daemon) {
		free(srv);
		errno = EADDRINUSE;
		return NULL;
	}
	return srv;
}

void http_server_stop(struct http_server *srv)
{
	if (!srv)
		return;
	MHD_stop_daemon(srv->daemon);
	free(srv);
}

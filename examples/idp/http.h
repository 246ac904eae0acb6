/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * http.h - the IdP's HTTP server (libmicrohttpd) and message helpers.
 *
 * One thread per connection: handlers may block on the database pool or
 * Redis without stalling other clients. Request bodies are collected in
 * full (up to HTTP_BODY_MAX) before the handler runs; larger bodies get
 * 413 without reaching it. Responses are JSON unless a handler says
 * otherwise.
 */
#ifndef IDP_HTTP_H
#define IDP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define HTTP_BODY_MAX 16384
#define HTTP_HEADERS_MAX 4

struct MHD_Connection;

struct http_request {
	struct MHD_Connection *conn;
	const char *method;
	const char *path;	/* without the query string */
	const char *body;	/* NUL-terminated; may be empty, never NULL */
	size_t body_len;
	char remote_addr[64];	/* peer IP address as text */
};

struct http_header {
	const char *name;	/* static string */
	char value[160];
};

struct http_response {
	unsigned int status;
	char *body;		/* malloc'ed, owned by the response */
	const char *content_type;
	struct http_header headers[HTTP_HEADERS_MAX];
	int header_cnt;
};

typedef void (*http_handler_fn)(void *ctx, const struct http_request *req,
				struct http_response *resp);

struct http_server;

/*
 * http_server_start - listen on @host:@port and call @handler for every
 * complete request, from the connection's own thread.
 * Returns the server, or NULL with errno set.
 */
struct http_server *http_server_start(const char *host, uint16_t port, http_handler_fn handler,
				      void *ctx);

/* http_server_stop - stop listening and wait for the request threads. */
void http_server_stop(struct http_server *srv);

/* http_header_get - a request header, or NULL. */
const char *http_header_get(const struct http_request *req, const char *name);

/* http_query_get - a URL query argument (already decoded), or NULL. */
const char *http_query_get(const struct http_request *req, const char *name);

/* http_set_header - add a response header (the value is copied, cut to fit). */
void http_set_header(struct http_response *resp, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* http_reply_json - answer @status with @obj serialised; takes @obj. */
void http_reply_json(struct http_response *resp, unsigned int status, json_t *obj);

/*
 * http_reply_error - answer @status with {"error": @code,
 * "error_description": @desc} (RFC 6749 section 5.2 shape; the API uses
 * the same shape for its own errors).
 */
void http_reply_error(struct http_response *resp, unsigned int status, const char *code,
		      const char *desc);

/* http_reply_empty - answer @status with no body (204). */
void http_reply_empty(struct http_response *resp, unsigned int status);

/*
 * http_url_decode - decode %XX escapes (and '+' as space when @plus) of
 * @in[0..len) into @out of @out_sz bytes, NUL-terminated.
 * Returns the decoded length, or -EINVAL for a bad escape, an embedded NUL
 * or no room.
 */
int http_url_decode(const char *in, size_t len, bool plus, char *out, size_t out_sz);

/* One application/x-www-form-urlencoded field, decoded. */
struct http_form_field {
	char name[32];
	char value[256];
};

/*
 * http_form_parse - split @body into at most @cap fields.
 * Returns the number of fields, -EINVAL for a malformed body or a field too
 * long, -EEXIST for a parameter given twice, or -E2BIG for too many fields.
 */
int http_form_parse(const char *body, struct http_form_field *out, int cap);

/* http_form_get - the value of field @name, or NULL. */
const char *http_form_get(const struct http_form_field *f, int cnt, const char *name);

/* http_media_type_is - whether Content-Type names @type (parameters ignored). */
bool http_media_type_is(const char *content_type, const char *type);

#endif /* IDP_HTTP_H */

// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "exposition.h"
#include "http.h"
#include "log.h"

/*
 * Scrapers are few; what fills connection slots is idle keep-alive clients
 * and slow partial requests. With epoll an idle connection costs only
 * memory, so the limit is high, and the idle timeout frees every slot that
 * sends nothing for a while. That timeout counts inactivity only, so a
 * client trickling a byte every few seconds would keep its slot forever:
 * each request must also arrive whole within HTTP_REQUEST_DEADLINE_S of the
 * connection's start (or of the previous response on a keep-alive
 * connection). Sending the response is not limited: a slow Prometheus
 * reading a large body is a legitimate client. There is no per-address
 * limit: Prometheus and an abuser can share a loopback or NAT address.
 */
#define HTTP_CONNECTION_LIMIT 4000
#define HTTP_IDLE_TIMEOUT_S 10
#define HTTP_REQUEST_DEADLINE_S 10
#define HTTP_LISTEN_BACKLOG 1024

/*
 * One per connection, in MHD's socket context. While a request is awaited
 * the connection sits on the server's pending list; deadlines are all
 * "arm time + HTTP_REQUEST_DEADLINE_S", so appending keeps the list sorted
 * and the janitor only ever looks at its head.
 */
struct http_conn {
	int fd;
	bool pending;
	uint64_t deadline_ns;
	struct http_conn *prev, *next;
};

struct http_server {
	struct MHD_Daemon *daemon;
	const char *path;
	http_render_fn render;
	void *ctx;
	char landing[1024];

	/* The janitor; lock guards everything below it. */
	pthread_t janitor;
	bool janitor_started;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping;
	struct http_conn *head, *tail;
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
	/* getaddrinfo takes 94770 modulo 65536, and port 0 would bind a random port. */
	if (strlen(port) > 5 || strtol(port, NULL, 10) < 1 || strtol(port, NULL, 10) > 65535)
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

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Take c off the pending list; the caller holds srv->lock. */
static void pending_del(struct http_server *srv, struct http_conn *c)
{
	if (!c->pending)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		srv->tail = c->prev;
	c->prev = c->next = NULL;
	c->pending = false;
}

/* Start c's deadline for its next request. */
static void conn_await_request(struct http_server *srv, struct http_conn *c)
{
	pthread_mutex_lock(&srv->lock);
	pending_del(srv, c);
	c->deadline_ns = now_ns() + HTTP_REQUEST_DEADLINE_S * 1000000000ull;
	c->prev = srv->tail;
	if (srv->tail)
		srv->tail->next = c;
	else
		srv->head = c;
	srv->tail = c;
	c->pending = true;
	/*
	 * Only an empty list leaves the janitor sleeping without a timeout; a
	 * non-empty one already wakes it no later than this new deadline.
	 */
	if (srv->head == c)
		pthread_cond_signal(&srv->wake);
	pthread_mutex_unlock(&srv->lock);
}

static void conn_request_received(struct http_server *srv, struct http_conn *c)
{
	pthread_mutex_lock(&srv->lock);
	pending_del(srv, c);
	pthread_mutex_unlock(&srv->lock);
}

/*
 * Shut down connections whose request is late. The janitor never closes a
 * descriptor: MHD owns it and closes it once it sees the EOF. The CLOSED
 * notification takes the connection off the list under the lock before MHD
 * closes the descriptor, so a descriptor shut down here is never a reused
 * one. With nothing pending it sleeps without a timeout: an idle observer
 * makes no wakeups.
 */
static void *janitor_run(void *arg)
{
	struct http_server *srv = arg;
	struct timespec ts;
	struct http_conn *c;
	uint64_t now;

	pthread_mutex_lock(&srv->lock);
	while (!srv->stopping) {
		if (!srv->head) {
			pthread_cond_wait(&srv->wake, &srv->lock);
			continue;
		}
		now = now_ns();
		while ((c = srv->head) && c->deadline_ns <= now) {
			pending_del(srv, c);
			shutdown(c->fd, SHUT_RDWR);
		}
		if (!c)
			continue;
		ts.tv_sec = (time_t)(c->deadline_ns / 1000000000ull);
		ts.tv_nsec = (long)(c->deadline_ns % 1000000000ull);
		pthread_cond_timedwait(&srv->wake, &srv->lock, &ts);
	}
	pthread_mutex_unlock(&srv->lock);
	return NULL;
}

static void notify_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			      enum MHD_ConnectionNotificationCode toe)
{
	struct http_server *srv = cls;
	const union MHD_ConnectionInfo *info;
	struct http_conn *c;

	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		c = *socket_context;
		if (!c)
			return;
		conn_request_received(srv, c);
		free(c);
		*socket_context = NULL;
		return;
	}
	info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	c = calloc(1, sizeof(*c));
	if (!c || !info) {
		/* Refuse what cannot be given a deadline rather than serve it without one. */
		free(c);
		if (info)
			shutdown(info->connect_fd, SHUT_RDWR);
		return;
	}
	c->fd = info->connect_fd;
	*socket_context = c;
	conn_await_request(srv, c);
}

static struct http_conn *conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info;

	info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return info ? info->socket_context : NULL;
}

/* A request is over (answered or aborted): a keep-alive connection awaits the next one. */
static void request_completed(void *cls, struct MHD_Connection *conn, void **req_state,
			      enum MHD_RequestTerminationCode toe)
{
	struct http_server *srv = cls;
	struct http_conn *c = conn_of(conn);

	if (c)
		conn_await_request(srv, c);
}

static int janitor_start(struct http_server *srv)
{
	pthread_condattr_t attr;
	int err;

	pthread_mutex_init(&srv->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&srv->wake, &attr);
	pthread_condattr_destroy(&attr);
	err = pthread_create(&srv->janitor, NULL, janitor_run, srv);
	if (err)
		return -err;
	/* Named, so that its (absent) idle wakeups can be told apart in /proc. */
	pthread_setname_np(srv->janitor, "http-janitor");
	srv->janitor_started = true;
	return 0;
}

static void janitor_stop(struct http_server *srv)
{
	if (srv->janitor_started) {
		pthread_mutex_lock(&srv->lock);
		srv->stopping = true;
		pthread_cond_signal(&srv->wake);
		pthread_mutex_unlock(&srv->lock);
		pthread_join(srv->janitor, NULL);
	}
	pthread_cond_destroy(&srv->wake);
	pthread_mutex_destroy(&srv->lock);
}

/*
 * Our own listen socket, so that a failure has its errno (MHD reports only
 * that it failed) and a port is never silently replaced. Returns the
 * descriptor or a negative errno.
 */
static int listen_open(const struct sockaddr_storage *addr, socklen_t addr_len)
{
	int fd, on = 1, off = 0, err;

	fd = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* A restarted observer must not wait for the old one's TIME_WAIT sockets. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)))
		goto fail;
	/* "[::]:PORT" and ":PORT" take IPv4 too, whatever net.ipv6.bindv6only says. */
	if (addr->ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)))
		goto fail;
	if (bind(fd, (const struct sockaddr *)addr, addr_len) || listen(fd, HTTP_LISTEN_BACKLOG))
		goto fail;
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
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
	struct http_conn *c;

	/* Answer only once the headers are in; a request body is ignored. */
	if (*req_state == NULL) {
		*req_state = &first_call_marker;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	/* The whole request is in (a body counts too): its deadline is met. */
	if ((c = conn_of(conn)))
		conn_request_received(srv, c);
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
	int fd, err;

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
	/* The path was checked by cli_parse(): URL path characters only, 256 at most. */
	snprintf(srv->landing, sizeof(srv->landing),
		 "<!DOCTYPE html>\n<html><head><title>agentidp-observer</title></head>\n"
		 "<body><h1>agentidp-observer</h1>\n"
		 "<p>USDT probes of the agentidp IdP, aggregated in BPF maps.</p>\n"
		 "<p><a href=\"%s\">Metrics</a></p></body></html>\n",
		 telemetry_path);

	fd = listen_open(&addr, addr_len);
	if (fd < 0) {
		err = fd;
		log_error("cannot listen", "address=%s err=\"%s\"", listen, strerror(-err));
		goto fail_free;
	}
	err = janitor_start(srv);
	if (err) {
		log_error("cannot start the HTTP janitor thread", "err=\"%s\"", strerror(-err));
		close(fd);
		goto fail_janitor;
	}
	/* From here on MHD owns fd and closes it in MHD_stop_daemon. */
	srv->daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL,
		handle, srv, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned int)HTTP_CONNECTION_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned int)HTTP_IDLE_TIMEOUT_S, MHD_OPTION_NOTIFY_CONNECTION, notify_connection,
		srv, MHD_OPTION_NOTIFY_COMPLETED, request_completed, srv,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
	if (!srv->daemon) {
		/*
		 * MHD does not say why (its reason went to the debug log; with
		 * our own socket it is a thread or epoll resource, hence ENOMEM)
		 * nor whether it closed fd; the process exits next, so fd is left
		 * alone rather than risk closing it twice.
		 */
		err = -ENOMEM;
		log_error("cannot start the HTTP server", "address=%s", listen);
		goto fail_janitor;
	}
	log_info("listening", "address=%s path=%s", listen, telemetry_path);
	return srv;

fail_janitor:
	janitor_stop(srv);
fail_free:
	free(srv);
	errno = -err;
	return NULL;
}

void http_stop(struct http_server *srv)
{
	if (!srv)
		return;
	/* MHD first: its CLOSED notifications empty the pending list. */
	MHD_stop_daemon(srv->daemon);
	janitor_stop(srv);
	free(srv);
}

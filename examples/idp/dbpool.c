// SPDX-License-Identifier: BSD-2-Clause
/*
 * dbpool.c - fixed-size PostgreSQL pool with a FIFO wait queue.
 *
 * "active" counts connections checked out, "waiting" counts callers queued
 * for one. A release with callers queued hands the connection straight to
 * the oldest one, so active stays and waiting drops by one: no newcomer can
 * overtake a queued caller, and the counts never show a free connection
 * while someone waits.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include <agentidp/probes.h>

#include "dbpool.h"
#include "log.h"

struct pool_waiter {
	pthread_cond_t cond;
	PGconn *conn;		/* set by the releasing thread */
	struct pool_waiter *next;
};

struct db_pool {
	pthread_mutex_t lock;
	PGconn **all;		/* every connection, for db_pool_free */
	PGconn **free_stack;
	int size;
	int free_cnt;
	int active;
	int waiting;
	int timeout_ms;
	struct pool_waiter *head, *tail;
};

/* Caller holds pool->lock. */
static void pool_fire(const struct db_pool *pool)
{
	AGENTIDP_DB_POOL_STATE(pool->active, pool->waiting, pool->size);
}

void db_pool_report(struct db_pool *pool)
{
	pthread_mutex_lock(&pool->lock);
	pool_fire(pool);
	pthread_mutex_unlock(&pool->lock);
}

struct db_pool *db_pool_new(const char *conninfo, int size, int timeout_ms)
{
	struct db_pool *pool;
	int i;

	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return NULL;
	pool->all = calloc((size_t)size, sizeof(*pool->all));
	pool->free_stack = calloc((size_t)size, sizeof(*pool->free_stack));
	if (!pool->all || !pool->free_stack)
		goto err_nomem;
	pthread_mutex_init(&pool->lock, NULL);
	pool->size = size;
	pool->timeout_ms = timeout_ms;

	for (i = 0; i < size; i++) {
		pool->all[i] = PQconnectdb(conninfo);
		if (PQstatus(pool->all[i]) != CONNECTION_OK) {
			log_error("msg=\"database connection failed\" err=\"%s\"",
				  PQerrorMessage(pool->all[i]));
			/* db_pool_free closes what was opened, this one included. */
			pool->size = i + 1;
			db_pool_free(pool);
			errno = ECONNREFUSED;
			return NULL;
		}
		pool->free_stack[pool->free_cnt++] = pool->all[i];
	}
	db_pool_report(pool);
	return pool;

err_nomem:
	free(pool->free_stack);
	free(pool->all);
	free(pool);
	errno = ENOMEM;
	return NULL;
}

void db_pool_free(struct db_pool *pool)
{
	int i;

	if (!pool)
		return;
	for (i = 0; i < pool->size; i++)
		PQfinish(pool->all[i]);
	pthread_mutex_destroy(&pool->lock);
	free(pool->free_stack);
	free(pool->all);
	free(pool);
}

static void waiter_unlink(struct db_pool *pool, struct pool_waiter *w)
{
	struct pool_waiter **pp;

	for (pp = &pool->head; *pp; pp = &(*pp)->next) {
		if (*pp != w)
			continue;
		*pp = w->next;
		if (pool->tail == w) {
			pool->tail = NULL;
			for (struct pool_waiter *it = pool->head; it; it = it->next)
				pool->tail = it;
		}
		return;
	}
}

static void deadline_after(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

int db_pool_acquire(struct db_pool *pool, PGconn **out_conn)
{
	struct pool_waiter w = { .conn = NULL, .next = NULL };
	pthread_condattr_t attr;
	struct timespec deadline;
	int rc = 0;

	pthread_mutex_lock(&pool->lock);
	if (pool->free_cnt > 0 && !pool->head) {
		*out_conn = pool->free_stack[--pool->free_cnt];
		pool->active++;
		pool_fire(pool);
		pthread_mutex_unlock(&pool->lock);
		return 0;
	}

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&w.cond, &attr);
	pthread_condattr_destroy(&attr);
	if (pool->tail)
		pool->tail->next = &w;
	else
		pool->head = &w;
	pool->tail = &w;
	pool->waiting++;
	pool_fire(pool);

	deadline_after(&deadline, pool->timeout_ms);
	while (!w.conn && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&w.cond, &pool->lock, &deadline);
	if (!w.conn) {
		/* Still queued: nobody handed us a connection. */
		waiter_unlink(pool, &w);
		pool->waiting--;
		pool_fire(pool);
	}
	pthread_mutex_unlock(&pool->lock);
	pthread_cond_destroy(&w.cond);

	if (!w.conn)
		return -ETIMEDOUT;
	*out_conn = w.conn;
	return 0;
}

/* Make @conn fit for the next user; runs without the pool's lock. */
static void conn_scrub(PGconn *conn)
{
	PGresult *res;

	if (PQstatus(conn) != CONNECTION_OK) {
		log_warn("msg=\"resetting broken database connection\"");
		PQreset(conn);
		return;
	}
	if (PQtransactionStatus(conn) != PQTRANS_IDLE) {
		res = PQexec(conn, "ROLLBACK");
		PQclear(res);
	}
}

void db_pool_release(struct db_pool *pool, PGconn *conn)
{
	struct pool_waiter *w;

	conn_scrub(conn);

	pthread_mutex_lock(&pool->lock);
	w = pool->head;
	if (w) {
		pool->head = w->next;
		if (!pool->head)
			pool->tail = NULL;
		w->conn = conn;
		pool->waiting--;
		pthread_cond_signal(&w->cond);
	} else {
		pool->free_stack[pool->free_cnt++] = conn;
		pool->active--;
	}
	pool_fire(pool);
	pthread_mutex_unlock(&pool->lock);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dbpool.h - a fixed-size pool of PostgreSQL connections.
 *
 * All connections are opened up front. A caller that finds none free joins
 * a FIFO wait queue and gets the next released connection handed to it
 * directly, or gives up after the pool's timeout. Every change of the
 * counts fires the db_pool_state probe while the pool's lock is held, so
 * the last value an observer reads is the pool's true state.
 */
#ifndef IDP_DBPOOL_H
#define IDP_DBPOOL_H

#include <libpq-fe.h>

struct db_pool;

/*
 * db_pool_new - connect @size sessions with @conninfo.
 * Returns the pool, or NULL with errno set (ECONNREFUSED when a connection
 * fails, ENOMEM).
 */
struct db_pool *db_pool_new(const char *conninfo, int size, int timeout_ms);

/* db_pool_free - close every connection; none may be checked out. */
void db_pool_free(struct db_pool *pool);

/*
 * db_pool_acquire - check a connection out into @out_conn.
 * Returns 0, or -ETIMEDOUT when none became free within the timeout.
 */
int db_pool_acquire(struct db_pool *pool, PGconn **out_conn);

/*
 * db_pool_release - give @conn back. A connection left inside a transaction
 * is rolled back and a broken one is reset before anyone else gets it.
 */
void db_pool_release(struct db_pool *pool, PGconn *conn);

/* db_pool_report - fire db_pool_state with the current counts. */
void db_pool_report(struct db_pool *pool);

#endif /* IDP_DBPOOL_H */

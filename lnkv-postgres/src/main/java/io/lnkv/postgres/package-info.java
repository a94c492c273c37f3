/**
 * {@link io.lnkv.postgres.PostgresStore}: a store in a PostgreSQL table with ldk-node's schema,
 * over a HikariCP pool, with a single-writer lease checked inside every writing transaction.
 *
 * <p>Where things live: opening (one transaction: lease, table, checks) is {@code PostgresOpening};
 * the table's DDL, version comment and checks {@code PostgresSchema}; how ldk-node names and quotes
 * a table {@code PostgresTableName}; the single writer is ldk-node's advisory lock ({@code
 * AdvisoryLock}) and lnkv's lease row ({@code PostgresLease}); the pool is {@code
 * io.lnkv.postgres.internal.PostgresPools}, shared with lnkv serve.
 */
package io.lnkv.postgres;

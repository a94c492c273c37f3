/**
 * {@link io.lnkv.postgres.PostgresStore}: a store in a PostgreSQL table with ldk-node's schema,
 * over a HikariCP pool, with a single-writer lease checked inside every writing transaction.
 */
package io.lnkv.postgres;

/**
 * {@link io.lnkv.sqlite.SqliteStore}: a store in a SQLite file with ldk-node's schema and
 * migrations, WAL with {@code synchronous=FULL}, group commit, a file lock beside the database and
 * read-only opens that create nothing.
 */
package io.lnkv.sqlite;

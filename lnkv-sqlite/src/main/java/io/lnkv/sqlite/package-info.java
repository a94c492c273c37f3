/**
 * {@link io.lnkv.sqlite.SqliteStore}: a store in a SQLite file with ldk-node's schema and
 * migrations, WAL with {@code synchronous=FULL}, group commit, a file lock beside the database and
 * read-only opens that create nothing.
 *
 * <p>Where things live: opening for writing or reading is {@code SqliteOpening}; ldk-node's schema
 * versions and migrations {@code SqliteSchema}; the reader connections {@code ReadConnections},
 * opened read-only without creating a journal by {@code ReadOnlyOpening}. The SQL is {@code
 * SqlKeyValueTable} and group commit {@code GroupCommitter}, both shared.
 */
package io.lnkv.sqlite;

/**
 * {@code lnkv serve}: {@link io.lnkv.vss.server.VssServer}, a VSS-compatible server, its {@link
 * io.lnkv.vss.server.VssStorage} (SQLite or PostgreSQL) and its {@link
 * io.lnkv.vss.server.Authorizer}s (none, JWT with a key or a JWKS document, VSS signatures).
 *
 * <p>Where things live: the HTTP side is {@code VssHandler} (routing, authentication, the access
 * log) with {@code BodyReader} (one body, within {@code BodyBudget}) and {@code ConnectionGuard}
 * (header deadline, connections per address, the minimum body rate); {@code AdminHandler} serves
 * the admin listener; {@code VssProtocol} is vss-server's protocol over {@code KeyVersionStorage};
 * the storage is {@code SqlVssStorage} over {@code VssTable}, with its twins {@code
 * SqliteVssStorage} and {@code PostgresVssStorage}, and {@code UserUsage} for quotas.
 */
package io.lnkv.vss.server;

/**
 * {@code lnkv serve}: {@link io.lnkv.vss.server.VssServer}, a VSS-compatible server, its {@link
 * io.lnkv.vss.server.VssStorage} (SQLite or PostgreSQL) and its {@link
 * io.lnkv.vss.server.Authorizer}s (none, JWT, VSS signatures).
 */
package io.lnkv.vss.server;
